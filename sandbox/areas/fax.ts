/**
 * Cloud Fax (`/mra/v1`, OpenText Messaging / Fax2Mail): outbound fax submit and status, the
 * inbound document queue with hold and release, status webhooks, and the sandbox's inbound-fax
 * injection. Deliveries progress over the simulated clock (`app.now()`: real time plus whatever
 * `POST /_sandbox/clock` added), so a flow finishes in a second or two without clock games and a
 * test can still jump ahead.
 *
 * Real API ([SPEC], OpenText's Postman collections and the published reference pages):
 *   POST /mra/v1/outbound/faxes                  JSON {destinations, documents, options, reports} -> {job_id}
 *   GET  /mra/v1/outbound/faxes/status?job_id=   job_state, entry_time, deliveries[].delivery_attempts[]
 *   GET  /mra/v1/inbound/documents/next?hold_sec=&group_no=&customer=&domain=   200 document / 204 none
 * [GUESS] (see the README's "Unverified API details"): the release call
 * `DELETE /mra/v1/inbound/documents/{id}` (204), the retrieved document's JSON, gamma codes, the
 * error body `{"error":{"code","message"}}` (the one messaging-auth.ts gives for 401/415), the
 * job_state words other than "Complete"/"Posted", and the sandbox-only `metadata` of inbound faxes.
 */
import { Area, Ctx, HttpError, SandboxApp } from '../server';
import { messaging, messagingAuth, requireJson } from './messaging-auth';

/** Document types of the Cloud Fax and Notifications API (EasyLink DocType list). */
export const FAX_DOCUMENT_TYPES = ['BMP', 'empty', 'GIF', 'HTML', 'HTMLLITE', 'JPEG', 'MPP', 'MSW', 'PCL', 'PDF', 'PNG', 'PPT', 'PS', 'PUB', 'RTF', 'text', 'TIFF', 'unspec', 'VSD', 'WAV', 'XAR', 'XLS', 'XMF'];
const DOC_TYPE_BY_UPPER = new Map(FAX_DOCUMENT_TYPES.map((t) => [t.toUpperCase(), t]));

interface FailingNumber {
  fax: string;
  gamma_code: number;
  /** Shown in the state view only (the status API has no reason text). */
  reason?: string;
}

interface Department {
  name: string;
  did: string;
  group_no?: string;
}

interface InboundInject {
  from?: string;
  csid?: string;
  to?: string;
  department?: string;
  pages?: number;
  documentType?: string;
  caseId?: string;
  metadata?: Record<string, unknown>;
  content?: string;
  text?: string;
  format?: string;
  name?: string;
  account?: string;
  domain?: string;
  group_no?: string;
}

export interface FaxConfig {
  jobPrefix: string;
  firstJobNo: number;
  /** Seconds from submit until the first attempt starts. */
  queueSec: number;
  /** Seconds one delivery attempt takes. */
  deliverySec: number;
  /** Seconds between a busy attempt and the next. */
  retryIntervalSec: number;
  /** Attempts made to a busy number before giving up. */
  busyAttempts: number;
  baudRate: number;
  gamma: { sent: number; busy: number };
  busy: string[];
  busyOnce: string[];
  failing: FailingNumber[];
  rcsid: Record<string, string>;
  coversheets: string[];
  departments: Department[];
  inboundDomain: string;
  inboundFirstNo: number;
  defaultHoldSec: number;
}

interface FaxDoc {
  name: string;
  type: string;
  charset?: string;
  size: number;
  sha256: string;
  pages: number;
  contentId: string;
}

interface Attempt {
  start: number;
  end: number;
  state: 'Sent' | 'Error';
  gamma: number;
}

interface Destination {
  fax: string;
  ref?: string;
  inserts?: unknown[];
  attempts: Attempt[];
}

interface Job {
  job_id: string;
  account: string;
  submitId?: string;
  /** How many submits with the same X-MRA-SubmitId were answered with this job. */
  submits: number;
  entry: number;
  billingCode?: string;
  customerReference?: string;
  messageId?: string;
  coversheet?: { enabled: boolean; name?: string; from?: string; subject?: string };
  options: Record<string, unknown>;
  reports?: unknown;
  documents: FaxDoc[];
  destinations: Destination[];
  pages: number;
  finalAt: number;
  posted: boolean;
}

