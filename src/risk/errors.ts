/** Error codes of the risk engine's operator surface. */
import { defineErrors } from '../shared/index.ts';

export const RISK_ERRORS = defineErrors({
  RULE_SET_INVALID: {
    code: 'rule_set_invalid',
    message: 'The rule set was refused; the version in force is unchanged. See details.errors.',
    status: 422,
  },
  LIST_ENTRY_NOT_FOUND: { code: 'list_entry_not_found', message: 'No such list entry.', status: 404 },
  LIST_ENTRY_EXISTS: {
    code: 'list_entry_exists',
    message: 'This value is already on that list.',
    status: 409,
  },
  RULE_SET_NOT_FOUND: { code: 'rule_set_not_found', message: 'No such rule set version.', status: 404 },
});
