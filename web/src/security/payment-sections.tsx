/**
 * Payment limits and password-free payments (docs/payments.md, "Limits and password-free").
 * Lowering a limit or turning password-free off is always allowed in one step; raising a limit,
 * turning password-free on or raising its caps answers step_up_required, and the call is retried
 * through the step-up dialog.
 */
import { type FormEvent, useEffect, useId, useState } from 'react';
import type { ChannelLimits, PasswordFree } from '../api-payments.ts';
import { fetchPasswordFree, fetchPaymentLimits, setPasswordFree, setPaymentLimits } from '../api-payments.ts';
import { ErrorRegion, Field, StatusRegion, useAction } from '../forms.tsx';
import { isMessageKey, useI18n } from '../i18n.ts';
import type { WireMoney } from '../money.ts';
import {
  currencyExponent,
  formatMoney,
  minorToMajorText,
  parseAmountMinor,
  parseMajorToMinor,
} from '../money.ts';
import { useStepUp } from '../step-up-dialog.tsx';
import { LoadState, SectionCard, useLoad, useSecurityRefresh } from './shared.tsx';

/** "12.34" for the amount field, from wire money. */
function majorText(money: WireMoney): string {
  return minorToMajorText(parseAmountMinor(money.amountMinor) ?? 0n, currencyExponent(money.currency));
}

/** Typed yuan to wire money, or null when it is not a positive amount with at most 2 decimals. */
function typedMoney(text: string, currency: string): WireMoney | null {
  const minor = parseMajorToMinor(text, currencyExponent(currency));
  return minor === null || minor <= 0n ? null : { amountMinor: minor.toString(), currency };
}

export function PaymentLimitsSection() {
  const { t } = useI18n();
  const limits = useLoad(fetchPaymentLimits);
  return (
    <SectionCard
      anchor="payment-limits"
      title={t('limits.title')}
      lead={t('limits.lead')}
      busy={limits.phase === 'loading'}
    >
      <LoadState loaded={limits} />
      {limits.data?.channels
        .filter((channel) => channel.available)
        .map((channel) => (
          <ChannelLimitsForm key={channel.channel} limits={channel} />
        ))}
    </SectionCard>
  );
}

function channelName(channel: string, t: ReturnType<typeof useI18n>['t']): string {
  const key = `limits.channel.${channel}`;
  return isMessageKey(key) ? t(key) : channel;
}