interface InboundFax {
  id: string;
  job_id: string;
  account: string;
  domain: string;
  group_no?: string;
  sender_fax: string;
  sender_csid: string;
  receiving_fax: string;
  department?: string;
  pages: number;
  received: number;
  name: string;
  type: string;
  contentId: string;
  size: number;
  sha256: string;
  metadata?: Record<string, unknown>;
  heldUntil?: number;
  holdSec?: number;
  holder?: string;
  retrievals: number;
  releasedAt?: number;
}

export interface FaxState {
  cfg: FaxConfig;
  jobs: Map<string, Job>;
  /** `${account}\n${submitId}` -> job id. */
  submits: Map<string, string>;
  nextJobNo: number;
  inbound: InboundFax[];
  nextInboundNo: number;
  /** Jobs whose final state was not yet announced to the status webhook. */
  open: Set<string>;
}

export function fax(app: SandboxApp): FaxState {
  return app.area<FaxState>('fax');
}

function mraError(status: number, message: string): HttpError {
  return new HttpError({ status, body: { error: { code: status, message } } });
}

function isoMs(t: number): string {
  return new Date(t).toISOString();
}

function b64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}

function num(v: unknown, def: number): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : def;
}

const DIGITS = /^\d{7,18}$/;

function config(fixture: Record<string, unknown>, app: SandboxApp): FaxConfig {
  const f = (fixture.fax || {}) as Partial<FaxConfig> & { gamma?: Partial<FaxConfig['gamma']> };
  const s = app.options.settings || {};
  return {
    jobPrefix: f.jobPrefix || 'xsi',
    firstJobNo: num(f.firstJobNo, 1000001),
    queueSec: num(s.faxQueueSec, num(f.queueSec, 0.2)),
    deliverySec: num(s.faxDeliverySec, num(f.deliverySec, 1)),
    retryIntervalSec: num(s.faxRetryIntervalSec, num(f.retryIntervalSec, 0.5)),
    busyAttempts: Math.max(1, num(f.busyAttempts, 3)),
    baudRate: num(f.baudRate, 14400),
    gamma: { sent: num(f.gamma?.sent, 0), busy: num(f.gamma?.busy, 2001) },
    busy: (f.busy || []).map(String),
    busyOnce: (f.busyOnce || []).map(String),
    failing: (f.failing || []).map((x) => ({ ...x, fax: String(x.fax) })),
    rcsid: { ...(f.rcsid || {}) },
    coversheets: f.coversheets || ['f2m_default'],
    departments: (f.departments || []).map((d) => ({ ...d })),
    inboundDomain: f.inboundDomain || 'XDDS',
    inboundFirstNo: num(f.inboundFirstNo, 7000001),
    defaultHoldSec: num(f.defaultHoldSec, 900),
  };
}

// ---- documents ------------------------------------------------------------------------------------

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function countPages(type: string, data: Buffer): number {
  if (type === 'PDF') {
    const n = (data.toString('latin1').match(/\/Type\s*\/Page(?![a-zA-Z])/g) || []).length;
    return Math.max(1, n);
  }
  if (type === 'TIFF') return Math.max(1, tiffPages(data));
  if (type === 'text') return Math.max(1, Math.ceil(data.toString('utf8').split(/\r?\n/).length / 60));
  return 1;
}

function tiffPages(data: Buffer): number {
  if (data.length < 8) return 0;
  const le = data.toString('latin1', 0, 2) === 'II';
  const u16 = (o: number) => (le ? data.readUInt16LE(o) : data.readUInt16BE(o));
  const u32 = (o: number) => (le ? data.readUInt32LE(o) : data.readUInt32BE(o));
  let off = u32(4);
  let pages = 0;
  const seen = new Set<number>();
  while (off > 0 && off + 2 <= data.length && !seen.has(off) && pages < 10000) {
    seen.add(off);
    pages++;
    const n = u16(off);
    const next = off + 2 + n * 12;
    if (next + 4 > data.length) break;
    off = u32(next);
  }
  return pages;
}

