/** Error codes of the security lock (issue 4 point 8); docs/protection.md. */
import { defineErrors } from '../shared/index.ts';

export const PROTECTION_ERRORS = defineErrors({
  PAYEE_COOLING_OFF: {
    code: 'payee_cooling_off',
    message: 'Your security lock holds payments to a new payee for a cooling period; try again later.',
    status: 403,
  },
  INVALID_TIME_ZONE: { code: 'invalid_time_zone', message: 'Unknown time zone.', status: 400 },
  INVALID_COOLING_OFF: {
    code: 'invalid_cooling_off',
    message: 'The cooling period is between 1 hour and 7 days.',
    status: 400,
  },
  INVALID_NIGHT_WINDOW: {
    code: 'invalid_night_window',
    message: 'The night window starts and ends at different times of day (HH:MM).',
    status: 400,
  },
});
