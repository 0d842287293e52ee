/** Parsing biz_content fields, pure: every refusal is ACQ.INVALID_PARAMETER naming the field. */
import { z } from 'zod';
import { parseYuan } from './amounts.ts';
import { ALIPAY_ERRORS, AlipayError } from './errors.ts';

/** A JSON string or number (merchants send both for amounts), as text of at most `max` chars. */
export const text = (max: number) =>
  z
    .union([z.string(), z.number()])
    .transform((v) => String(v))
    .pipe(z.string().max(max));

export function parseBiz<T extends z.ZodTypeAny>(schema: T, biz: unknown): z.infer<T> {
  const parsed = schema.safeParse(biz);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || 'biz_content';
    throw new AlipayError(ALIPAY_ERRORS.INVALID_PARAMETER, `参数无效: ${field}`);
  }
  return parsed.data;
}

/** A yuan amount field → fen, or ACQ.INVALID_PARAMETER (three decimals, zero, too large). */
export function yuanField(field: string, value: string): bigint {
  const minor = parseYuan(value);
  if (minor === undefined)
    throw new AlipayError(ALIPAY_ERRORS.INVALID_PARAMETER, `参数无效: ${field} 金额格式错误`);
  return minor;
}