function ChannelLimitsForm({ limits }: { readonly limits: ChannelLimits }) {
  const { t, locale } = useI18n();
  const ids = useId();
  const withStepUp = useStepUp();
  const { refresh } = useSecurityRefresh();
  const [perPayment, setPerPayment] = useState(() => majorText(limits.perPayment));
  const [perDay, setPerDay] = useState(() => majorText(limits.perDay));
  const [invalid, setInvalid] = useState<'perPayment' | 'perDay' | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const save = useAction();
  const currency = limits.perPayment.currency;

  // A reload after a change shows the saved values.
  useEffect(() => {
    setPerPayment(majorText(limits.perPayment));
    setPerDay(majorText(limits.perDay));
  }, [limits.perPayment, limits.perDay]);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setDone(null);
    const perPaymentMoney = typedMoney(perPayment, currency);
    const perDayMoney = typedMoney(perDay, currency);
    if (perPaymentMoney === null) return setInvalid('perPayment');
    if (perDayMoney === null) return setInvalid('perDay');
    const ok = await save.run(async () => {
      // Lowering passes at once; raising answers step_up_required and the dialog opens.
      await withStepUp(() =>
        setPaymentLimits({ channel: limits.channel, perPayment: perPaymentMoney, perDay: perDayMoney }),
      );
    });
    if (ok) {
      setDone(t('limits.saved'));
      refresh();
    }
  }

  const name = channelName(limits.channel, t);
  return (
    <form
      className="form"
      onSubmit={onSubmit}
      aria-busy={save.busy}
      aria-labelledby={`${ids}-name`}
      noValidate
    >
      <h3 id={`${ids}-name`}>{name}</h3>
      <dl className="facts">
        <div>
          <dt>{t('limits.spentToday')}</dt>
          <dd>{formatMoney(limits.spentToday, { locale })}</dd>
        </div>
        <div>
          <dt>{t('limits.leftToday')}</dt>
          <dd>{formatMoney(limits.allowanceLeftToday, { locale })}</dd>
        </div>
      </dl>
      <Field
        label={t('limits.perPayment', { channel: name })}
        hint={t('limits.max', { amount: formatMoney(limits.platformMaxPerPayment, { locale }) })}
        type="text"
        inputMode="decimal"
        autoComplete="off"
        required
        value={perPayment}
        onChange={(event) => {
          setPerPayment(event.target.value);
          setInvalid(null);
        }}
        problem={invalid === 'perPayment' ? t('transfer.amountInvalid') : undefined}
      />
      <Field
        label={t('limits.perDay', { channel: name })}
        hint={t('limits.max', { amount: formatMoney(limits.platformMaxPerDay, { locale }) })}
        type="text"
        inputMode="decimal"
        autoComplete="off"
        required
        value={perDay}
        onChange={(event) => {
          setPerDay(event.target.value);
          setInvalid(null);
        }}
        problem={invalid === 'perDay' ? t('transfer.amountInvalid') : undefined}
      />
      <p className="hint">{t('limits.stepUpNote')}</p>
      <ErrorRegion title={t('limits.failed')} error={save.error} />
      <StatusRegion message={done} />
      <button type="submit" className="button button-primary" aria-busy={save.busy}>
        {save.busy ? t('common.saving') : t('limits.save', { channel: name })}
      </button>
    </form>
  );
}

export function PasswordFreeSection() {
  const { t } = useI18n();
  const settings = useLoad(fetchPasswordFree);
  return (
    <SectionCard
      anchor="password-free"
      title={t('passwordFree.title')}
      lead={t('passwordFree.lead')}
      busy={settings.phase === 'loading'}
    >
      <LoadState loaded={settings} />
      {settings.data && <PasswordFreeForm settings={settings.data} />}
    </SectionCard>
  );
}

