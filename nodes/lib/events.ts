/**
 * OpenText callbacks (webhooks) received by the "OpenText event in" node: verification of the
 * shared secret and normalisation of the event shapes the products send.
 *
 * Shapes recognised:
 * - Cloud Fax status callback: the fax status JSON (`job_id`, `deliveries[]`, ...) → `fax.status`
 * - inbound fax notice `{"event":"inbound_fax","id","receiving_fax","sender_fax","received_time"}` → `fax.inbound`
 * - push engagement `{"event":"push.opened"|"push.response","eventId","job_id","reference","user","device","action","data","timestamp"}`
 * - Exstream `{"eventType":"DELIVERY_EXCEPTION","eventId","exceptionType","communicationId","documentType","customerReference","channel","reason","timestamp"}` → `exstream.delivery_exception`
 * - anything else → `custom`
 *
 * [GUESS] OpenText documents no webhook signing for these products. The sandbox (and this pack)
 * use a shared secret sent as a header token (`X-OT-Token`) and/or an HMAC-SHA256 of the raw body
 * (`X-OT-Signature: sha256=<hex>`); both header names are configurable.
 */
import crypto from 'crypto';
import type { IncomingMessage } from 'http';
import { OtError } from './errors';

export type OtEventType = 'fax.status' | 'fax.inbound' | 'push.response' | 'push.opened' | 'exstream.delivery_exception' | 'custom';
export const EVENT_TYPES: OtEventType[] = ['fax.status', 'fax.inbound', 'push.response', 'push.opened', 'exstream.delivery_exception', 'custom'];

export interface OtEvent {
  type: OtEventType;
  /** Job id (fax status), fax id (inbound), reference or job id (push), customer reference (Exstream), else the event id. */
  correlationId: string | null;
  /** The sender's event id when it has one (push, Exstream, inbound fax id). */
  eventId: string | null;
  /** The original body. */
  payload: unknown;
}

function str(v: unknown): string | null {
  if (typeof v === 'string' && v.trim()) return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

/** Recognises the event and picks its correlation id. */
export function classifyEvent(body: unknown): OtEvent {
  const b = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const event = typeof b.event === 'string' ? b.event : '';
  if (/^push\./i.test(event)) {
    const type: OtEventType = event.toLowerCase() === 'push.opened' ? 'push.opened' : 'push.response';
    return { type, correlationId: str(b.reference) ?? str(b.job_id) ?? str(b.eventId), eventId: str(b.eventId), payload: body };
  }
  if (event === 'inbound_fax') return { type: 'fax.inbound', correlationId: str(b.id), eventId: str(b.eventId) ?? str(b.id), payload: body };
  if (b.eventType === 'DELIVERY_EXCEPTION') {
    return { type: 'exstream.delivery_exception', correlationId: str(b.customerReference) ?? str(b.communicationId) ?? str(b.eventId), eventId: str(b.eventId), payload: body };
  }
  if (str(b.job_id) && Array.isArray(b.deliveries)) return { type: 'fax.status', correlationId: str(b.job_id), eventId: str(b.eventId), payload: body };
  const eventId = str(b.eventId) ?? str(b.event_id) ?? str(b.id);
  return { type: 'custom', correlationId: str(b.correlationId) ?? str(b.reference) ?? eventId, eventId, payload: body };
}

/**
 * The key repeats are recognised by: the event id when there is one, else a hash of the raw body
 * (so a fax status that changed is new, and an identical retransmission is not).
 */
export function dedupeKey(ev: OtEvent, raw: Buffer): string {
  if (ev.eventId) return `${ev.type}:${ev.eventId}`;
  return `${ev.type}:#${crypto.createHash('sha256').update(raw).digest('hex')}`;
}

/** Constant-time comparison of two texts of any length. */
export function safeEqual(a: string, b: string): boolean {
  const ha = crypto.createHash('sha256').update(a, 'utf8').digest();
  const hb = crypto.createHash('sha256').update(b, 'utf8').digest();
  return crypto.timingSafeEqual(ha, hb) && a.length === b.length;
}

export type VerifyMode = 'either' | 'token' | 'hmac' | 'none';

export interface VerifyOptions {
  mode: VerifyMode;
  secret: string;
  tokenHeader: string;
  signatureHeader: string;
}

function headerValue(headers: IncomingMessage['headers'], name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** `sha256=<hex>` of the body with the secret. */
export function signBody(secret: string, raw: Buffer): string {
  return 'sha256=' + crypto.createHmac('sha256', secret).update(raw).digest('hex');
}

/**
 * Checks a callback's credentials. "either": a signature header, when present, must verify;
 * otherwise the token must match. Returns a reason for the status when refused (never the secret).
 */
export function verifyCallback(o: VerifyOptions, headers: IncomingMessage['headers'], raw: Buffer): { ok: true } | { ok: false; reason: string } {
  if (o.mode === 'none') return { ok: true };
  if (!o.secret) return { ok: false, reason: 'no secret configured' };
  const sig = headerValue(headers, o.signatureHeader);
  const token = headerValue(headers, o.tokenHeader);
  const sigOk = () => !!sig && safeEqual(sig.trim().toLowerCase(), signBody(o.secret, raw));
  const tokenOk = () => token !== undefined && safeEqual(token.trim(), o.secret);
  if (o.mode === 'hmac') return sig ? (sigOk() ? { ok: true } : { ok: false, reason: 'bad signature' }) : { ok: false, reason: 'no signature' };
  if (o.mode === 'token') return token !== undefined ? (tokenOk() ? { ok: true } : { ok: false, reason: 'bad token' }) : { ok: false, reason: 'no token' };
  if (sig) return sigOk() ? { ok: true } : { ok: false, reason: 'bad signature' };
  if (token !== undefined) return tokenOk() ? { ok: true } : { ok: false, reason: 'bad token' };
  return { ok: false, reason: 'no token or signature' };
}

/**
 * The raw request body, up to `limit` bytes (413 beyond). When a middleware already parsed it, the
 * parsed body is turned back into bytes (a signature over such a body may then not verify).
 */
export async function readRawBody(req: IncomingMessage & { body?: unknown; _body?: boolean }, limit: number): Promise<Buffer> {
  if (req._body || req.readableEnded) {
    const b = req.body;
    if (Buffer.isBuffer(b)) return b;
    if (typeof b === 'string') return Buffer.from(b, 'utf8');
    if (b === undefined || b === null) return Buffer.alloc(0);
    return Buffer.from(JSON.stringify(b), 'utf8');
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new OtError({ code: 'OT_INVALID_INPUT', message: 'request body too large', statusCode: 413 });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    const buf = Buffer.isBuffer(c) ? c : Buffer.from(c as string);
    size += buf.length;
    if (size > limit) throw new OtError({ code: 'OT_INVALID_INPUT', message: 'request body too large', statusCode: 413 });
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}
