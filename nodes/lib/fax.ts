/**
 * Cloud Fax operations (OpenText Messaging `/mra/v1`): send a fax, read and normalise its status,
 * wait for the final status, take inbound faxes from the queue (held until released) and release
 * them. Also the input helpers the fax nodes share: fax numbers, destinations and documents.
 *
 * [SPEC] POST outbound/faxes, GET outbound/faxes/status?job_id=, GET inbound/documents/next.
 * [GUESS] DELETE inbound/documents/{id} (release), the retrieved document's fields, gamma codes
 * and the job_state words that mean "final" (see the README's "Unverified API details").
 */
import crypto from 'crypto';
import fs from 'fs';
import path from 'path';
import { HttpClient, json } from './http';
import { invalidInput, OtError } from './errors';
import { baseName } from './files';
import type { SeenStore } from './watch';

// ---- fax numbers and destinations ---------------------------------------------------------------

/**
 * Normalises a fax number to the digits the service expects: "+1 (555) 123-4567" -> "15551234567".
 * Spaces, dashes, dots, slashes and parentheses are dropped; a leading "+" is dropped (the number
 * must then start with its country code). Letters or other characters are refused.
 */
export function normaliseFaxNumber(value: unknown, what = 'fax number'): string {
  if (value === undefined || value === null || value === '') throw invalidInput(`${what} is empty`);
  if (typeof value !== 'string' && typeof value !== 'number') throw invalidInput(`${what} must be text or a number, not ${Array.isArray(value) ? 'an array' : typeof value}`);
  const raw = String(value).trim();
  if (!/^\+?[\d\s\-.()/]+$/.test(raw)) throw invalidInput(`${what} "${raw.slice(0, 40)}" is not a fax number (only digits, spaces, + - . / ( ) are allowed)`);
  const digits = raw.replace(/\D/g, '');
  if (digits.length < 7 || digits.length > 18) throw invalidInput(`${what} "${raw.slice(0, 40)}" must have 7 to 18 digits, it has ${digits.length}`);
  return digits;
}

export interface FaxInsert {
  id: number | string;
  value: string;
}

export interface FaxDestination {
  fax: string;
  ref?: string;
  inserts?: FaxInsert[];
}

/**
 * Reads destinations from a node setting or a message: "15551234567", "+1 555 123-4567; 15557654321"
 * (comma, semicolon or new line between numbers), an array of numbers, or objects
 * `{fax, ref?, inserts?}` (`number` or `to` are accepted for `fax`).
 */
export function parseDestinations(value: unknown): FaxDestination[] {
  const out: FaxDestination[] = [];
  const one = (v: unknown, where: string) => {
    if (v === undefined || v === null || v === '') return;
    if (typeof v === 'string') {
      for (const part of v.split(/[,;\n]+/)) if (part.trim()) out.push({ fax: normaliseFaxNumber(part, `${where} fax number`) });
      return;
    }
    if (typeof v === 'number') {
      out.push({ fax: normaliseFaxNumber(v, `${where} fax number`) });
      return;
    }
    if (typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v)) {
      const o = v as Record<string, unknown>;
      const d: FaxDestination = { fax: normaliseFaxNumber(o.fax ?? o.number ?? o.to, `${where} fax number`) };
      if (o.ref !== undefined && o.ref !== null && o.ref !== '') {
        if (typeof o.ref !== 'string' && typeof o.ref !== 'number') throw invalidInput(`${where} ref must be text`);
        d.ref = String(o.ref);
      }
      if (o.inserts !== undefined && o.inserts !== null) {
        if (!Array.isArray(o.inserts)) throw invalidInput(`${where} inserts must be an array of {id, value}`);
        d.inserts = o.inserts.map((x, i) => {
          const ins = (x || {}) as Record<string, unknown>;
          if (ins.id === undefined || ins.value === undefined) throw invalidInput(`${where} inserts[${i}] needs id and value`);
          return { id: ins.id as number | string, value: String(ins.value) };
        });
      }
      out.push(d);
      return;
    }
    throw invalidInput(`${where} must be a fax number, a list of numbers or {fax, ref}`);
  };
  if (Array.isArray(value)) value.forEach((v, i) => one(v, `destination ${i + 1}`));
  else one(value, 'destination');
  return out;
}

