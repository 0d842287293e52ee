/**
 * The operators' console client. It authenticates with the HttpOnly, SameSite=Strict `rampart_ops`
 * cookie set at sign-in and sends `x-rampart-ops: 1` on every unsafe request (the server's CSRF
 * check for cookie-authenticated operator calls). JSON is returned as records; pages read fields.
 */
import { ApiError, isRecord, type JsonRecord } from '../api.ts';

export const OPS_CSRF_HEADER = 'x-rampart-ops';

export async function opsRequest(method: 'GET' | 'POST', path: string, body?: unknown): Promise<JsonRecord> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers[OPS_CSRF_HEADER] = '1';
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch {
    throw new ApiError({ kind: 'network', status: 0, code: 'network', message: 'network' });
  }
  if (response.status === 204) return {};
  const json: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const error = isRecord(json) && isRecord(json.error) ? json.error : {};
    throw new ApiError({
      kind: 'server',
      status: response.status,
      code: typeof error.code === 'string' ? error.code : 'unknown',
      message: typeof error.message === 'string' ? error.message : `HTTP ${response.status}`,
      details: isRecord(error.details) ? error.details : null,
    });
  }
  if (!isRecord(json))
    throw new ApiError({
      kind: 'response',
      status: response.status,
      code: 'bad_response',
      message: 'bad response',
    });
  return json;
}

export interface Operator {
  readonly username: string;
  readonly displayName: string;
  readonly role: string;
  readonly permissions: readonly string[];
}

export function toOperator(value: unknown): Operator {
  const r = isRecord(value) ? value : {};
  return {
    username: String(r.username ?? ''),
    displayName: String(r.displayName ?? ''),
    role: String(r.role ?? ''),
    permissions: Array.isArray(r.permissions) ? r.permissions.map(String) : [],
  };
}

export const list = (value: unknown): JsonRecord[] => (Array.isArray(value) ? value.filter(isRecord) : []);
