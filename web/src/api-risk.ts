/**
 * Issue 5 from the browser: the user's report (session cookie, like every user call) and the
 * risk console's calls, made with the operator's own account (issue 7's /ops sign-in: role and
 * audit trail are the operator's; docs/risk.md).
 */
import { ApiError, badResponse, isRecord, type JsonRecord, record, request, string } from './api.ts';
import { OPS_CSRF_HEADER } from './ops/api-ops.ts';

export const REPORT_REASONS = ['scam', 'unauthorised', 'fake_customer_service', 'mule', 'other'] as const;
export type ReportReason = (typeof REPORT_REASONS)[number];

export async function sendReport(input: {
  transferId?: string | undefined;
  payeePhone?: string | undefined;
  reason: ReportReason;
  note?: string | undefined;
}): Promise<{ caseId: string }> {
  const body = record(await request({ method: 'POST', path: '/api/reports', body: input }), 'body');
  return { caseId: string(body, 'caseId', 'body') };
}

export async function sendPaymentSmsCode(intentId: string): Promise<void> {
  await request({
    method: 'POST',
    path: `/api/v1/payments/intents/${encodeURIComponent(intentId)}/sms-code`,
  });
}

/** One operator call: JSON in and out, coded errors as ApiError. It rides on the operator's
 *  console session (the HttpOnly `rampart_ops` cookie of /ops sign-in) and sends the console's
 *  CSRF header on unsafe methods, like ops/api-ops.ts. */
export async function operatorCall(
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<JsonRecord> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') headers[OPS_CSRF_HEADER] = '1';
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
      signal: signal ?? null,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError({ kind: 'network', status: 0, code: 'network_error', message: String(error) });
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? {} : JSON.parse(text);
  } catch {
    throw badResponse(response.status, 'expected JSON');
  }
  if (!response.ok) {
    const error = isRecord(json) && isRecord(json.error) ? json.error : null;
    throw new ApiError({
      kind: error ? 'server' : 'response',
      status: response.status,
      code: error && typeof error.code === 'string' ? error.code : `http_${response.status}`,
      message: error && typeof error.message === 'string' ? error.message : `HTTP ${response.status}`,
      details: error && isRecord(error.details) ? error.details : null,
    });
  }
  return record(json, 'body');
}