// ---- documents -----------------------------------------------------------------------------------

/** The document types the service accepts (Cloud Fax and Notifications API DocType values). */
export const FAX_DOCUMENT_TYPES = ['BMP', 'GIF', 'HTML', 'JPEG', 'MSW', 'PCL', 'PDF', 'PNG', 'PPT', 'PS', 'RTF', 'text', 'TIFF', 'XLS'];
const TYPE_BY_UPPER = new Map(FAX_DOCUMENT_TYPES.map((t) => [t.toUpperCase(), t]));
const TYPE_BY_EXT: Record<string, string> = {
  pdf: 'PDF', tif: 'TIFF', tiff: 'TIFF', txt: 'text', text: 'text', csv: 'text', log: 'text', htm: 'HTML', html: 'HTML',
  png: 'PNG', jpg: 'JPEG', jpeg: 'JPEG', gif: 'GIF', bmp: 'BMP', rtf: 'RTF', doc: 'MSW', docx: 'MSW', xls: 'XLS', xlsx: 'XLS',
  ppt: 'PPT', pptx: 'PPT', ps: 'PS', pcl: 'PCL',
};
const EXT_BY_TYPE: Record<string, string> = { PDF: 'pdf', TIFF: 'tif', text: 'txt', HTML: 'html', PNG: 'png', JPEG: 'jpg', GIF: 'gif', BMP: 'bmp', RTF: 'rtf', MSW: 'doc', XLS: 'xls', PPT: 'ppt', PS: 'ps', PCL: 'pcl' };

export interface FaxDocument {
  name: string;
  type: string;
  data: Buffer;
  charset?: string;
}

/** One document as a message may carry it. */
export type FaxDocumentInput = Buffer | Uint8Array | string | { data?: unknown; path?: string; text?: string; base64?: string; name?: string; filename?: string; type?: string; charset?: string };

export interface DocumentOptions {
  /** Name for a Buffer without one (msg.filename). */
  filename?: string;
  /** Document type for every document without its own ("auto" or empty = detect). */
  type?: string;
  /** What a plain string is: a file path (default) or the text to fax. */
  strings?: 'path' | 'text';
}

/** Validates a document type name (case-insensitive) and returns the service's spelling. */
export function faxDocumentType(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '' || value === 'auto') return undefined;
  const t = TYPE_BY_UPPER.get(String(value).trim().toUpperCase());
  if (!t) throw invalidInput(`document type "${String(value).slice(0, 20)}" is not supported; use one of ${FAX_DOCUMENT_TYPES.join(', ')}`);
  return t;
}

function magicType(data: Buffer): string | undefined {
  const head = data.subarray(0, 8);
  if (data.subarray(0, 1024).includes('%PDF-')) return 'PDF';
  const h4 = head.subarray(0, 4).toString('latin1');
  if (h4 === 'II*\u0000' || h4 === 'MM\u0000*') return 'TIFF';
  if (head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'PNG';
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'JPEG';
  if (h4 === 'GIF8') return 'GIF';
  if (data.subarray(0, 5).toString('latin1') === '{\\rtf') return 'RTF';
  return undefined;
}

function looksLikeText(data: Buffer): boolean {
  const sample = data.subarray(0, 65536);
  if (sample.includes(0)) return false;
  return !sample.toString('utf8').includes('\ufffd');
}

/** Works out a document's type: explicit type, then the bytes, then the file name, then "text". */
export function detectDocumentType(data: Buffer, name: string, explicit?: string): string {
  const byExt = TYPE_BY_EXT[path.extname(name).slice(1).toLowerCase()];
  const byMagic = magicType(data);
  const claimed = explicit || byExt;
  if (claimed === 'PDF' || claimed === 'TIFF') {
    if (byMagic !== claimed) throw invalidInput(`document "${name}" is not a ${claimed} file (its content does not start like one)`);
    return claimed;
  }
  if (explicit) return explicit;
  if (byMagic) return byMagic;
  if (byExt) return byExt;
  if (looksLikeText(data)) return 'text';
  throw invalidInput(`cannot tell the type of document "${name}": give it a file name with an extension (.pdf, .tif, .txt, ...) or set the document type`);
}

function toBuffer(v: unknown): Buffer | undefined {
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v);
  // A Buffer that went through JSON: {"type":"Buffer","data":[...]}
  if (v && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) return Buffer.from((v as { data: number[] }).data);
  return undefined;
}

