/**
 * The Security Center: what protects the account (GET /api/v1/me/security), a check-up of what
 * is missing, and every change a person can make, each sensitive one behind the step-up dialog.
 */
import { useCallback, useMemo, useState } from 'react';
import type { User } from '../api.ts';
import type { SecurityOverview } from '../api-security.ts';
import { fetchSecurityOverview } from '../api-security.ts';
import { useI18n } from '../i18n.ts';
import { Link, ROUTES } from '../router.tsx';
import { useFocusOnMount } from '../use-focus-on-mount.ts';
import { ActivitySection } from './activity-section.tsx';
import { securityCheckup } from './checkup.ts';
import { EmailSection, PhoneSection } from './contact-sections.tsx';
import { BackupCodesSection, PasskeysSection, TotpSection } from './factor-sections.tsx';
import { IdentitySection } from './identity-section.tsx';
import { LoginPasswordSection, PaymentPasswordSection } from './password-sections.tsx';
import { PasswordFreeSection, PaymentLimitsSection } from './payment-sections.tsx';
import { CheckUpScore, SecurityLockSection } from './protection-sections.tsx';
import { ProtectionsSection } from './protections-section.tsx';
import { DevicesSection, SessionsSection } from './session-sections.tsx';
import { LoadState, SectionCard, SecurityRefreshContext, useDateTimeFormat, useLoad } from './shared.tsx';
import { SecurityQuizSection, SecurityTipsSection } from './tips-quiz-sections.tsx';

export function SecurityCenterPage({
  user,
  focusHeading,
}: {
  readonly user: User;
  readonly focusHeading: boolean;
}) {
  const [version, setVersion] = useState(0);
  const refresh = useCallback(() => setVersion((n) => n + 1), []);
  const context = useMemo(() => ({ version, refresh }), [version, refresh]);
  return (
    <SecurityRefreshContext value={context}>
      <SecurityCenter user={user} focusHeading={focusHeading} />
    </SecurityRefreshContext>
  );
}

/** Inside the refresh context, so the overview reloads after every change like the sections. */
function SecurityCenter({ user, focusHeading }: { readonly user: User; readonly focusHeading: boolean }) {
  const { t } = useI18n();
  const headingRef = useFocusOnMount<HTMLHeadingElement>(focusHeading);
  const overview = useLoad(fetchSecurityOverview);
  return (
    <div className="security">
      <h1 ref={headingRef} tabIndex={-1}>
        {t('security.title')}
      </h1>
      <p className="lead">{t('security.lead', { name: user.displayName })}</p>
      <p>
        <Link className="button button-danger" to={ROUTES.emergency}>
          {t('emergency.link')}
        </Link>
      </p>
      <SectionCard anchor="overview" title={t('security.overview')} busy={overview.phase === 'loading'}>
        <LoadState loaded={overview} />
        {overview.data && <Overview overview={overview.data} />}
      </SectionCard>
      {overview.data && <Checkup overview={overview.data} />}
      {overview.data && <SecurityTipsSection overview={overview.data} />}
      <LoginPasswordSection />
      <PaymentPasswordSection overview={overview.data} />
      <PaymentLimitsSection />
      <PasswordFreeSection />
      <SecurityLockSection />
      <ProtectionsSection />
      <PhoneSection overview={overview.data} />
      <EmailSection overview={overview.data} />
      <PasskeysSection />
      <TotpSection overview={overview.data} />
      <IdentitySection />
      <BackupCodesSection overview={overview.data} />
      <SessionsSection />
      <DevicesSection />
      <ActivitySection />
      <SecurityQuizSection />
    </div>
  );
}

function Overview({ overview }: { readonly overview: SecurityOverview }) {
  const { t } = useI18n();
  const dateFormat = useDateTimeFormat();
  const yes = t('common.on');
  const no = t('common.off');
  return (
    <>
      <dl className="facts">
        <div className="fact-wide">
          <dt>{t('overview.phone')}</dt>
          <dd>{overview.phone}</dd>
        </div>
        <div className="fact-wide">
          <dt>{t('overview.email')}</dt>
          <dd>{overview.email ?? t('overview.none')}</dd>
        </div>
        <div>
          <dt>{t('overview.paymentPassword')}</dt>
          <dd>{overview.hasPaymentPassword ? t('overview.set') : t('overview.notSet')}</dd>
        </div>
        <div>
          <dt>{t('overview.totp')}</dt>
          <dd>{overview.totp ? yes : no}</dd>
        </div>
        <div>
          <dt>{t('overview.backupCodes')}</dt>
          <dd>{t('overview.backupCodesLeft', { count: overview.backupCodesLeft })}</dd>
        </div>
        <div>
          <dt>{t('overview.passkeys')}</dt>
          <dd>{overview.passkeys}</dd>
        </div>
        <div>
          <dt>{t('overview.payments')}</dt>
          <dd>
            {overview.paymentLockedUntil
              ? t('overview.lockedUntil', { until: dateFormat.format(overview.paymentLockedUntil) })
              : t('overview.paymentsOpen')}
          </dd>
        </div>
        <div>
          <dt>{t('overview.account')}</dt>
          <dd className={overview.frozen ? 'text-danger' : undefined}>
            {overview.frozen ? t('overview.frozen') : t('overview.active')}
          </dd>
        </div>
      </dl>
      <p className="hint">
        {overview.stepUpUntil
          ? t('overview.stepUpUntil', { until: dateFormat.format(overview.stepUpUntil) })
          : t('overview.stepUpNone')}
      </p>
    </>
  );
}

function Checkup({ overview }: { readonly overview: SecurityOverview }) {
  const { t } = useI18n();
  const dateFormat = useDateTimeFormat();
  const items = securityCheckup(overview, (date) => dateFormat.format(date));
  return (
    <SectionCard anchor="checkup" title={t('checkup.title')}>
      <CheckUpScore />
      {items.length === 0 ? (
        <p className="checkup-ok">{t('checkup.allGood')}</p>
      ) : (
        <ul className="checkup">
          {items.map((item) => (
            <li key={item.key} className={`checkup-item checkup-${item.level}`}>
              <span className="checkup-level">{t(`checkup.level.${item.level}`)}</span>
              <a href={`#${item.anchor}`}>{t(item.key, item.params)}</a>
            </li>
          ))}
        </ul>
      )}
    </SectionCard>
  );
}
