export { AssertionError, assert, unreachable } from './assert.ts';
export { type Clock, ManualClock, systemClock } from './clock.ts';
export { COMMON_ERRORS, DomainError, type ErrorCode, defineErrors } from './errors.ts';
export { CLIENT_ID_PATTERN, newId, newSecretToken } from './ids.ts';
export {
  AMOUNT_MAX_MINOR,
  CURRENCIES,
  CURRENCY_EXPONENTS,
  type Currency,
  INT8_MAX,
  type Money,
  type ParseResult,
  formatMinorAsDecimal,
  isCurrency,
  moneyToWire,
  parseAmountMinor,
  parseDecimalToMinor,
} from './money.ts';
