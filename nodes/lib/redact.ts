/**
 * Secret redaction. Every secret the layer handles (passwords, client secrets, tickets, tokens) is
 * registered here the moment it is known, and every text that leaves the layer (error messages,
 * log lines, status text) passes through `redact()`. Patterns catch the usual carriers even for
 * secrets that were never registered (a ticket echoed back by a server, a header dump).
 */

const MAX_SECRETS = 2000;
/** Registered secrets in insertion order (= age, for eviction). */
const secrets = new Set<string>();
/**
 * The same secrets by length, and the lengths longest first: `redact()` only looks for secrets
 * that fit in the text (most texts are short status lines, while up to 2000 Content Server tickets
 * are registered), and masks longer secrets before the shorter ones they may contain.
 */
const byLength = new Map<number, Set<string>>();
let lengths: number[] = [];
/** The secret registered last (registering it again changes nothing). */
let newest: string | undefined;
const MASK = '***';

function forget(v: string): void {
  secrets.delete(v);
  if (v === newest) newest = undefined;
  const bucket = byLength.get(v.length);
  if (!bucket) return;
  bucket.delete(v);
  if (bucket.size === 0) {
    byLength.delete(v.length);
    lengths = lengths.filter((n) => n !== v.length);
  }
}

/** Remember a secret value so it is masked wherever it appears later. Short values are ignored. */
export function registerSecret(value: unknown): void {
  if (typeof value !== 'string' || value === newest) return;
  const v = value.trim();
  if (v.length < 6 || v === newest) return; // (the request layer registers the ticket it sends, every time)
  newest = v;
  // a known one is refreshed: its position is its age
  if (secrets.has(v)) secrets.delete(v);
  secrets.add(v);
  let bucket = byLength.get(v.length);
  if (!bucket) {
    bucket = new Set();
    byLength.set(v.length, bucket);
    lengths = [...lengths, v.length].sort((a, b) => b - a);
  }
  bucket.add(v);
  if (secrets.size > MAX_SECRETS) {
    const oldest = secrets.values().next().value;
    if (oldest !== undefined) forget(oldest);
  }
}

const SECRET_KEYS =
  '(?:password|passwd|client_secret|clientSecret|secret|access_token|refresh_token|id_token|subject_token|ticket|otcsticket|otdsticket|token|key|apiKey|api_key|authorization)';
const PATTERNS: Array<[RegExp, string]> = [
  // header dumps: "OTCSTicket: abc", "Authorization: Bearer abc"
  [/\b(authorization)\s*[:=]\s*(?:bearer|basic)\s+[^\s,;"']+/gi, `$1: ${MASK}`],
  [/\b(otcsticket|otdsticket|llcookie)\s*[:=]\s*[^\s,;"']+/gi, `$1: ${MASK}`],
  [/\bbearer\s+[A-Za-z0-9\-._~+/]{8,}=*/gi, `Bearer ${MASK}`],
  [/\bbasic\s+[A-Za-z0-9+/]{8,}=*/gi, `Basic ${MASK}`],
  // JSON: "password":"x"
  [new RegExp(`("${SECRET_KEYS}"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, 'gi'), `$1"${MASK}"`],
  // form / query: password=x&
  [new RegExp(`\\b(${SECRET_KEYS})=([^&\\s"']+)`, 'gi'), `$1=${MASK}`],
  // OTDS SSO tickets have a recognisable prefix
  [/\*OTDSSSO\*[A-Za-z0-9+/=*_-]+/g, MASK],
  // user:password@ in URLs
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+):[^@/\s]+@/gi, `$1:${MASK}@`],
];

/** Mask every registered secret and every recognisable secret carrier in a text. */
export function redact(text: string): string {
  if (!text) return text;
  let out = text;
  for (const len of lengths) {
    if (len > out.length) continue;
    for (const s of byLength.get(len)!) if (out.includes(s)) out = out.split(s).join(MASK);
  }
  for (const [re, rep] of PATTERNS) out = out.replace(re, rep);
  return out;
}

const SECRET_FIELD = new RegExp(`^${SECRET_KEYS}$`, 'i');

/** Deep-copies a value with secret-looking fields and registered secrets masked (for logs, msg, records). */
export function redactValue<T>(value: T, depth = 0): T {
  if (depth > 12) return value;
  if (typeof value === 'string') return redact(value) as unknown as T;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1)) as unknown as T;
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] = SECRET_FIELD.test(k) && v !== null && v !== undefined && v !== '' ? MASK : redactValue(v, depth + 1);
    }
    return out as T;
  }
  return value;
}

/** Header names whose values are secrets. */
export const SECRET_HEADERS = new Set(['authorization', 'otcsticket', 'otdsticket', 'cookie', 'set-cookie', 'proxy-authorization', 'x-api-key']);