async function readFile(p: string): Promise<Buffer> {
  try {
    const st = await fs.promises.stat(p);
    if (!st.isFile()) throw invalidInput(`document path "${p}" is not a file`);
    return await fs.promises.readFile(p);
  } catch (e) {
    if (e instanceof OtError) throw e;
    throw invalidInput(`cannot read document file "${p}": ${(e as NodeJS.ErrnoException).code || (e as Error).message}`);
  }
}

/**
 * Turns what a message carries into documents ready to send: a Buffer, a file path (or text, see
 * `strings`), an object `{data|path|text|base64, name, type, charset}`, or an array of these.
 * Empty documents and unreadable files are refused with OT_INVALID_INPUT.
 */
export async function faxDocuments(value: unknown, opts: DocumentOptions = {}): Promise<FaxDocument[]> {
  const defaultType = faxDocumentType(opts.type);
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || value === undefined || value === null || value === '') throw invalidInput('no document to fax: set Documents (default msg.payload) to a Buffer, a file path or an array of them');
  const docs: FaxDocument[] = [];
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    const where = list.length > 1 ? `document ${i + 1}` : 'the document';
    let data: Buffer | undefined = toBuffer(item);
    let name: string | undefined;
    let type = defaultType;
    let charset: string | undefined;
    if (data) {
      name = list.length === 1 ? opts.filename : undefined;
    } else if (typeof item === 'string') {
      if ((opts.strings || 'path') === 'path') {
        if (item.trim() === '') throw invalidInput(`${where}: the file path is empty`);
        data = await readFile(item.trim());
        name = baseName(item);
      } else {
        data = Buffer.from(item, 'utf8');
        name = list.length === 1 ? opts.filename : undefined;
        type ||= 'text';
        charset = 'UTF-8';
      }
    } else if (item && typeof item === 'object' && !Array.isArray(item)) {
      const o = item as Exclude<FaxDocumentInput, Buffer | Uint8Array | string>;
      name = o.name || o.filename;
      type = faxDocumentType(o.type) || type;
      if (o.charset !== undefined) charset = String(o.charset);
      if (o.path !== undefined) {
        data = await readFile(String(o.path));
        name ||= baseName(String(o.path));
      } else if (o.text !== undefined) {
        data = Buffer.from(String(o.text), 'utf8');
        type ||= 'text';
        charset ||= 'UTF-8';
      } else if (o.base64 !== undefined) {
        data = Buffer.from(String(o.base64), 'base64');
      } else {
        data = toBuffer(o.data);
        if (!data && typeof o.data === 'string') data = Buffer.from(o.data, 'utf8');
      }
      if (!data) throw invalidInput(`${where} needs data (a Buffer), path, text or base64`);
    } else {
      throw invalidInput(`${where} must be a Buffer, a file path or {data, name}, not ${item === null ? 'null' : Array.isArray(item) ? 'an array' : typeof item}`);
    }
    if (data.length === 0) throw invalidInput(`${where}${name ? ` "${name}"` : ''} is empty`);
    name = name ? baseName(String(name)) : '';
    const detected = detectDocumentType(data, name || 'document', type);
    if (!name) name = `document${list.length > 1 ? `-${i + 1}` : ''}.${EXT_BY_TYPE[detected] || 'bin'}`;
    if (detected === 'text' && !charset) charset = 'UTF-8';
    docs.push({ name, type: detected, data, charset });
  }
  return docs;
}

// ---- send ------------------------------------------------------------------------------------------

