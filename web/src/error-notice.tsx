import { ApiError } from './api.ts';
import { useI18n } from './i18n.ts';

export interface ErrorNoticeProps {
  readonly id?: string;
  /** A short heading such as "Sign-in failed". */
  readonly title: string;
  readonly error: unknown;
}

/** What to tell a person about a failed request: the server's own message and code when it sent
 *  one, a translated sentence when it could not be reached or read. */
export function describeError(
  error: unknown,
  t: ReturnType<typeof useI18n>['t'],
): { message: string; code: string } {
  if (error instanceof ApiError) {
    if (error.kind === 'server') return { message: error.message, code: error.code };
    if (error.kind === 'network') return { message: t('error.network'), code: error.code };
    if (error.kind === 'browser') {
      // The person closed the step-up dialog of a risk challenge (step-up-dialog.tsx): a
      // security change, a withdrawal or a family-card payment was not made.
      if (error.code === 'risk_second_factor_required') {
        const subject = error.details?.riskSubject;
        return {
          message: t(
            subject === 'withdrawal'
              ? 'stepUp.riskCancelledWithdrawal'
              : subject === 'family_card_payment'
                ? 'stepUp.riskCancelledFamilyCard'
                : 'stepUp.riskCancelled',
          ),
          code: error.code,
        };
      }
      const message =
        error.code === 'passkey_unsupported'
          ? t('error.passkeyUnsupported')
          : error.code === 'passkey_error_authenticator_previously_registered'
            ? t('error.passkeyExists')
            : t('error.passkey');
      return { message, code: error.code };
    }
    if (error.code === 'bad_response') return { message: t('error.badResponse'), code: error.code };
    return { message: t('error.unexpected', { status: error.status }), code: error.code };
  }
  return { message: t('error.badResponse'), code: 'client_error' };
}

/** The visible body of an error. Place it inside a live region that is always rendered, so screen
 *  readers announce it when it appears (WAI-ARIA 1.2, role=alert). */
export function ErrorNotice({ id, title, error }: ErrorNoticeProps) {
  const { t } = useI18n();
  const { message, code } = describeError(error, t);
  return (
    <div className="notice notice-error" id={id}>
      <p className="notice-title">{title}</p>
      <p className="notice-message">{message}</p>
      <p className="notice-code">{t('error.code', { code })}</p>
    </div>
  );
}