function PasswordFreeForm({ settings }: { readonly settings: PasswordFree }) {
  const { t, locale } = useI18n();
  const withStepUp = useStepUp();
  const { refresh } = useSecurityRefresh();
  const [perPaymentCap, setPerPaymentCap] = useState(() => majorText(settings.perPaymentCap));
  const [dailyCap, setDailyCap] = useState(() => majorText(settings.dailyCap));
  const [invalid, setInvalid] = useState<'perPayment' | 'daily' | null>(null);
  const [understood, setUnderstood] = useState(false);
  const [notAcknowledged, setNotAcknowledged] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const save = useAction();
  const turnOff = useAction();
  const currency = settings.perPaymentCap.currency;

  useEffect(() => {
    setPerPaymentCap(majorText(settings.perPaymentCap));
    setDailyCap(majorText(settings.dailyCap));
  }, [settings.perPaymentCap, settings.dailyCap]);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setDone(null);
    // Enter in a cap field submits too: the risk must still be acknowledged first.
    if (!settings.enabled && !understood) return setNotAcknowledged(true);
    const perPaymentMoney = typedMoney(perPaymentCap, currency);
    const dailyMoney = typedMoney(dailyCap, currency);
    if (perPaymentMoney === null) return setInvalid('perPayment');
    if (dailyMoney === null) return setInvalid('daily');
    const ok = await save.run(async () => {
      await withStepUp(() =>
        setPasswordFree({ enabled: true, perPaymentCap: perPaymentMoney, dailyCap: dailyMoney }),
      );
    });
    if (ok) {
      setDone(settings.enabled ? t('passwordFree.savedCaps') : t('passwordFree.turnedOn'));
      setUnderstood(false);
      refresh();
    }
  }

  async function onTurnOff() {
    setDone(null);
    // Turning it off needs no verification: it only makes payments safer.
    const ok = await turnOff.run(async () => {
      await setPasswordFree({ enabled: false });
    });
    if (ok) {
      setDone(t('passwordFree.turnedOff'));
      refresh();
    }
  }

  const ceiling = formatMoney(settings.ceiling, { locale });
  return (
    <>
      <dl className="facts">
        <div>
          <dt>{t('passwordFree.status')}</dt>
          <dd>{settings.enabled ? t('common.on') : t('common.off')}</dd>
        </div>
        <div>
          <dt>{t('passwordFree.usedToday')}</dt>
          <dd>{formatMoney(settings.usedToday, { locale })}</dd>
        </div>
        <div>
          <dt>{t('passwordFree.perPaymentCap')}</dt>
          <dd>{formatMoney(settings.perPaymentCap, { locale })}</dd>
        </div>
        <div>
          <dt>{t('passwordFree.dailyCap')}</dt>
          <dd>{formatMoney(settings.dailyCap, { locale })}</dd>
        </div>
      </dl>
      {settings.enabled && (
        <div className="actions">
          <button type="button" className="button button-danger" onClick={onTurnOff} aria-busy={turnOff.busy}>
            {turnOff.busy ? t('common.working') : t('passwordFree.turnOff')}
          </button>
        </div>
      )}
      <ErrorRegion title={t('passwordFree.failed')} error={turnOff.error} />
      <form className="form" onSubmit={onSubmit} aria-busy={save.busy} noValidate>
        <div className="notice notice-warning">
          <p className="notice-title">{t('passwordFree.riskTitle')}</p>
          <p>
            {t('passwordFree.risk', {
              perPayment: formatMoney(settings.perPaymentCap, { locale }),
              daily: formatMoney(settings.dailyCap, { locale }),
            })}
          </p>
          <p>{t('passwordFree.conditions', { ceiling })}</p>
        </div>
        <Field
          label={t('passwordFree.perPaymentCap')}
          hint={t('limits.max', { amount: ceiling })}
          type="text"
          inputMode="decimal"
          autoComplete="off"
          required
          value={perPaymentCap}
          onChange={(event) => {
            setPerPaymentCap(event.target.value);
            setInvalid(null);
          }}
          problem={invalid === 'perPayment' ? t('transfer.amountInvalid') : undefined}
        />
        <Field
          label={t('passwordFree.dailyCap')}
          hint={t('limits.max', { amount: ceiling })}
          type="text"
          inputMode="decimal"
          autoComplete="off"
          required
          value={dailyCap}
          onChange={(event) => {
            setDailyCap(event.target.value);
            setInvalid(null);
          }}
          problem={invalid === 'daily' ? t('transfer.amountInvalid') : undefined}
        />
        {!settings.enabled && (
          <label className="choice">
            <input
              type="checkbox"
              required
              checked={understood}
              aria-invalid={notAcknowledged || undefined}
              onChange={(event) => {
                setUnderstood(event.target.checked);
                setNotAcknowledged(false);
              }}
            />
            <span>{t('passwordFree.understand')}</span>
          </label>
        )}
        <div role="alert" className="live-region">
          {notAcknowledged && <p className="field-problem">{t('passwordFree.acknowledgeFirst')}</p>}
        </div>
        <ErrorRegion title={t('passwordFree.failed')} error={save.error} />
        <StatusRegion message={done} />
        <button type="submit" className="button button-primary" aria-busy={save.busy}>
          {save.busy
            ? t('common.saving')
            : settings.enabled
              ? t('passwordFree.saveCaps')
              : t('passwordFree.turnOn')}
        </button>
      </form>
    </>
  );
}
