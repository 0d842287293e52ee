/** Wire shapes shared by routes: money as decimal strings of minor units, never JSON numbers. */
import { z } from 'zod';
import { CURRENCIES, type Currency, type Money, moneyToWire } from '../shared/index.ts';

export const currencySchema = z.enum(CURRENCIES as [Currency, ...Currency[]]);

export const moneySchema = z.object({
  amountMinor: z.string().regex(/^(0|-?[1-9][0-9]{0,18})$/, 'a whole number of minor units, as a string'),
  currency: currencySchema,
});

/** A positive amount in a request: parsed to bigint by the route with parseAmountMinor. */
export const amountInputSchema = z
  .object({
    amountMinor: z.string().max(20).describe('Minor units (fen/cents) as a decimal string, e.g. "1250"'),
    currency: z.string().max(3),
  })
  .strict();

export const errorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

export function money(amountMinor: bigint, currency: Currency): { amountMinor: string; currency: Currency } {
  return moneyToWire({ amountMinor, currency } satisfies Money);
}

/** `?limit=&before=` for newest-first lists paged by a decreasing numeric id. */
export function pageQuerySchema(limitMax: number) {
  return z
    .object({
      limit: z.coerce.number().int().min(1).max(limitMax).default(20),
      before: z
        .string()
        .regex(/^[1-9][0-9]{0,18}$/)
        .optional(),
    })
    .strict();
}

/**
 * A user-chosen label (device or passkey name): trimmed, bounded, and without control
 * characters. PostgreSQL text cannot hold U+0000 (it failed with a 500 there, found by the route
 * fuzzer), and no other control character belongs in a name shown back in the UI.
 */
export function labelSchema(lengthMax: number) {
  return (
    z
      .string()
      .trim()
      .min(1)
      .max(lengthMax)
      // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
      .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), { message: 'Must not contain control characters' })
  );
}
