export { agreementChangeNotifier, capsOfPeriodRule } from './agreement-api.ts';
export { formatBeijing, formatYuan, parseYuan } from './amounts.ts';
export type { CreatedApp, MerchantView, PlatformKeyView } from './apps.ts';
export type { BillType } from './bills.ts';
export { TRADE_BILL_HEADER } from './bills.ts';
export {
  DEFAULT_FEE_RATE_BP,
  GATEWAY_FINISH_INTERVAL_MS,
  KEY_ROTATION_OVERLAP_DEFAULT_MS,
  KEY_ROTATION_OVERLAP_MAX_MS,
  NOTIFY_RETRY_DELAYS_MS,
  PAY_CODE_TTL_MS,
} from './constants.ts';
export type { GatewayDeps } from './context.ts';
export { ALIPAY_ERRORS, GATEWAY_ERRORS } from './errors.ts';
export { refundable, shiftMonthsBeijing } from './finish-trades.ts';
export { createGateway, type Gateway } from './gateway.ts';
export { type ReconcileReport, reconcile } from './reconcile.ts';
export { isInternalAddress, judgeCallbackUrl } from './safe-url.ts';
export { deriveGatewaySealingKey, generateRsaKeyPair, pemBody, signContent } from './signing.ts';
export { V3_ROUTE_PATHS } from './v3.ts';