export interface Coversheet {
  /** Server-side template name (e.g. "f2m_default"). */
  name: string;
  from?: string;
  subject?: string;
}

export interface SendFaxInput {
  destinations: FaxDestination[];
  documents: FaxDocument[];
  /** Client id sent as X-MRA-SubmitId: the same id from the same account never makes a second fax. */
  submitId: string;
  coversheet?: Coversheet;
  billingCode?: string;
  customerReference?: string;
  messageId?: string;
  /** Further `options` fields passed as they are (end_time, translation_options, pilot_line, ...). */
  options?: Record<string, unknown>;
  reports?: Record<string, unknown>;
}

export interface SendFaxResult {
  job_id: string;
  submitId: string;
  destinations: Array<{ fax: string; ref?: string }>;
  documents: Array<{ name: string; type: string; size: number; sha256: string }>;
  coversheet?: string;
}

/** The JSON body of `POST outbound/faxes` (exported for tests and the help's examples). */
export function faxRequestBody(input: Omit<SendFaxInput, 'submitId'>): Record<string, unknown> {
  const options: Record<string, unknown> = { ...(input.options || {}) };
  if (input.messageId) options.message_id = input.messageId;
  if (input.billingCode) options.billing_code = input.billingCode;
  if (input.customerReference) options.customer_reference = input.customerReference;
  if (input.coversheet) {
    const c: Record<string, unknown> = { enabled: true, name: input.coversheet.name };
    if (input.coversheet.from) c.from = input.coversheet.from;
    if (input.coversheet.subject) c.subject = input.coversheet.subject;
    options.coversheet = c;
  }
  const body: Record<string, unknown> = {
    destinations: input.destinations.map((d) => ({ fax: d.fax, ...(d.ref !== undefined ? { ref: d.ref } : {}), ...(d.inserts ? { inserts: d.inserts } : {}) })),
    documents: input.documents.map((d) => ({ name: d.name, type: d.type, data: d.data.toString('base64'), ...(d.charset ? { charset: d.charset } : {}) })),
  };
  if (Object.keys(options).length) body.options = options;
  if (input.reports && Object.keys(input.reports).length) body.reports = input.reports;
  return body;
}

/**
 * Submits a fax. X-MRA-SubmitId is always sent, which makes the POST safe to repeat: a retry after
 * a lost answer gets the job id of the first submit instead of a second fax.
 */
export async function sendFax(client: HttpClient, input: SendFaxInput): Promise<SendFaxResult> {
  if (!input.destinations.length) throw invalidInput('no destination: give at least one fax number');
  if (!input.documents.length) throw invalidInput('no document to fax');
  const submitId = String(input.submitId || '').trim();
  if (!submitId) throw invalidInput('the submit id is empty (it keeps a resent message from making a second fax)');
  if (submitId.length > 128 || /[\r\n]/.test(submitId)) throw invalidInput('the submit id must be one line of at most 128 characters');
  const res = await client.request<Record<string, unknown>>({
    operation: 'send fax',
    method: 'POST',
    path: 'outbound/faxes',
    headers: { 'X-MRA-SubmitId': submitId },
    body: json(faxRequestBody(input)),
    idempotent: true,
  });
  const jobId = res.data && typeof res.data === 'object' ? res.data.job_id : undefined;
  if (typeof jobId !== 'string' || !jobId) throw new OtError({ code: 'OT_API', message: 'send fax: the answer carried no job_id', operation: 'send fax', statusCode: res.status });
  return {
    job_id: jobId,
    submitId,
    destinations: input.destinations.map((d) => ({ fax: d.fax, ...(d.ref !== undefined ? { ref: d.ref } : {}) })),
    documents: input.documents.map((d) => ({ name: d.name, type: d.type, size: d.data.length, sha256: crypto.createHash('sha256').update(d.data).digest('hex') })),
    ...(input.coversheet ? { coversheet: input.coversheet.name } : {}),
  };
}

// ---- status ----------------------------------------------------------------------------------------

