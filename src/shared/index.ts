export { AssertionError, assert, unreachable } from './assert.ts';
export { type Clock, ManualClock, systemClock } from './clock.ts';
export { COMMON_ERRORS, DomainError, defineErrors, type ErrorCode } from './errors.ts';
export { CLIENT_ID_PATTERN, newId, newSecretToken } from './ids.ts';
export {
  AMOUNT_MAX_MINOR,
  CURRENCIES,
  CURRENCY_EXPONENTS,
  type Currency,
  formatMinorAsDecimal,
  INT8_MAX,
  isCurrency,
  type Money,
  moneyToWire,
  type ParseResult,
  parseAmountMinor,
  parseDecimalToMinor,
} from './money.ts';
