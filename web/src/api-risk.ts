/**
 * Issue 5 from the browser: the user's report (session cookie, like every user call) and the
 * operator console's calls, which carry the operator token as a bearer header. The token lives in
 * this tab's sessionStorage only: the operator API has one shared token until operator accounts
 * with roles arrive (docs/risk.md).
 */
import { ApiError, badResponse, isRecord, type JsonRecord, record, request, string } from './api.ts';

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

const TOKEN_KEY = 'rampart_operator_token';
const NAME_KEY = 'rampart_operator_name';

export interface OperatorCredentials {
  readonly token: string;
  readonly name: string;
}

export function loadOperator(): OperatorCredentials | null {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { token, name: sessionStorage.getItem(NAME_KEY) ?? '' } : null;
}

export function saveOperator(credentials: OperatorCredentials | null): void {
  if (credentials) {
    sessionStorage.setItem(TOKEN_KEY, credentials.token);
    sessionStorage.setItem(NAME_KEY, credentials.name);
  } else {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(NAME_KEY);
  }
}

/** One operator call: JSON in and out, bearer token, coded errors as ApiError. */
export async function operatorCall(
  credentials: OperatorCredentials,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<JsonRecord> {
  const headers: Record<string, string> = {
    accept: 'application/json',
    authorization: `Bearer ${credentials.token}`,
  };
  if (credentials.name) headers['x-operator-name'] = credentials.name;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
      credentials: 'omit',
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
