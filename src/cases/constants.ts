/** Limits of the case queue, each with its reason. */

/** Cases per page of the operator list: a screen's worth; older ones by `before`. */
export const CASES_PAGE_MAX = 100;
/** Actions shown with one case: a long-running case is still one page. */
export const CASE_ACTIONS_MAX = 500;
/** A note or report text: a paragraph, not a document. */
export const CASE_NOTE_CHARS_MAX = 1_000;
/** Reports one user may file per day: enough for a real victim, not a way to flood the queue. */
export const REPORTS_PER_DAY_MAX = 10;
export const DAY_MS = 24 * 3600_000;

export const CASE_KINDS = [
  'payment_hold',
  'withdrawal_hold',
  'family_card_hold',
  'user_report',
  'alert',
] as const;
/** The kinds that hold money until an operator approves or rejects them (or the deadline). */
export const HOLD_CASE_KINDS: readonly CaseKind[] = ['payment_hold', 'withdrawal_hold', 'family_card_hold'];
export type CaseKind = (typeof CASE_KINDS)[number];

export const REPORT_REASONS = ['scam', 'unauthorised', 'fake_customer_service', 'mule', 'other'] as const;
export type ReportReason = (typeof REPORT_REASONS)[number];

export const CASE_ACTIONS = [
  'opened',
  'assigned',
  'noted',
  'approved',
  'rejected',
  'frozen',
  'unfrozen',
  'confirmed_fraud',
  'cleared',
  'expired',
] as const;
export type CaseAction = (typeof CASE_ACTIONS)[number];

/** Issue 5: a device first signed in on less than this long ago is "new" for the events that
 *  follow sign-in (security changes, withdrawals, new payees): a takeover acts within hours. */
export const NEW_DEVICE_WINDOW_MS = 24 * 3600_000;
/** Issue 5: money moved within this long of a password/phone/factor change is the takeover
 *  pattern (change the password, then drain). */
export const RECENT_SECURITY_CHANGE_MS = 24 * 3600_000;