/**
 * Reasons for gamma codes [GUESS: OpenText publishes the list as a spreadsheet that was not
 * available; these are the common ones as the sandbox uses them]. Unknown codes are reported by
 * number.
 */
export const GAMMA_REASONS: Record<number, string> = {
  2001: 'line busy',
  2002: 'no answer',
  2003: 'no fax tone (voice or data line)',
  2004: 'not a fax machine',
  2005: 'transmission interrupted',
  2010: 'number not in service',
};

/** Words of `job_state` that mean the job will not change any more [GUESS apart from "Complete"]. */
const FINAL_JOB_STATES = /^(complete|completed|cancelled|canceled|failed|expired|error)$/i;

export type DestinationState = 'pending' | 'sending' | 'retrying' | 'delivered' | 'failed';
export type JobState = 'submitted' | 'sending' | 'delivered' | 'failed' | 'partially delivered';

export interface FaxAttempt {
  state: string;
  gammaCode?: number;
  firstAttempt?: string;
  deliveryTime?: string;
  deliverySec?: number;
  pagesDelivered?: number;
  baudRate?: number;
  rcsid?: string;
}

export interface FaxDestinationStatus {
  fax: string;
  ref?: string;
  state: DestinationState;
  delivered: boolean;
  final: boolean;
  /** Why the last attempt failed ("line busy (gamma code 2001)"); absent when delivered. */
  reason?: string;
  gammaCode?: number;
  attempts: number;
  pagesDelivered: number;
  firstAttempt?: string;
  deliveryTime?: string;
  deliverySec?: number;
  baudRate?: number;
  rcsid?: string;
  history: FaxAttempt[];
}

export interface FaxStatus {
  job_id: string;
  state: JobState;
  final: boolean;
  jobState: string[];
  entryTime?: string;
  billingCode?: string;
  customerReference?: string;
  delivered: number;
  failed: number;
  pending: number;
  pagesDelivered: number;
  destinations: FaxDestinationStatus[];
  /** The destinations that failed, with their reasons. */
  failures: Array<{ fax: string; ref?: string; reason: string; gammaCode?: number }>;
  /** The status document as the service sent it. */
  raw: Record<string, unknown>;
}

function decode64(v: unknown): string | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  try {
    return Buffer.from(v, 'base64').toString('utf8');
  } catch {
    return undefined;
  }
}

