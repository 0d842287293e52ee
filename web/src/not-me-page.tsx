/**
 * "This wasn't me" (/not-me?token=…): the page a new-sign-in alert links to. One press freezes
 * the account and ends every session; no sign-in is needed, the one-time token is the proof.
 */
import { useId, useState } from 'react';
import { reportNotMe } from './api-auth.ts';
import { ErrorRegion, useAction } from './forms.tsx';
import { useI18n } from './i18n.ts';
import { Link, ROUTES } from './router.tsx';
import { useFocusOnMount } from './use-focus-on-mount.ts';

/** The alert link's token: 16–128 characters, as the server accepts. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;

export function NotMePage({
  search,
  focusHeading,
}: {
  readonly search: string;
  readonly focusHeading: boolean;
}) {
  const { t } = useI18n();
  const ids = useId();
  const headingRef = useFocusOnMount<HTMLHeadingElement>(focusHeading);
  const doneRef = useFocusOnMount<HTMLHeadingElement>(true);
  const token = new URLSearchParams(search).get('token') ?? '';
  const tokenValid = TOKEN_PATTERN.test(token);
  const freeze = useAction();
  const [frozen, setFrozen] = useState(false);

  async function onFreeze() {
    await freeze.run(async () => {
      await reportNotMe(token);
      setFrozen(true);
    });
  }

  if (frozen) {
    return (
      <section className="card not-me" aria-labelledby={`${ids}-done`}>
        <h1 id={`${ids}-done`} ref={doneRef} tabIndex={-1}>
          {t('notMe.frozenTitle')}
        </h1>
        <div role="status">
          <p className="notice notice-success">{t('notMe.frozen')}</p>
        </div>
        <p>{t('notMe.next')}</p>
        <Link className="button button-block" to={ROUTES.wallet}>
          {t('notMe.toSignIn')}
        </Link>
      </section>
    );
  }

  return (
    <section className="card not-me" aria-labelledby={`${ids}-title`}>
      <h1 id={`${ids}-title`} ref={headingRef} tabIndex={-1}>
        {t('notMe.title')}
      </h1>
      <p className="lead">{t('notMe.lead')}</p>
      <ul className="reasons">
        <li>{t('notMe.effectFreeze')}</li>
        <li>{t('notMe.effectSessions')}</li>
        <li>{t('notMe.effectUnfreeze')}</li>
      </ul>
      {tokenValid ? (
        <>
          <ErrorRegion title={t('notMe.failed')} error={freeze.error} />
          <button
            type="button"
            className="button button-danger button-block"
            onClick={onFreeze}
            aria-busy={freeze.busy}
          >
            {freeze.busy ? t('notMe.freezing') : t('notMe.freeze')}
          </button>
        </>
      ) : (
        <p className="notice notice-error">{t('notMe.noToken')}</p>
      )}
      <p className="switch-page">
        <Link to={ROUTES.wallet}>{t('notMe.wasMe')}</Link>
      </p>
    </section>
  );
}
