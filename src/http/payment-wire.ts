/**
 * Wire shapes of payment intents, shared by the payment and QR routes so both answer exactly the
 * same body (docs/payments.md).
 */
import { z } from 'zod';
import { rejectionError } from '../ledger/index.ts';
import { PAYMENT_CHANNELS, PAYMENT_ERRORS, type PaymentIntentView } from '../payments/index.ts';
import { DomainError, isCurrency, type Money, parseAmountMinor } from '../shared/index.ts';
import { type amountInputSchema, money, moneySchema } from './wire.ts';

const channelSchema = z.enum(PAYMENT_CHANNELS);

const payeeSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('user'),
    maskedName: z.string().describe('Every character but the last masked, e.g. "*明"'),
    maskedPhone: z.string(),
  }),
  z.object({ kind: z.literal('merchant'), merchantId: z.string(), name: z.string() }),
]);

export const intentSchema = z.object({
  id: z.string(),
  status: z
    .enum(['awaiting_confirmation', 'succeeded', 'expired', 'in_review', 'declined', 'cancelled'])
    .describe(
      'in_review: held until an operator approves or rejects it; declined: rejected in review; cancelled: the payer cancelled it before confirming (…/cancel), nothing moved',
    ),
  payee: payeeSchema,
  amount: moneySchema,
  channel: channelSchema,
  note: z.string().nullable(),
  confirmation: z
    .enum(['none', 'payment_password', 'passkey_or_payment_password', 'payment_password_and_second_factor'])
    .describe('What the confirm call must carry (the last: payment password plus smsCode or passkey)'),
  allowanceLeftToday: moneySchema.describe('What may still be paid today on this channel'),
  createdAt: z.string(),
  expiresAt: z.string(),
  confirmedAt: z.string().nullable(),
  cancelledAt: z.string().nullable().describe('When the payer cancelled it (status cancelled)'),
  transferId: z.string().nullable().describe('The ledger transfer, once succeeded'),
  fraudWarning: z
    .boolean()
    .describe('First payment to this payee: show the anti-fraud warning; confirm needs warningAcknowledged'),
  warningAcknowledgedAt: z.string().nullable(),
});

export function wireMoney(value: Money) {
  return money(value.amountMinor, value.currency);
}

export function intentToWire(view: PaymentIntentView): z.infer<typeof intentSchema> {
  return {
    id: view.id,
    status: view.status,
    payee: view.payee,
    amount: wireMoney(view.amount),
    channel: view.channel,
    note: view.note,
    confirmation: view.confirmation,
    allowanceLeftToday: wireMoney(view.allowanceLeftToday),
    createdAt: view.createdAt.toISOString(),
    expiresAt: view.expiresAt.toISOString(),
    confirmedAt: view.confirmedAt?.toISOString() ?? null,
    cancelledAt: view.cancelledAt?.toISOString() ?? null,
    transferId: view.transferId,
    fraudWarning: view.fraudWarning,
    warningAcknowledgedAt: view.warningAcknowledgedAt?.toISOString() ?? null,
  };
}

/** A positive amount in a supported currency, or a coded 400. */
export function parseMoney(input: z.infer<typeof amountInputSchema>): Money {
  const { currency } = input;
  if (!isCurrency(currency)) throw new DomainError(rejectionError('invalid_currency'));
  const amount = parseAmountMinor(input.amountMinor);
  if (!amount.ok) {
    throw new DomainError(PAYMENT_ERRORS.INVALID_AMOUNT, undefined, `The amount ${amount.reason}.`);
  }
  return { amountMinor: amount.value, currency };
}