function optNum(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

function optStr(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;
}

export function gammaReason(code: number | undefined): string {
  if (code === undefined) return 'delivery failed';
  return `${GAMMA_REASONS[code] || 'delivery failed'} (gamma code ${code})`;
}

/** Turns the status document into one state per job and per destination, with failure reasons. */
export function normaliseFaxStatus(raw: unknown, jobId = ''): FaxStatus {
  const r = (raw && typeof raw === 'object' && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
  const jobState = Array.isArray(r.job_state) ? r.job_state.map(String) : typeof r.job_state === 'string' ? [r.job_state] : [];
  const jobFinal = jobState.some((s) => FINAL_JOB_STATES.test(s));
  const deliveries = Array.isArray(r.deliveries) ? r.deliveries : [];
  const destinations: FaxDestinationStatus[] = deliveries.map((dv) => {
    const d = (dv || {}) as Record<string, unknown>;
    const history: FaxAttempt[] = (Array.isArray(d.delivery_attempts) ? d.delivery_attempts : []).map((av) => {
      const a = (av || {}) as Record<string, unknown>;
      return {
        state: String(a.state ?? ''),
        gammaCode: optNum(a.gamma_code),
        firstAttempt: optStr(a.first_attempt),
        deliveryTime: optStr(a.delivery_time),
        deliverySec: optNum(a.delivery_sec),
        pagesDelivered: optNum(a.pages_delivered),
        baudRate: optNum(a.baud_rate),
        rcsid: optStr(a.rcsid),
      };
    });
    const done = history.filter((a) => /^(sent|error)$/i.test(a.state));
    const last = history[history.length - 1];
    const lastDone = done[done.length - 1];
    const sent = history.find((a) => /^sent$/i.test(a.state));
    let state: DestinationState;
    if (sent) state = 'delivered';
    else if (!last || /^pending$/i.test(last.state)) state = lastDone ? 'retrying' : 'pending';
    else if (/^inprocess$/i.test(last.state)) state = 'sending';
    else if (/^error$/i.test(last.state)) state = jobFinal ? 'failed' : 'retrying';
    else state = jobFinal ? 'failed' : 'sending';
    if (jobFinal && state !== 'delivered') state = 'failed';
    const info = sent || lastDone || last;
    const out: FaxDestinationStatus = {
      fax: String(d.fax ?? ''),
      state,
      delivered: state === 'delivered',
      final: state === 'delivered' || state === 'failed',
      attempts: done.length + (last && /^inprocess$/i.test(last.state) ? 1 : 0),
      pagesDelivered: sent?.pagesDelivered ?? 0,
      history,
    };
    const ref = decode64(d.ref_base64) ?? optStr(d.ref);
    if (ref !== undefined) out.ref = ref;
    if (info?.gammaCode !== undefined) out.gammaCode = info.gammaCode;
    if (state === 'failed' || state === 'retrying') out.reason = lastDone ? gammaReason(lastDone.gammaCode) : 'not delivered before the job ended';
    if (info?.firstAttempt) out.firstAttempt = info.firstAttempt;
    if (info?.deliveryTime) out.deliveryTime = info.deliveryTime;
    if (info?.deliverySec !== undefined) out.deliverySec = info.deliverySec;
    if (info?.baudRate !== undefined) out.baudRate = info.baudRate;
    if (info?.rcsid) out.rcsid = info.rcsid;
    return out;
  });
  const delivered = destinations.filter((d) => d.state === 'delivered').length;
  const failed = destinations.filter((d) => d.state === 'failed').length;
  const pending = destinations.length - delivered - failed;
  const final = jobFinal || (destinations.length > 0 && pending === 0);
  let state: JobState;
  if (!final) state = destinations.some((d) => d.state !== 'pending') ? 'sending' : 'submitted';
  else if (failed === 0) state = 'delivered';
  else if (delivered === 0) state = 'failed';
  else state = 'partially delivered';
  return {
    job_id: optStr(r.job_id) || jobId,
    state,
    final,
    jobState,
    entryTime: optStr(r.entry_time),
    billingCode: decode64(r.billing_code_base64),
    customerReference: decode64(r.customer_reference_base64),
    delivered,
    failed,
    pending,
    pagesDelivered: destinations.reduce((n, d) => n + d.pagesDelivered, 0),
    destinations,
    failures: destinations.filter((d) => d.state === 'failed').map((d) => ({ fax: d.fax, ...(d.ref !== undefined ? { ref: d.ref } : {}), reason: d.reason || 'delivery failed', ...(d.gammaCode !== undefined ? { gammaCode: d.gammaCode } : {}) })),
    raw: r,
  };
}

/** Reads a job id from text or from an object carrying `job_id` (the output of fax send). */
export function faxJobId(value: unknown): string {
  const v = value && typeof value === 'object' && !Array.isArray(value) && !Buffer.isBuffer(value) ? (value as Record<string, unknown>).job_id : value;
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) throw invalidInput('fax job id is required (for example "xsi-1234567", or the payload of fax send)');
  if (typeof v !== 'string' && typeof v !== 'number') throw invalidInput(`fax job id must be text, not ${Array.isArray(v) ? 'an array' : typeof v}`);
  const id = String(v).trim();
  if (id.length > 100 || /[\s/?#]/.test(id)) throw invalidInput(`"${id.slice(0, 40)}" is not a fax job id`);
  return id;
}

/** The normalised status of a fax job (`GET outbound/faxes/status?job_id=`). */
export async function faxStatus(client: HttpClient, jobId: string): Promise<FaxStatus> {
  const res = await client.request<Record<string, unknown>>({ operation: 'fax status', method: 'GET', path: 'outbound/faxes/status', query: { job_id: jobId } });
  return normaliseFaxStatus(res.data, jobId);
}

export interface WaitOptions {
  /** Give up after this long (ms). */
  maxWaitMs: number;
  /** First pause before the first status call (default 500 ms). */
  firstDelayMs?: number;
  /** Longest pause between status calls (default 15 s). */
  maxDelayMs?: number;
  signal?: AbortSignal;
  /** Called after every status call (for the node's status line). */
  onStatus?: (s: FaxStatus) => void;
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new OtError({ code: 'OT_UNAVAILABLE', message: 'stopped waiting for the fax status: the node was closed' }));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new OtError({ code: 'OT_UNAVAILABLE', message: 'stopped waiting for the fax status: the node was closed' }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Polls the status with back-off (x1.6 per call, capped) until the job is final or `maxWaitMs`
 * passed. Resolves with the last status and whether it timed out.
 */
export async function waitForFaxFinal(client: HttpClient, jobId: string, opts: WaitOptions): Promise<{ status: FaxStatus; timedOut: boolean; polls: number }> {
  const deadline = Date.now() + Math.max(0, opts.maxWaitMs);
  const maxDelay = Math.max(100, opts.maxDelayMs ?? 15000);
  let delay = Math.max(50, opts.firstDelayMs ?? 500);
  let polls = 0;
  for (;;) {
    const left = deadline - Date.now();
    await pause(Math.max(0, Math.min(delay, left)), opts.signal);
    const status = await faxStatus(client, jobId);
    polls++;
    opts.onStatus?.(status);
    if (status.final) return { status, timedOut: false, polls };
    if (Date.now() >= deadline) return { status, timedOut: true, polls };
    delay = Math.min(maxDelay, Math.round(delay * 1.6));
  }
}

// ---- inbound ---------------------------------------------------------------------------------------

export interface InboundFax {
  id: string;
  jobId?: string;
  senderFax?: string;
  senderCsid?: string;
  receivingFax?: string;
  pages?: number;
  receivedTime?: string;
  domain?: string;
  /** Index values the service attached (the sandbox's document type, case id, department). */
  metadata?: Record<string, unknown>;
  document: { name: string; type?: string; size: number; data: Buffer };
  /** The retrieved JSON without the document data. */
  raw: Record<string, unknown>;
}

export interface InboundQuery {
  /** Seconds the service holds the fax for us (5..3600, service default 900). */
  holdSec?: number;
  groupNo?: string;
  customer?: boolean;
  domain?: string;
}

/** Parses the retrieved document [GUESS: field names; common alternatives are accepted]. */
export function parseInboundFax(raw: unknown): InboundFax {
  const r = (raw && typeof raw === 'object' && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
  const docs = Array.isArray(r.documents) ? r.documents : [];
  const doc = (r.document && typeof r.document === 'object' ? r.document : docs[0] || {}) as Record<string, unknown>;
  const id = optStr(r.id) ?? optStr(r.document_id) ?? optStr(doc.id);
  if (!id) throw new OtError({ code: 'OT_API', message: 'next inbound fax: the answer carried no document id', operation: 'next inbound fax' });
  const b64 = optStr(doc.data) ?? optStr(r.data) ?? '';
  const data = Buffer.from(b64, 'base64');
  const { document: _document, documents: _documents, data: _data, ...rest } = r;
  return {
    id,
    jobId: optStr(r.job_id),
    senderFax: optStr(r.sender_fax) ?? optStr(r.ani) ?? optStr(r.from),
    senderCsid: optStr(r.sender_csid) ?? optStr(r.csid),
    receivingFax: optStr(r.receiving_fax) ?? optStr(r.dnis) ?? optStr(r.to),
    pages: optNum(r.pages),
    receivedTime: optStr(r.received_time),
    domain: optStr(r.domain),
    metadata: r.metadata && typeof r.metadata === 'object' && !Array.isArray(r.metadata) ? (r.metadata as Record<string, unknown>) : undefined,
    document: { name: optStr(doc.name) || `fax-${id}.pdf`, type: optStr(doc.type), size: data.length, data },
    raw: rest,
  };
}

/** Takes the oldest waiting inbound fax and holds it for `holdSec`; undefined when none (204). */
export async function nextInboundFax(client: HttpClient, q: InboundQuery = {}): Promise<InboundFax | undefined> {
  const res = await client.request<unknown>({
    operation: 'next inbound fax',
    method: 'GET',
    path: 'inbound/documents/next',
    query: { hold_sec: q.holdSec, group_no: q.groupNo || undefined, customer: q.customer ? 'true' : undefined, domain: q.domain || undefined },
  });
  if (res.status === 204 || res.data === '' || res.data === undefined || res.data === null) return undefined;
  return parseInboundFax(res.data);
}

type ReleaseListener = (id: string) => void;
const releaseListeners = new Set<ReleaseListener>();

/** Subscribes to successful releases (fax in forgets released ids). Returns the unsubscribe. */
export function onInboundFaxReleased(listener: ReleaseListener): () => void {
  releaseListeners.add(listener);
  return () => releaseListeners.delete(listener);
}

/**
 * Releases (deletes) an inbound fax from the queue so it is not delivered again
 * [GUESS: DELETE inbound/documents/{id}]. An unknown or already released id fails with
 * OT_NOT_FOUND, except when our own earlier attempt of this call went through (a retry after a
 * lost answer).
 */
export async function releaseInboundFax(client: HttpClient, id: string): Promise<{ id: string; released: true }> {
  const faxId = String(id ?? '').trim();
  if (!faxId) throw invalidInput('fax id is required (msg.faxId from fax in)');
  if (faxId.length > 100 || /[\s/?#]/.test(faxId)) throw invalidInput(`"${faxId.slice(0, 40)}" is not an inbound fax id`);
  try {
    await client.request({ operation: 'release inbound fax', method: 'DELETE', path: `inbound/documents/${encodeURIComponent(faxId)}` });
  } catch (e) {
    if (!(e instanceof OtError && e.code === 'OT_NOT_FOUND' && (e.attempts || 1) > 1)) throw e;
  }
  for (const l of releaseListeners) {
    try {
      l(faxId);
    } catch {
      /* a listener's problem is not the release's */
    }
  }
  return { id: faxId, released: true };
}

export interface InboundDelivery {
  fax: InboundFax;
  /** True when this fax was emitted before and came back because it was not released in time. */
  redelivery: boolean;
  /** 1 for the first emission, 2 for the first redelivery, ... */
  attempt: number;
  /** Until when (local time, ms) the service holds it for this attempt. */
  heldUntil: number;
}

export interface InboundPollOptions extends InboundQuery {
  holdSec: number;
  /** At most this many retrievals per poll. */
  maxPerPoll: number;
  now?: () => number;
}

/**
 * One poll of the inbound queue: takes up to `maxPerPoll` faxes and emits each one that is not in
 * flight. The SeenStore remembers each emitted id with the end of its hold: a fax seen again before
 * that time is still being processed by the flow and is not emitted twice; a fax seen again after
 * it was not released within its hold, so the earlier attempt failed, and it is emitted again as a
 * redelivery. Released ids are forgotten.
 */
export async function pollInboundFaxes(client: HttpClient, store: SeenStore, opts: InboundPollOptions, emit: (d: InboundDelivery) => void): Promise<{ emitted: number; inFlight: number }> {
  const now = opts.now || Date.now;
  await store.load();
  let emitted = 0;
  let inFlight = 0;
  try {
    for (let i = 0; i < Math.max(1, opts.maxPerPoll); i++) {
      const f = await nextInboundFax(client, opts);
      if (!f) break;
      const prev = /^(\d+):(\d+)$/.exec(store.get(f.id) || '');
      const t = now();
      if (prev && t < Number(prev[1])) {
        inFlight++;
        continue;
      }
      const attempt = prev ? Number(prev[2]) + 1 : 1;
      const heldUntil = t + opts.holdSec * 1000;
      store.mark(f.id, `${heldUntil}:${attempt}`);
      emitted++;
      emit({ fax: f, redelivery: !!prev, attempt, heldUntil });
    }
  } finally {
    await store.save();
  }
  return { emitted, inFlight };
}
