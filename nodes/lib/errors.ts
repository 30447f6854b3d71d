import { redact } from './redact';

/** The error codes every node of the pack reports (also in `msg.error.code` for Catch nodes). */
export type OtErrorCode =
  | 'OT_AUTH'
  | 'OT_FORBIDDEN'
  | 'OT_NOT_FOUND'
  | 'OT_CONFLICT'
  | 'OT_INVALID_INPUT'
  | 'OT_POLICY'
  | 'OT_RATE_LIMITED'
  | 'OT_UNAVAILABLE'
  | 'OT_TIMEOUT'
  | 'OT_NETWORK'
  | 'OT_API';

export interface OtErrorInit {
  code: OtErrorCode;
  message: string;
  statusCode?: number;
  operation?: string;
  attempts?: number;
  apiMessage?: string;
  details?: unknown;
  cause?: unknown;
}

/**
 * The one error class of the pack. Its message, `apiMessage` and `details` are redacted when the
 * error is built, so it can be logged, shown in status, put on `msg` or serialised safely.
 */
export class OtError extends Error {
  readonly code: OtErrorCode;
  statusCode?: number;
  operation?: string;
  attempts?: number;
  apiMessage?: string;
  details?: unknown;

  constructor(init: OtErrorInit) {
    super(bounded(init.message));
    this.name = 'OtError';
    this.code = init.code;
    this.statusCode = init.statusCode;
    this.operation = init.operation;
    this.attempts = init.attempts;
    this.apiMessage = init.apiMessage === undefined ? undefined : bounded(init.apiMessage);
    this.details = init.details === undefined ? undefined : clipStrings(JSON.parse(redact(safeJson(clipStrings(init.details, MAX_TEXT + SECRET_ROOM)))), MAX_TEXT);
    // The cause (often an axios error carrying request headers) is deliberately not kept.
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      statusCode: this.statusCode,
      operation: this.operation,
      attempts: this.attempts,
      apiMessage: this.apiMessage,
      details: this.details,
    };
  }
}

/** The longest text an error keeps (an input echoed into a message may be megabytes long). */
const MAX_TEXT = 2000;
/** Text kept past the cut while redacting, so a secret (token, ticket) across the cut is masked whole. */
const SECRET_ROOM = 8192;

/** Redacts a text and cuts it to MAX_TEXT characters (redacting only what is kept: huge texts stay cheap). */
function bounded(text: string): string {
  const s = String(text ?? '');
  if (s.length <= MAX_TEXT) return redact(s);
  return `${redact(s.slice(0, MAX_TEXT + SECRET_ROOM)).slice(0, MAX_TEXT)}… (${s.length - MAX_TEXT} more characters)`;
}

/**
 * A copy of `details` with strings longer than `max` cut (a detail may echo an input): first to
 * MAX_TEXT + SECRET_ROOM before redaction, then to MAX_TEXT after it.
 */
function clipStrings(v: unknown, max: number, depth = 0): unknown {
  if (typeof v === 'string') return v.length > max ? (max === MAX_TEXT ? `${v.slice(0, max)}… (${v.length - max} more characters)` : v.slice(0, max)) : v;
  if (depth > 12 || !v || typeof v !== 'object' || Buffer.isBuffer(v)) return v;
  if (Array.isArray(v)) return v.map((x) => clipStrings(x, max, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = clipStrings(x, max, depth + 1);
  return out;
}

function safeJson(v: unknown): string {
  try {
    const s = JSON.stringify(v);
    return s === undefined ? 'null' : s;
  } catch {
    return 'null';
  }
}

export function isOtError(e: unknown): e is OtError {
  return e instanceof OtError;
}

/** Bad input from the message or the node's settings: never retried, always catchable. */
export function invalidInput(message: string, details?: unknown): OtError {
  return new OtError({ code: 'OT_INVALID_INPUT', message, details });
}

/** Extracts the API's own message from an error response body of any OpenText product. */
export function apiMessageOf(body: unknown): string | undefined {
  if (body === null || body === undefined) return undefined;
  if (typeof body === 'string') {
    const t = body.trim();
    if (!t) return undefined;
    if (t.startsWith('{') || t.startsWith('[')) {
      try {
        return apiMessageOf(JSON.parse(t));
      } catch {
        /* not JSON */
      }
    }
    return t.length > 300 ? t.slice(0, 300) + '…' : t;
  }
  if (Buffer.isBuffer(body)) return apiMessageOf(body.toString('utf8'));
  if (typeof body !== 'object') return String(body);
  const b = body as Record<string, unknown>;
  const parts: string[] = [];
  const push = (v: unknown) => {
    if (typeof v === 'string' && v.trim() && !parts.includes(v.trim())) parts.push(v.trim());
  };
  // Content Server: error / errorDetail; OAuth: error_description (+ error); Spring/Exstream: message
  push(b.error_description);
  if (typeof b.error === 'string' && !b.error_description) push(b.error);
  push(b.errorDetail);
  push(b.message);
  push(b.errorMessage);
  push(b.failureReason);
  if (Array.isArray(b.data)) for (const d of b.data) if (d && typeof d === 'object') push((d as Record<string, unknown>).errorMessage);
  if (b.error && typeof b.error === 'object') push((b.error as Record<string, unknown>).message);
  // Records Management v2 (ApiResponse): {"results": {"ok": false, "errMsg": "..."}}
  if (b.results && typeof b.results === 'object' && !Array.isArray(b.results)) push((b.results as Record<string, unknown>).errMsg);
  return parts.length ? parts.join(': ') : undefined;
}

const POLICY_HINTS = /(required|mandatory|not allowed|policy|permission to (classify|declare)|already (classified|declared)|under hold|on hold|cannot be (classified|declared))/i;

/** Maps an HTTP status and body to the pack's error code. */
export function codeForStatus(status: number, apiMessage?: string): OtErrorCode {
  if (status === 401 || status === 407) return 'OT_AUTH';
  if (status === 403) return 'OT_FORBIDDEN';
  if (status === 404) return 'OT_NOT_FOUND';
  if (status === 409) return 'OT_CONFLICT';
  if (status === 429) return 'OT_RATE_LIMITED';
  if (status === 408 || status === 504) return 'OT_TIMEOUT';
  if (status === 502 || status === 503) return 'OT_UNAVAILABLE';
  if (status === 400 || status === 422) {
    if (apiMessage && /already exists/i.test(apiMessage)) return 'OT_CONFLICT';
    return 'OT_INVALID_INPUT';
  }
  if (status >= 500 && apiMessage && /already exists/i.test(apiMessage)) return 'OT_CONFLICT';
  return 'OT_API';
}

/** Whether a server message describes a records-policy refusal (used by the RM operations). */
export function looksLikePolicy(apiMessage: string | undefined): boolean {
  return !!apiMessage && POLICY_HINTS.test(apiMessage);
}

export function httpError(operation: string, status: number, body: unknown, attempts: number): OtError {
  const apiMessage = apiMessageOf(body);
  const code = codeForStatus(status, apiMessage);
  const hint = status === 407 ? ' (the proxy refused the proxy credentials)' : '';
  const message = `${operation} failed: HTTP ${status}${apiMessage ? ` – ${apiMessage}` : ''}${hint}`;
  return new OtError({ code, message, statusCode: status, operation, attempts, apiMessage });
}