function looksLike(type: string, data: Buffer): boolean {
  if (type === 'PDF') return data.subarray(0, 1024).includes('%PDF-');
  if (type === 'TIFF') {
    const h = data.subarray(0, 4).toString('latin1');
    return h === 'II*\u0000' || h === 'MM\u0000*';
  }
  return true;
}

/** A small valid PDF with one text block per page (for injected inbound faxes). */
export function makePdf(pages: string[][]): Buffer {
  const esc = (s: string) => s.replace(/[^\x20-\x7e]/g, '?').replace(/([\\()])/g, '\\$1');
  const objects: string[] = [];
  const n = pages.length;
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
  objects[2] = `<< /Type /Pages /Kids [${pages.map((_, i) => `${4 + 2 * i} 0 R`).join(' ')}] /Count ${n} >>`;
  objects[3] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>';
  pages.forEach((lines, i) => {
    const stream = `BT /F1 12 Tf 14 TL 72 720 Td ${lines.map((l) => `(${esc(l)}) Tj T*`).join(' ')} ET`;
    objects[4 + 2 * i] = `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${5 + 2 * i} 0 R >>`;
    objects[5 + 2 * i] = `<< /Length ${Buffer.byteLength(stream, 'latin1')} >>\nstream\n${stream}\nendstream`;
  });
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  for (let i = 1; i < objects.length; i++) {
    offsets[i] = Buffer.byteLength(out, 'latin1');
    out += `${i} 0 obj\n${objects[i]}\nendobj\n`;
  }
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
  for (let i = 1; i < objects.length; i++) out += `${String(offsets[i]).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** A small valid multi-page bilevel TIFF (16x16 white pages, uncompressed). */
export function makeTiff(pages: number): Buffer {
  const W = 16;
  const H = 16;
  const stripBytes = (W / 8) * H;
  const tags = 9;
  const ifdSize = 2 + tags * 12 + 4;
  const pageSize = stripBytes + ifdSize;
  const buf = Buffer.alloc(8 + pages * pageSize);
  buf.write('II', 0, 'latin1');
  buf.writeUInt16LE(42, 2);
  let pos = 8;
  let prevNextPtr = 4;
  for (let p = 0; p < pages; p++) {
    const strip = pos;
    pos += stripBytes; // zeros = white (WhiteIsZero)
    const ifd = pos;
    buf.writeUInt32LE(ifd, prevNextPtr);
    buf.writeUInt16LE(tags, ifd);
    const entries: Array<[number, number, number]> = [
      [256, 3, W],
      [257, 3, H],
      [258, 3, 1],
      [259, 3, 1],
      [262, 3, 0],
      [273, 4, strip],
      [277, 3, 1],
      [278, 3, H],
      [279, 4, stripBytes],
    ];
    entries.forEach(([tag, type, value], i) => {
      const o = ifd + 2 + i * 12;
      buf.writeUInt16LE(tag, o);
      buf.writeUInt16LE(type, o + 2);
      buf.writeUInt32LE(1, o + 4);
      if (type === 3) buf.writeUInt16LE(value, o + 8);
      else buf.writeUInt32LE(value, o + 8);
    });
    prevNextPtr = ifd + 2 + tags * 12;
    buf.writeUInt32LE(0, prevNextPtr);
    pos = ifd + ifdSize;
  }
  return buf;
}

// ---- outbound -------------------------------------------------------------------------------------

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

function planAttempts(cfg: FaxConfig, faxNo: string, entry: number): Attempt[] {
  const D = cfg.deliverySec * 1000;
  const R = cfg.retryIntervalSec * 1000;
  const start0 = entry + cfg.queueSec * 1000;
  const at = (i: number) => start0 + i * (D + R);
  const failing = cfg.failing.find((f) => f.fax === faxNo);
  if (failing) return [{ start: at(0), end: at(0) + D, state: 'Error', gamma: failing.gamma_code }];
  if (cfg.busy.includes(faxNo)) {
    return Array.from({ length: cfg.busyAttempts }, (_, i) => ({ start: at(i), end: at(i) + D, state: 'Error' as const, gamma: cfg.gamma.busy }));
  }
  if (cfg.busyOnce.includes(faxNo)) {
    return [
      { start: at(0), end: at(0) + D, state: 'Error', gamma: cfg.gamma.busy },
      { start: at(1), end: at(1) + D, state: 'Sent', gamma: cfg.gamma.sent },
    ];
  }
  return [{ start: at(0), end: at(0) + D, state: 'Sent', gamma: cfg.gamma.sent }];
}

function submitFax(ctx: Ctx) {
  const account = messagingAuth(ctx);
  const body = requireJson(ctx);
  const s = fax(ctx.app);
  const cfg = s.cfg;
  const submitHeader = ctx.req.headers['x-mra-submitid'];
  const submitId = (Array.isArray(submitHeader) ? submitHeader[0] : submitHeader)?.trim() || undefined;

  // destinations
  if (body.destinations === undefined || body.destinations === null) throw mraError(400, 'destinations is required');
  if (!Array.isArray(body.destinations) || body.destinations.length === 0) throw mraError(400, 'destinations must be a non-empty array');
  const destinations: Destination[] = body.destinations.map((d: unknown, i: number) => {
    if (!d || typeof d !== 'object' || Array.isArray(d)) throw mraError(400, `destinations[${i}] must be an object`);
    const o = d as Record<string, unknown>;
    const faxNo = str(o.fax);
    if (faxNo === undefined || faxNo === '') throw mraError(400, `destinations[${i}].fax is required`);
    if (!DIGITS.test(faxNo)) throw mraError(400, `destinations[${i}].fax "${faxNo}" is not a valid fax number (digits only, 7 to 18)`);
    if (o.ref !== undefined && typeof o.ref !== 'string') throw mraError(400, `destinations[${i}].ref must be a string`);
    if (o.inserts !== undefined && !Array.isArray(o.inserts)) throw mraError(400, `destinations[${i}].inserts must be an array`);
    return { fax: faxNo, ref: o.ref as string | undefined, inserts: o.inserts as unknown[] | undefined, attempts: [] };
  });

  // documents
  if (body.documents === undefined || body.documents === null) throw mraError(400, 'documents is required');
  if (!Array.isArray(body.documents) || body.documents.length === 0) throw mraError(400, 'documents must be a non-empty array');
  const decoded: Array<{ doc: Omit<FaxDoc, 'contentId' | 'sha256' | 'size' | 'pages'>; data: Buffer }> = body.documents.map((d: unknown, i: number) => {
    if (!d || typeof d !== 'object' || Array.isArray(d)) throw mraError(400, `documents[${i}] must be an object`);
    const o = d as Record<string, unknown>;
    const name = str(o.name);
    if (!name) throw mraError(400, `documents[${i}].name is required`);
    const rawType = str(o.type);
    if (!rawType) throw mraError(400, `documents[${i}].type is required`);
    const type = DOC_TYPE_BY_UPPER.get(rawType.toUpperCase());
    if (!type) throw mraError(400, `documents[${i}].type "${rawType}" is not a supported document type`);
    if (o.charset !== undefined && typeof o.charset !== 'string') throw mraError(400, `documents[${i}].charset must be a string`);
    if (o.data === undefined || o.data === null) throw mraError(400, `documents[${i}].data is required`);
    if (typeof o.data !== 'string') throw mraError(400, `documents[${i}].data must be a base64 string`);
    const compact = o.data.replace(/[\r\n]/g, '');
    if (!BASE64.test(compact)) throw mraError(400, `documents[${i}].data is not valid base64`);
    const data = Buffer.from(compact, 'base64');
    if (data.length === 0 && type !== 'empty') throw mraError(400, `documents[${i}] "${name}" is empty`);
    if (!looksLike(type, data)) throw mraError(400, `documents[${i}] "${name}" cannot be read as ${type}`);
    return { doc: { name, type, charset: o.charset as string | undefined }, data };
  });

  // options
  const options = body.options === undefined || body.options === null ? {} : body.options;
  if (typeof options !== 'object' || Array.isArray(options)) throw mraError(400, 'options must be an object');
  const opt = options as Record<string, unknown>;
  for (const k of ['billing_code', 'customer_reference', 'message_id']) {
    if (opt[k] !== undefined && typeof opt[k] !== 'string') throw mraError(400, `options.${k} must be a string`);
  }
  let coversheet: Job['coversheet'];
  if (opt.coversheet !== undefined) {
    const c = opt.coversheet as Record<string, unknown>;
    if (!c || typeof c !== 'object' || Array.isArray(c)) throw mraError(400, 'options.coversheet must be an object');
    const enabled = c.enabled === true || c.enabled === 'true' || (c.enabled === undefined && c.name !== undefined);
    const name = c.name === undefined ? undefined : str(c.name);
    if (enabled) {
      const template = name || 'f2m_default';
      if (!cfg.coversheets.includes(template)) throw mraError(400, `options.coversheet.name "${template}" is not a coversheet template of this account`);
      coversheet = { enabled, name: template, from: str(c.from), subject: str(c.subject) };
    } else {
      coversheet = { enabled: false };
    }
  }
  if (body.reports !== undefined && (body.reports === null || typeof body.reports !== 'object' || Array.isArray(body.reports))) throw mraError(400, 'reports must be an object');

  // X-MRA-SubmitId: the same client id from the same account never makes a second fax
  const key = submitId ? `${account}\n${submitId}` : undefined;
  if (key && s.submits.has(key)) {
    const existing = s.jobs.get(s.submits.get(key)!)!;
    existing.submits++;
    return { status: 200, body: { job_id: existing.job_id } };
  }

  const now = ctx.now();
  const job_id = `${cfg.jobPrefix}-${s.nextJobNo++}`;
  const documents: FaxDoc[] = decoded.map(({ doc, data }) => {
    const contentId = ctx.app.content.put(data);
    const info = ctx.app.content.info(contentId)!;
    return { ...doc, size: info.size, sha256: info.sha256, pages: countPages(doc.type, data), contentId };
  });
  for (const d of destinations) d.attempts = planAttempts(cfg, d.fax, now);
  const job: Job = {
    job_id,
    account,
    submitId,
    submits: 1,
    entry: now,
    billingCode: opt.billing_code as string | undefined,
    customerReference: opt.customer_reference as string | undefined,
    messageId: opt.message_id as string | undefined,
    coversheet,
    options: opt,
    reports: body.reports,
    documents,
    destinations,
    pages: documents.reduce((n, d) => n + d.pages, 0) + (coversheet?.enabled ? 1 : 0),
    finalAt: Math.max(...destinations.map((d) => d.attempts[d.attempts.length - 1].end)),
    posted: false,
  };
  s.jobs.set(job_id, job);
  s.open.add(job_id);
  if (key) s.submits.set(key, job_id);
  return { status: 200, body: { job_id } };
}

/** The status document of a job at time `t` (the same JSON the status webhook receives). */
export function jobStatus(s: FaxState, job: Job, t: number): Record<string, unknown> {
  const cfg = s.cfg;
  const deliveries = job.destinations.map((d) => {
    const attempts: Array<Record<string, unknown>> = [];
    const first = d.attempts[0].start;
    for (const a of d.attempts) {
      if (t < a.start) {
        attempts.push({ state: 'Pending', gamma_code: 0 });
        break;
      }
      if (t < a.end) {
        attempts.push({ state: 'InProcess', gamma_code: 0, first_attempt: isoMs(first), pages_delivered: 0, baud_rate: cfg.baudRate });
        break;
      }
      const sent = a.state === 'Sent';
      attempts.push({
        state: a.state,
        gamma_code: a.gamma,
        first_attempt: isoMs(first),
        delivery_time: isoMs(a.end),
        delivery_sec: Math.max(1, Math.round((a.end - a.start) / 1000)),
        pages_delivered: sent ? job.pages : 0,
        baud_rate: sent ? cfg.baudRate : 0,
        rcsid: sent ? cfg.rcsid[d.fax] || d.fax : '',
      });
    }
    const out: Record<string, unknown> = { fax: d.fax };
    if (d.ref !== undefined) out.ref_base64 = b64(d.ref);
    out.delivery_attempts = attempts;
    return out;
  });
  const final = t >= job.finalAt;
  const started = job.destinations.some((d) => t >= d.attempts[0].start);
  const body: Record<string, unknown> = {
    job_id: job.job_id,
    job_state: final ? (job.posted ? ['Complete', 'Posted'] : ['Complete']) : started ? ['InProcess'] : ['Submitted'],
  };
  if (job.billingCode !== undefined) body.billing_code_base64 = b64(job.billingCode);
  if (job.customerReference !== undefined) body.customer_reference_base64 = b64(job.customerReference);
  body.entry_time = isoMs(job.entry);
  body.deliveries = deliveries;
  return body;
}

function status(ctx: Ctx) {
  const account = messagingAuth(ctx);
  const s = fax(ctx.app);
  const jobId = ctx.query.job_id;
  if (jobId === undefined || jobId.trim() === '') throw mraError(400, 'job_id is required');
  const job = s.jobs.get(jobId.trim());
  if (!job || job.account !== account) throw mraError(404, `Job ${jobId} not found`);
  return { status: 200, body: jobStatus(s, job, ctx.now()) };
}

// ---- inbound --------------------------------------------------------------------------------------

function sameCustomer(app: SandboxApp, a: string, b: string): boolean {
  if (a === b) return true;
  const accts = messaging(app).accounts;
  const ca = accts.find((x) => x.username === a)?.customer;
  const cb = accts.find((x) => x.username === b)?.customer;
  return !!ca && ca === cb;
}

function available(f: InboundFax, now: number): boolean {
  return f.releasedAt === undefined && (f.heldUntil === undefined || f.heldUntil <= now);
}

function inboundState(f: InboundFax, now: number): 'available' | 'held' | 'released' {
  if (f.releasedAt !== undefined) return 'released';
  return available(f, now) ? 'available' : 'held';
}

function nextDocument(ctx: Ctx) {
  const account = messagingAuth(ctx);
  const s = fax(ctx.app);
  const q = ctx.query;
  let holdSec = s.cfg.defaultHoldSec;
  if (q.hold_sec !== undefined) {
    if (!/^\d+$/.test(q.hold_sec.trim()) || Number(q.hold_sec) < 5 || Number(q.hold_sec) > 3600) throw mraError(400, `hold_sec must be a whole number from 5 to 3600, got "${q.hold_sec}"`);
    holdSec = Number(q.hold_sec);
  }
  let customer = false;
  if (q.customer !== undefined) {
    if (!/^(true|false|yes|no)$/i.test(q.customer.trim())) throw mraError(400, `customer must be true or false, got "${q.customer}"`);
    customer = /^(true|yes)$/i.test(q.customer.trim());
  }
  const group = q.group_no?.trim() || undefined;
  const domain = q.domain?.trim().toUpperCase() || undefined;
  const now = ctx.now();
  const f = s.inbound.find(
    (x) =>
      available(x, now) &&
      (x.account === account || (customer && sameCustomer(ctx.app, x.account, account))) &&
      (!group || x.group_no === group) &&
      (!domain || x.domain.toUpperCase() === domain),
  );
  if (!f) return { status: 204 };
  f.heldUntil = now + holdSec * 1000;
  f.holdSec = holdSec;
  f.holder = account;
  f.retrievals++;
  return { status: 200, body: retrieved(ctx.app, f) };
}

function retrieved(app: SandboxApp, f: InboundFax): Record<string, unknown> {
  const c = app.content.info(f.contentId);
  const data = c?.buffer ? c.buffer.toString('base64') : '';
  const out: Record<string, unknown> = {
    id: f.id,
    job_id: f.job_id,
    domain: f.domain,
    sender_fax: f.sender_fax,
    sender_csid: f.sender_csid,
    receiving_fax: f.receiving_fax,
    pages: f.pages,
    received_time: isoMs(f.received),
    hold_sec: f.holdSec,
    retrieval_count: f.retrievals,
  };
  if (f.metadata && Object.keys(f.metadata).length) out.metadata = f.metadata;
  out.document = { name: f.name, type: f.type, size: f.size, data };
  return out;
}

function releaseDocument(ctx: Ctx) {
  const account = messagingAuth(ctx);
  const s = fax(ctx.app);
  const id = ctx.params.id;
  const f = s.inbound.find((x) => x.id === id && (x.account === account || sameCustomer(ctx.app, x.account, account)));
  if (!f) throw mraError(404, `Document ${id} not found`);
  if (f.releasedAt !== undefined) throw mraError(404, `Document ${id} was already deleted`);
  f.releasedAt = ctx.now();
  f.heldUntil = undefined;
  return { status: 204 };
}

/** Adds an inbound fax to the queue (POST /_sandbox/inbound-fax and fixture `inbound`). */
export function injectInbound(app: SandboxApp, s: FaxState, b: InboundInject, now: number): InboundFax {
  const cfg = s.cfg;
  const digits = (v: unknown) => String(v ?? '').replace(/[^\d]/g, '');
  let dept: Department | undefined;
  if (b.department !== undefined) {
    dept = cfg.departments.find((d) => d.name.toLowerCase() === String(b.department).toLowerCase());
    if (!dept && b.to === undefined) throw new HttpError({ status: 400, body: { error: `no department "${b.department}"; departments: ${cfg.departments.map((d) => d.name).join(', ')}` } });
  }
  const to = b.to !== undefined ? digits(b.to) : dept?.did || cfg.departments.find((d) => d.name === 'general')?.did || cfg.departments[0]?.did || '18005550100';
  if (!DIGITS.test(to)) throw new HttpError({ status: 400, body: { error: `"to" must be a fax number, got ${JSON.stringify(b.to)}` } });
  dept ||= cfg.departments.find((d) => d.did === to);
  const from = b.from !== undefined ? digits(b.from) : '15555550123';
  if (!DIGITS.test(from)) throw new HttpError({ status: 400, body: { error: `"from" must be a fax number, got ${JSON.stringify(b.from)}` } });
  const pages = Math.max(1, Math.min(200, Math.floor(num(b.pages, 1))));
  const format = String(b.format || 'PDF').toUpperCase() === 'TIFF' ? 'TIFF' : 'PDF';
  const no = s.nextInboundNo++;
  const metadata: Record<string, unknown> = { ...(b.metadata || {}) };
  if (b.documentType !== undefined) metadata.document_type = String(b.documentType);
  if (b.caseId !== undefined) metadata.case_id = String(b.caseId);
  if (b.department !== undefined) metadata.department = String(b.department);
  let data: Buffer;
  if (b.content !== undefined) {
    const compact = String(b.content).replace(/[\r\n]/g, '');
    if (!BASE64.test(compact) || compact.length === 0) throw new HttpError({ status: 400, body: { error: 'content must be base64' } });
    data = Buffer.from(compact, 'base64');
  } else if (format === 'TIFF') {
    data = makeTiff(pages);
  } else {
    const text = b.text !== undefined ? String(b.text) : 'Inbound fax';
    const lines = [`FAX from ${from} (${b.csid || from}) to ${to}`, ...text.split(/\r?\n/)];
    if (b.documentType !== undefined) lines.push(`Document type: ${b.documentType}`);
    if (b.caseId !== undefined) lines.push(`Case: ${b.caseId}`);
    data = makePdf(Array.from({ length: pages }, (_, i) => [...lines, `Page ${i + 1} of ${pages}`]));
  }
  const contentId = app.content.put(data);
  const info = app.content.info(contentId)!;
  const account = b.account || messaging(app).accounts[0]?.username || 'sandbox-fax';
  const f: InboundFax = {
    id: String(no),
    job_id: `${cfg.inboundDomain.toLowerCase()}-${no}`,
    account,
    domain: b.domain ? String(b.domain).toUpperCase() : cfg.inboundDomain,
    group_no: b.group_no !== undefined ? String(b.group_no) : dept?.group_no,
    sender_fax: from,
    sender_csid: b.csid !== undefined ? String(b.csid) : from,
    receiving_fax: to,
    department: dept?.name,
    pages: b.content !== undefined ? Math.max(1, num(b.pages, countPages(format, data))) : pages,
    received: now,
    name: b.name ? String(b.name) : `fax-${no}.${format === 'TIFF' ? 'tif' : 'pdf'}`,
    type: format,
    contentId,
    size: info.size,
    sha256: info.sha256,
    metadata: Object.keys(metadata).length ? metadata : undefined,
    retrievals: 0,
  };
  s.inbound.push(f);
  return f;
}

function inboundView(f: InboundFax, now: number): Record<string, unknown> {
  return {
    id: f.id,
    job_id: f.job_id,
    account: f.account,
    state: inboundState(f, now),
    sender_fax: f.sender_fax,
    sender_csid: f.sender_csid,
    receiving_fax: f.receiving_fax,
    department: f.department,
    group_no: f.group_no,
    domain: f.domain,
    pages: f.pages,
    received_time: isoMs(f.received),
    held_until: f.heldUntil !== undefined && f.releasedAt === undefined ? isoMs(f.heldUntil) : undefined,
    retrievals: f.retrievals,
    released_time: f.releasedAt !== undefined ? isoMs(f.releasedAt) : undefined,
    metadata: f.metadata,
    document: { name: f.name, type: f.type, size: f.size, sha256: f.sha256 },
  };
}

export const faxArea: Area = {
  name: 'fax',
  init(fixture, app) {
    const cfg = config(fixture, app);
    const s: FaxState = { cfg, jobs: new Map(), submits: new Map(), nextJobNo: cfg.firstJobNo, inbound: [], nextInboundNo: cfg.inboundFirstNo, open: new Set() };
    const queued = ((fixture.fax || {}) as { inbound?: InboundInject[] }).inbound || [];
    for (const q of queued) injectInbound(app, s, q, app.now());
    return s;
  },
  snapshot(state, app) {
    const s = state as FaxState;
    const now = app.now();
    return {
      jobs: [...s.jobs.values()].map((j) => ({
        job_id: j.job_id,
        account: j.account,
        submitId: j.submitId,
        submits: j.submits,
        entry_time: isoMs(j.entry),
        billing_code: j.billingCode,
        customer_reference: j.customerReference,
        message_id: j.messageId,
        coversheet: j.coversheet,
        pages: j.pages,
        destinations: j.destinations.map((d) => ({ fax: d.fax, ref: d.ref, inserts: d.inserts })),
        documents: j.documents.map((d) => ({ name: d.name, type: d.type, charset: d.charset, size: d.size, sha256: d.sha256, pages: d.pages })),
        status: jobStatus(s, j, now),
      })),
      inbound: s.inbound.map((f) => inboundView(f, now)),
      departments: s.cfg.departments,
      coversheets: s.cfg.coversheets,
      numbers: { busy: s.cfg.busy, busyOnce: s.cfg.busyOnce, failing: s.cfg.failing },
      timing: { queueSec: s.cfg.queueSec, deliverySec: s.cfg.deliverySec, retryIntervalSec: s.cfg.retryIntervalSec, busyAttempts: s.cfg.busyAttempts },
    };
  },
  tick(app, now) {
    const s = fax(app);
    if (!s || s.open.size === 0) return;
    for (const id of [...s.open]) {
      const job = s.jobs.get(id);
      if (!job) {
        s.open.delete(id);
        continue;
      }
      if (now < job.finalAt) continue;
      s.open.delete(id);
      if (app.webhooks.fax || app.options.settings?.faxWebhook) {
        job.posted = true;
        app.emitWebhook('fax', jobStatus(s, job, now));
      }
    }
  },
  routes(app: SandboxApp) {
    app.route('POST', '/mra/v1/outbound/faxes', submitFax);
    app.route('GET', '/mra/v1/outbound/faxes/status', status);
    app.route('GET', '/mra/v1/inbound/documents/next', nextDocument);
    app.route('DELETE', '/mra/v1/inbound/documents/:id', releaseDocument);

    // The sandbox's own: a fax arrives at one of the account's numbers.
    app.route('POST', '/_sandbox/inbound-fax', (ctx) => {
      const b = ctx.json;
      if (b !== undefined && (b === null || typeof b !== 'object' || Array.isArray(b))) throw new HttpError({ status: 400, body: { error: 'send a JSON object' } });
      const s = fax(app);
      const f = injectInbound(app, s, (b || {}) as InboundInject, ctx.now());
      app.emitWebhook('inboundFax', { event: 'inbound_fax', id: f.id, receiving_fax: f.receiving_fax, sender_fax: f.sender_fax, received_time: isoMs(f.received) });
      return { status: 201, body: inboundView(f, ctx.now()) };
    });
  },
};
