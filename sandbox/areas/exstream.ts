/**
 * OpenText Exstream: the cloud-native orchestration service (on-demand generate, named on-demand
 * and batch inputs, Empower fulfilment, version), the design service listings an editor needs
 * (domains, resources, links, communication-set manifests), and the 16.x Communications Server
 * service gateway (`/<tenant>/sgw/v1/communications`). Documents are real PDF files (sandbox/pdf.ts)
 * that show the communication and the driver data. Delivery-exception events are injected with
 * `POST /_sandbox/exstream-event` and posted to the webhook registered as kind "exstream".
 *
 * Sources: OpenText's Postman collection and Communications SDK (opentext/ocp-communication), the
 * API reference §4. [GUESS] marks behaviour the public material does not show.
 */
import crypto from 'crypto';
import { Area, Ctx, HttpError, Reply, SandboxApp } from '../server';
import { requireBearer, validateOtdsTicket } from './otds';
import { writePdf } from '../pdf';

// ---- state -----------------------------------------------------------------------------------------

export interface OutputDef {
  queueName: string;
  title: string;
  /** File name template: {customerNumber}, {segment}, {documentId}, {n}. */
  fileName: string;
}

export interface Communication {
  id: string;
  name: string;
  description?: string;
  version: number;
  /** Design domain (default: the first domain). */
  domain?: string;
  communicationSetId: string;
  dataSourceId: string;
  /** The prodDsn of the driver: the value of the driverDataSource header. */
  driverDataSource: string;
  /** Name of the named on-demand input service bound to this communication. [GUESS] */
  onDemandInput?: string;
  /** Name of the batch input service bound to this communication. [GUESS] */
  batchInput?: string;
  /** 16.x service gateway name and version. [GUESS] */
  sgw?: { name: string; version: number };
  /** A driver field that picks the letter variant (Payment Reminder). */
  segmentField?: string;
  segments?: Record<string, string>;
  outputs: OutputDef[];
}

export interface DasDomain {
  id: string;
  production: boolean;
  jobTracing: boolean;
  workflow: string;
  restrictApproval: boolean;
  parent: string | null;
}

export type InputKind = 'generate' | 'ondemand' | 'batch' | 'fulfill' | 'sgw';

export interface GeneratedDocument {
  id: string;
  domain: string;
  communicationId: string;
  communication: string;
  input: InputKind;
  inputServiceName?: string;
  queueName: string;
  fileName: string;
  mimeType: string;
  size: number;
  sha256: string;
  customerNumber?: string;
  segment?: string;
  /** The delivery channel the driver data asks for (EX-6: push, email, print, ...), from `channelFields`. */
  channel?: string;
  correlationId?: string;
  jobId?: string;
  /** The first driver fields, "key=value; ...". */
  driverSummary: string;
  created: string;
  content: Buffer;
}

export interface GenerationFailure {
  time: string;
  domain: string;
  communicationId: string;
  communication: string;
  input: InputKind;
  customerNumber?: string;
  reason: string;
  correlationId?: string;
  jobId?: string;
}

export interface BatchJob {
  jobId: string;
  id: string;
  domain: string;
  inputServiceName: string;
  communicationId: string;
  communication: string;
  /** COMPLETED, COMPLETED_WITH_ERRORS or FAILED: the sandbox runs a batch at once. [GUESS] */
  status: 'COMPLETED' | 'COMPLETED_WITH_ERRORS' | 'FAILED';
  submitted: string;
  records: number;
  documents: string[];
  failures: Array<{ customerNumber?: string; reason: string }>;
  correlationId?: string;
}

export interface EmpowerDocument {
  documentId: string;
  domain: string;
  communicationId: string;
  communication: string;
  empowerUser: string;
  customerNumber?: string;
  record: unknown;
  created: string;
}

export type ExceptionType = 'failed_print' | 'undeliverable_email' | 'rejected_communication';

/** The event posted to the "exstream" webhook (this shape is the sandbox's own; the event-in node normalises it). */
export interface DeliveryExceptionEvent {
  eventType: 'DELIVERY_EXCEPTION';
  eventId: string;
  exceptionType: ExceptionType;
  communicationId: string;
  documentType: string;
  customerReference: string;
  channel: 'print' | 'email' | 'sms';
  reason: string;
  timestamp: string;
}

export interface ExstreamState {
  version: Record<string, string>;
  domains: DasDomain[];
  communications: Communication[];
  sgwTenants: string[];
  customerFields: string[];
  /** Driver fields naming the delivery channel (first one present wins). */
  channelFields: string[];
  failureField: string;
  failingCustomers: string[];
  failureStatus: number;
  failureReason: string;
  documents: GeneratedDocument[];
  failures: GenerationFailure[];
  jobs: BatchJob[];
  empower: Map<string, EmpowerDocument>;
  events: Array<DeliveryExceptionEvent & { delivered: boolean }>;
  requests: number;
}

const MAX_KEPT = 2000;

export function exstream(app: SandboxApp): ExstreamState {
  return app.area<ExstreamState>('exstream');
}

// ---- errors ----------------------------------------------------------------------------------------

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  406: 'Not Acceptable',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
};

/** Spring Boot's error body, as the Exstream services answer (timestamp in epoch ms per the SDK's ExstreamErrorResponse). */
function springBody(ctx: Ctx, status: number, message: string): Record<string, unknown> {
  return { timestamp: ctx.now(), status, error: REASONS[status] || 'Error', message, path: ctx.path };
}

function springError(ctx: Ctx, status: number, message: string): HttpError {
  return new HttpError({ status, body: springBody(ctx, status, message) });
}

function bearer(ctx: Ctx): string {
  return requireBearer(ctx, (m) => springBody(ctx, 401, m));
}

/** Spring's MissingRequestHeaderException text. */
function requireHeader(ctx: Ctx, name: string): string {
  const v = ctx.req.headers[name.toLowerCase()];
  const s = Array.isArray(v) ? v[0] : v;
  if (s === undefined || String(s).trim() === '') {
    throw springError(ctx, 400, `Required request header '${name}' for method parameter type String is not present`);
  }
  return String(s).trim();
}

function header(ctx: Ctx, name: string): string | undefined {
  const v = ctx.req.headers[name.toLowerCase()];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || String(s).trim() === '' ? undefined : String(s).trim();
}

function domainOf(ctx: Ctx, s: ExstreamState, id: string): DasDomain {
  const d = s.domains.find((x) => x.id === id);
  if (!d) throw springError(ctx, 404, `Domain '${id}' was not found`); // [GUESS] text
  return d;
}

function commsIn(s: ExstreamState, domain: string): Communication[] {
  const first = s.domains[0]?.id;
  return s.communications.filter((c) => (c.domain || first) === domain);
}

// ---- driver data -------------------------------------------------------------------------------------

/** Flattens driver data into "a.b[0].c" = value pairs (at most 500). */
export function flatten(v: unknown, prefix = '', out: Array<[string, string]> = [], depth = 0): Array<[string, string]> {
  if (out.length >= 500 || depth > 20) return out;
  if (v === null || v === undefined) {
    if (prefix) out.push([prefix, '']);
  } else if (Array.isArray(v)) {
    if (!v.length && prefix) out.push([prefix, '']);
    v.forEach((x, i) => flatten(x, `${prefix}[${i}]`, out, depth + 1));
  } else if (typeof v === 'object') {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) flatten(x, prefix ? `${prefix}.${k}` : k, out, depth + 1);
  } else {
    out.push([prefix || 'value', String(v)]);
  }
  return out;
}

function field(flat: Array<[string, string]>, name: string): string | undefined {
  const n = name.toLowerCase();
  const hit = flat.find(([k]) => (k.split('.').pop() || '').replace(/\[\d+\]$/, '').toLowerCase() === n);
  return hit ? hit[1] : undefined;
}

interface XNode {
  name: string;
  attrs: Array<[string, string]>;
  children: XNode[];
  text: string;
}

function decodeEntities(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_m, e: string) => {
    if (e === 'lt') return '<';
    if (e === 'gt') return '>';
    if (e === 'amp') return '&';
    if (e === 'quot') return '"';
    if (e === 'apos') return "'";
    const code = e.startsWith('#x') ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : '';
  });
}

const SAFE = (k: string) => (k === '__proto__' || k === 'constructor' || k === 'prototype' ? `_${k}` : k);

function xmlValue(n: XNode): unknown {
  if (!n.children.length && !n.attrs.length) return n.text.trim();
  const o: Record<string, unknown> = {};
  for (const [k, v] of n.attrs) o[SAFE('@' + k)] = v;
  for (const c of n.children) {
    const key = SAFE(c.name);
    const v = xmlValue(c);
    if (Object.prototype.hasOwnProperty.call(o, key)) {
      const cur = o[key];
      o[key] = Array.isArray(cur) ? [...cur, v] : [cur, v];
    } else o[key] = v;
  }
  if (!n.children.length && n.text.trim()) o['#text'] = n.text.trim();
  return o;
}

/** A small, strict XML reader for driver files: elements, attributes, text, CDATA; no DTDs. */
export function parseXml(text: string): Record<string, unknown> {
  const s = text.replace(/^\uFEFF/, '').replace(/<\?[\s\S]*?\?>/g, '').replace(/<!--[\s\S]*?-->/g, '');
  if (/<!DOCTYPE/i.test(s)) throw new Error('DOCTYPE declarations are not allowed');
  const re = /<!\[CDATA\[([\s\S]*?)\]\]>|<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)|(<)/g;
  const stack: XNode[] = [];
  let root: XNode | undefined;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    const top = stack[stack.length - 1];
    if (m[1] !== undefined) {
      if (!top) throw new Error('CDATA outside the root element');
      top.text += m[1];
    } else if (m[7] !== undefined) {
      throw new Error(`malformed markup at character ${m.index}`);
    } else if (m[6] !== undefined) {
      if (!top) {
        if (m[6].trim()) throw new Error('text outside the root element');
      } else top.text += decodeEntities(m[6]);
    } else if (m[2] === '/') {
      const open = stack.pop();
      if (!open || open.name !== m[3]) throw new Error(`unexpected closing tag </${m[3]}>`);
      if (!stack.length) root = open;
    } else {
      if (!stack.length && root) throw new Error('more than one root element');
      const attrs: Array<[string, string]> = [];
      const ar = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
      for (let a = ar.exec(m[4]); a; a = ar.exec(m[4])) attrs.push([a[1], decodeEntities(a[2] ?? a[3] ?? '')]);
      const node: XNode = { name: m[3], attrs, children: [], text: '' };
      if (top) top.children.push(node);
      if (m[5] === '/') {
        if (!top) root = node;
      } else stack.push(node);
    }
  }
  if (stack.length) throw new Error(`<${stack[stack.length - 1].name}> is not closed`);
  if (!root) throw new Error('no root element');
  return { [SAFE(root.name)]: xmlValue(root) };
}

type DriverFormat = 'json' | 'xml';

function formatOf(contentType: string): DriverFormat | undefined {
  const ct = contentType.split(';')[0].trim().toLowerCase();
  if (ct === 'application/json' || ct.endsWith('+json')) return 'json';
  if (ct === 'application/xml' || ct === 'text/xml' || ct.endsWith('+xml')) return 'xml';
  return undefined;
}

/** The driver document of a request body (JSON or XML per Content-Type), or Spring's 400/415. */
function readDriver(ctx: Ctx): { format: DriverFormat; value: unknown } {
  const format = formatOf(ctx.contentType);
  if (!format) throw springError(ctx, 415, `Content-Type '${ctx.contentType || ''}' is not supported`);
  if (format === 'json') {
    if ((ctx as Ctx & { jsonError?: boolean }).jsonError) {
      let detail = 'invalid JSON';
      try {
        JSON.parse(ctx.raw?.toString('utf8') || '');
      } catch (e) {
        detail = (e as Error).message;
      }
      throw springError(ctx, 400, `JSON parse error: ${detail}`);
    }
    if (ctx.json === undefined) throw springError(ctx, 400, 'Required request body is missing');
    return { format, value: ctx.json };
  }
  const text = ctx.raw?.toString('utf8') || '';
  if (!text.trim()) throw springError(ctx, 400, 'Required request body is missing');
  try {
    return { format, value: parseXml(text) };
  } catch (e) {
    throw springError(ctx, 400, `XML parse error: ${(e as Error).message}`);
  }
}

/** One driver record per customer: on-demand takes an object or an array of objects. */
function onDemandRecords(ctx: Ctx, value: unknown): unknown[] {
  if (Array.isArray(value)) {
    if (!value.length || value.some((r) => !r || typeof r !== 'object' || Array.isArray(r))) throw springError(ctx, 400, 'The driver data must be a JSON object or an array of JSON objects');
    return value;
  }
  if (!value || typeof value !== 'object') throw springError(ctx, 400, 'The driver data must be a JSON object or an array of JSON objects');
  return [value];
}

/** Batch: an array, or an object whose only member is an array of records ({"customers": [...]}, <customers><customer/>...). */
function batchRecords(ctx: Ctx, value: unknown): unknown[] {
  if (Array.isArray(value)) return onDemandRecords(ctx, value);
  if (value && typeof value === 'object') {
    let v = value as Record<string, unknown>;
    // XML: the root element wraps the record list.
    const keys = Object.keys(v);
    if (keys.length === 1 && v[keys[0]] && typeof v[keys[0]] === 'object' && !Array.isArray(v[keys[0]])) {
      const inner = v[keys[0]] as Record<string, unknown>;
      const ik = Object.keys(inner);
      if (ik.length === 1 && Array.isArray(inner[ik[0]])) return (inner[ik[0]] as unknown[]).map((r) => ({ [ik[0]]: r }));
      if (ik.length === 1 && inner[ik[0]] && typeof inner[ik[0]] === 'object') v = inner;
    }
    const k2 = Object.keys(v);
    if (k2.length === 1 && Array.isArray(v[k2[0]]) && (v[k2[0]] as unknown[]).every((r) => r && typeof r === 'object')) return onDemandRecords(ctx, v[k2[0]]);
    return [value];
  }
  throw springError(ctx, 400, 'The driver data must be a JSON object or an array of JSON objects');
}

// ---- composition -----------------------------------------------------------------------------------

interface Composed {
  doc: GeneratedDocument;
  mimeType: string;
}

interface Context {
  domain: string;
  input: InputKind;
  inputServiceName?: string;
  correlationId?: string;
  jobId?: string;
  empowerUser?: string;
}

type Outcome = { ok: true; outputs: Composed[]; customerNumber?: string } | { ok: false; failure: GenerationFailure; queueName: string; fileName: string };

function fill(template: string, vars: Record<string, string | undefined>): string {
  return template.replace(/\{(\w+)\}/g, (_m, k: string) => vars[k] || 'unknown').replace(/[^\w.\- ]+/g, '_');
}

function isTrue(v: string | undefined): boolean {
  return v !== undefined && v !== '' && v.toLowerCase() !== 'false' && v !== '0';
}

/** Runs the "engine" for one record of one communication: PDFs (or an Empower document), or a failure. */
function compose(app: SandboxApp, s: ExstreamState, comm: Communication, record: unknown, c: Context): Outcome {
  const flat = flatten(record);
  const customerNumber = s.customerFields.map((f) => field(flat, f)).find((v) => v !== undefined && v !== '');
  const channel = s.channelFields.map((f) => field(flat, f)).find((v) => v !== undefined && v !== '');
  const now = new Date(app.now()).toISOString();
  const fail = (reason: string, queueName = comm.outputs[0]?.queueName || '', fileName = ''): Outcome => ({
    ok: false,
    queueName,
    fileName,
    failure: { time: now, domain: c.domain, communicationId: comm.id, communication: comm.name, input: c.input, customerNumber, reason, correlationId: c.correlationId, jobId: c.jobId },
  });
  const flag = field(flat, s.failureField);
  if (isTrue(flag) || (customerNumber && s.failingCustomers.includes(customerNumber))) {
    const reason = flag && isTrue(flag) && flag.toLowerCase() !== 'true' ? flag : s.failureReason.replace('{customerNumber}', customerNumber || 'unknown');
    return fail(reason);
  }
  let segment: string | undefined;
  if (comm.segments && comm.segmentField) {
    segment = field(flat, comm.segmentField);
    const allowed = Object.keys(comm.segments);
    if (!segment) return fail(`${comm.name}: the driver field '${comm.segmentField}' is required (one of ${allowed.join(', ')})`);
    if (!comm.segments[segment]) return fail(`${comm.name}: unknown ${comm.segmentField} '${segment}' (one of ${allowed.join(', ')})`);
  }
  const summary = flat
    .slice(0, 6)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ')
    .slice(0, 200);
  const outputs: Composed[] = [];
  const defs = c.empowerUser ? [{ queueName: 'Empower', title: comm.name, fileName: `${comm.name.replace(/\W+/g, '-').toLowerCase()}-{customerNumber}.mpw` }] : comm.outputs;
  defs.forEach((o, n) => {
    const id = crypto.randomUUID();
    const fileName = fill(o.fileName, { customerNumber, segment, documentId: id, n: String(n + 1) });
    let content: Buffer;
    let mimeType: string;
    if (c.empowerUser) {
      mimeType = 'application/vnd.exstream-empower';
      content = Buffer.from(JSON.stringify({ documentId: id, communication: comm.name, empowerUser: c.empowerUser, data: record }));
      s.empower.set(id, { documentId: id, domain: c.domain, communicationId: comm.id, communication: comm.name, empowerUser: c.empowerUser, customerNumber, record, created: now });
    } else {
      mimeType = 'application/pdf';
      const title = segment && comm.segments ? comm.segments[segment] : o.title;
      const lines = [
        `Communication: ${comm.name} (version ${comm.version})`,
        `Output: ${o.queueName}`,
        ...(customerNumber ? [`Customer: ${customerNumber}`] : []),
        ...(segment ? [`Segment: ${segment}`] : []),
        ...(channel ? [`Channel: ${channel}`] : []),
        `Document id: ${id}`,
        `Generated: ${now}`,
        ...(c.correlationId ? [`Correlation id: ${c.correlationId}`] : []),
        '',
        'Driver data:',
        ...flat.map(([k, v]) => `${k}: ${v}`),
      ];
      content = writePdf({ title, lines, subject: comm.name, author: 'OpenText Exstream (sandbox)', created: new Date(app.now()) });
    }
    outputs.push({
      mimeType,
      doc: {
        id,
        domain: c.domain,
        communicationId: comm.id,
        communication: comm.name,
        input: c.input,
        inputServiceName: c.inputServiceName,
        queueName: o.queueName,
        fileName,
        mimeType,
        size: content.length,
        sha256: crypto.createHash('sha256').update(content).digest('hex'),
        customerNumber,
        segment,
        channel,
        correlationId: c.correlationId,
        jobId: c.jobId,
        driverSummary: summary,
        created: now,
        content,
      },
    });
  });
  return { ok: true, outputs, customerNumber };
}

function keep<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > MAX_KEPT) list.splice(0, list.length - MAX_KEPT);
}

function engineOutputContext(d: { queueName: string; fileName: string; customerNumber?: string }) {
  return { queueName: d.queueName, fileName: d.fileName, customerNumber: d.customerNumber ?? null };
}

/** The orchestration error body: the full response shape with status "error" (SDK OrchestrationErrorData). [GUESS: HTTP status] */
function orchestrationFailure(s: ExstreamState, failures: Array<Extract<Outcome, { ok: false }>>): HttpError {
  const status = s.failureStatus || 500;
  return new HttpError({
    status,
    body: {
      status: 'error',
      data: failures.map((f) => ({ errorMessage: f.failure.reason, statusCode: String(status), engineOutputContext: engineOutputContext({ queueName: f.queueName, fileName: f.fileName, customerNumber: f.failure.customerNumber }) })),
    },
  });
}

/** Runs every record; all-or-nothing for on-demand requests (a failed engine run stores nothing). */
function runOnDemand(ctx: Ctx, s: ExstreamState, comm: Communication, records: unknown[], c: Context): Composed[] {
  const outcomes = records.map((r) => compose(ctx.app, s, comm, r, c));
  const failed = outcomes.filter((o): o is Extract<Outcome, { ok: false }> => !o.ok);
  if (failed.length) {
    for (const f of failed) keep(s.failures, f.failure);
    for (const o of outcomes) if (o.ok) for (const out of o.outputs) s.empower.delete(out.doc.id);
    throw orchestrationFailure(s, failed);
  }
  const all = outcomes.flatMap((o) => (o.ok ? o.outputs : []));
  for (const o of all) keep(s.documents, o.doc);
  return all;
}

/** Chooses the response representation from Accept (Spring content negotiation, simplified). */
function negotiate(ctx: Ctx): 'json' | 'pdf' | 'full' {
  const accept = String(ctx.req.headers.accept || '*/*');
  const types = accept
    .split(',')
    .map((t) => {
      const [type, ...params] = t.trim().toLowerCase().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { type: type.trim(), q: q ? Number(q.slice(2)) : 1 };
    })
    .filter((t) => t.type && t.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const t of types) {
    if (t.type === 'application/pdf') return 'pdf';
    if (t.type === 'application/json') return 'json';
    if (t.type === '*/*' || t.type === 'application/*') return 'full';
  }
  throw springError(ctx, 406, 'Could not find acceptable representation');
}

function respond(ctx: Ctx, outputs: Composed[], empower: boolean): Reply {
  const how = negotiate(ctx);
  if (how === 'pdf') {
    const pdf = outputs.find((o) => o.mimeType === 'application/pdf');
    if (!pdf) throw springError(ctx, 406, 'Could not find acceptable representation');
    // [GUESS] Content-Disposition: the public material does not show whether the PDF-only answer names the file.
    return { status: 200, contentType: 'application/pdf', body: pdf.doc.content, headers: { 'Content-Disposition': `inline; filename="${pdf.doc.fileName}"` } };
  }
  if (how === 'json' && empower) {
    // Postman: "Generate Empower document ... Document ID only" answers exactly application/json with {documentId}.
    return { status: 200, contentType: 'application/json', body: Buffer.from(JSON.stringify({ documentId: outputs[0].doc.id })) };
  }
  return {
    status: 200,
    body: {
      status: 'success',
      data: outputs.map((o) => ({ content: o.doc.content.toString('base64'), mimeType: o.mimeType, engineOutputContext: engineOutputContext(o.doc) })),
    },
  };
}

function correlationOf(ctx: Ctx, value: unknown): string | undefined {
  // [GUESS] X-Correlation-Id: a common convention; the sandbox also reads a driver field "correlationId".
  const h = header(ctx, 'x-correlation-id');
  if (h) return h.slice(0, 200);
  const f = field(flatten(value).slice(0, 500), 'correlationId');
  return f ? f.slice(0, 200) : undefined;
}

// ---- design service (DAS) ---------------------------------------------------------------------------

interface DasResource {
  id: string;
  version: number;
  name: string;
  type: string;
  state: string;
  stateComment: string | null;
  description: string;
  createdBy: string;
  createdDate: string;
  lastModifiedBy: string;
  lastModifiedDate: string;
  metadata: { subtype: string | null };
  locked: boolean;
}

const CREATED = '2026-01-05T09:00:00.000Z';

function resourcesOf(s: ExstreamState, domain: string): DasResource[] {
  const base = { state: 'APPROVED', stateComment: null, createdBy: 'exstream', createdDate: CREATED, lastModifiedBy: 'exstream', lastModifiedDate: CREATED, locked: false };
  return commsIn(s, domain).flatMap((c) => [
    { ...base, id: c.id, version: c.version, name: c.name, type: 'exstrapplication', description: c.description || '', metadata: { subtype: null } },
    { ...base, id: c.communicationSetId, version: 1, name: `${c.name} communication set`, type: 'exstrcommunicationset', description: '', metadata: { subtype: null } },
    { ...base, id: c.dataSourceId, version: 1, name: c.driverDataSource, type: 'exstrdatasource', description: `Driver of ${c.name}`, metadata: { subtype: 'driver' } },
  ]);
}

interface Link {
  linkSubjectId: string;
  subjectVersion: number;
  linkObjectId: string;
  typeId: string;
}

function linksOf(s: ExstreamState, domain: string): Link[] {
  return commsIn(s, domain).flatMap((c) => [
    { linkSubjectId: c.id, subjectVersion: c.version, linkObjectId: c.communicationSetId, typeId: 'exstrcommunicationset' },
    { linkSubjectId: c.communicationSetId, subjectVersion: 1, linkObjectId: c.dataSourceId, typeId: 'exstrdatasource' },
  ]);
}

function listParam(ctx: Ctx, name: string): string[] | undefined {
  const all = ctx.queryAll[name];
  if (!all) return undefined;
  return all.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

function intParam(ctx: Ctx, name: string, def: number, min: number, max: number): number {
  const v = ctx.query[name];
  if (v === undefined || v === '') return def;
  if (!/^-?\d+$/.test(v)) throw springError(ctx, 400, `Failed to convert value of type 'java.lang.String' to required type 'int'; For input string: "${v}"`);
  const n = Number(v);
  if (n < min || n > max) throw springError(ctx, 400, `${name} must be between ${min} and ${max}`);
  return n;
}

/** ExstreamPageResponse: {status, data, page{pageSize,pageOffset,totalElements,totalPages,currentPageNumber}}; offset is the 0-based page index. */
function page<T>(ctx: Ctx, items: T[]): Reply {
  const count = intParam(ctx, 'count', 100, 1, 1000);
  const offset = intParam(ctx, 'offset', 0, 0, 1_000_000);
  const data = items.slice(offset * count, offset * count + count);
  return { status: 200, body: { status: 'success', data, page: { pageSize: count, pageOffset: offset, totalElements: items.length, totalPages: Math.ceil(items.length / count), currentPageNumber: offset } } };
}

function filterResources(list: DasResource[], types?: string[], states?: string[]): DasResource[] {
  return list.filter((r) => (!types || types.includes(r.type)) && (!states || states.includes(r.state)));
}

// ---- routes ------------------------------------------------------------------------------------------

const ORCH = '/orchestration/api/v1';

function generateRoute(ctx: Ctx): Reply {
  const s = exstream(ctx.app);
  s.requests++;
  bearer(ctx);
  const communicationId = requireHeader(ctx, 'communicationId');
  const driverDataSource = requireHeader(ctx, 'driverDataSource');
  const empowerUser = header(ctx, 'empowerUser');
  const driver = readDriver(ctx);
  const domain = domainOf(ctx, s, ctx.params.domain).id;
  const comm = commsIn(s, domain).find((c) => c.id === communicationId);
  // [GUESS] status and text for an unknown communication / driver name.
  if (!comm) throw springError(ctx, 404, `Communication '${communicationId}' was not found in domain '${domain}'`);
  if (comm.driverDataSource !== driverDataSource) throw springError(ctx, 400, `Driver data source '${driverDataSource}' is not defined for communication '${comm.name}' (expected '${comm.driverDataSource}')`);
  const records = onDemandRecords(ctx, driver.value);
  const accept = negotiate(ctx);
  if (empowerUser && accept === 'pdf') throw springError(ctx, 406, 'Could not find acceptable representation');
  const outputs = runOnDemand(ctx, s, comm, records, { domain, input: 'generate', correlationId: correlationOf(ctx, driver.value), empowerUser });
  return respond(ctx, outputs, !!empowerUser);
}

/**
 * The start of a route on a named input service (`{domain}/{inputServiceName}`): counts the
 * request, checks the bearer token, reads the driver and finds the communication whose on-demand
 * or batch input service has that name (404 when none: [GUESS] status and text).
 */
function namedInput(ctx: Ctx, kind: 'onDemandInput' | 'batchInput') {
  const s = exstream(ctx.app);
  s.requests++;
  bearer(ctx);
  const driver = readDriver(ctx);
  const domain = domainOf(ctx, s, ctx.params.domain).id;
  const name = ctx.params.inputServiceName;
  const comm = commsIn(s, domain).find((c) => c[kind] === name);
  if (!comm) throw springError(ctx, 404, `No ${kind === 'batchInput' ? 'batch' : 'on-demand'} input service '${name}' in domain '${domain}'`);
  return { s, driver, domain, name, comm };
}

function namedOnDemandRoute(ctx: Ctx): Reply {
  const { s, driver, domain, name, comm } = namedInput(ctx, 'onDemandInput');
  const records = onDemandRecords(ctx, driver.value);
  negotiate(ctx);
  const outputs = runOnDemand(ctx, s, comm, records, { domain, input: 'ondemand', inputServiceName: name, correlationId: correlationOf(ctx, driver.value) });
  return respond(ctx, outputs, false);
}

function batchRoute(ctx: Ctx): Reply {
  const { s, driver, domain, name, comm } = namedInput(ctx, 'batchInput');
  const records = batchRecords(ctx, driver.value);
  const jobId = crypto.randomUUID();
  const id = crypto.randomUUID();
  const correlationId = correlationOf(ctx, driver.value);
  const job: BatchJob = { jobId, id, domain, inputServiceName: name, communicationId: comm.id, communication: comm.name, status: 'COMPLETED', submitted: new Date(ctx.now()).toISOString(), records: records.length, documents: [], failures: [], correlationId };
  for (const r of records) {
    const o = compose(ctx.app, s, comm, r, { domain, input: 'batch', inputServiceName: name, correlationId, jobId });
    if (o.ok) {
      for (const out of o.outputs) {
        keep(s.documents, out.doc);
        job.documents.push(out.doc.id);
      }
    } else {
      keep(s.failures, o.failure);
      job.failures.push({ customerNumber: o.failure.customerNumber, reason: o.failure.reason });
    }
  }
  if (job.failures.length) job.status = job.documents.length ? 'COMPLETED_WITH_ERRORS' : 'FAILED';
  keep(s.jobs, job);
  // 4.2: {"data":[{"jobId","id"}]}; the batch runs asynchronously on a real system (outputs land in the job's folder).
  return { status: 200, body: { status: 'success', data: [{ jobId, id }] } };
}

function fulfillRoute(ctx: Ctx): Reply {
  const s = exstream(ctx.app);
  s.requests++;
  bearer(ctx);
  const communicationId = requireHeader(ctx, 'communicationId');
  const driverDataSource = requireHeader(ctx, 'driverDataSource');
  const preserve = String(header(ctx, 'preserveDocuments') ?? 'true').toLowerCase() !== 'false';
  if (formatOf(ctx.contentType) !== 'json') throw springError(ctx, 415, `Content-Type '${ctx.contentType || ''}' is not supported`);
  const driver = readDriver(ctx);
  const b = driver.value as Record<string, unknown> | undefined;
  const docs = b && typeof b === 'object' && !Array.isArray(b) ? b.documents : undefined;
  if (!Array.isArray(docs) || !docs.length || docs.some((d) => typeof d !== 'string')) throw springError(ctx, 400, "The field 'documents' must be a non-empty array of Empower document ids");
  const domain = domainOf(ctx, s, ctx.params.domain).id;
  const comm = commsIn(s, domain).find((c) => c.id === communicationId);
  if (!comm) throw springError(ctx, 404, `Communication '${communicationId}' was not found in domain '${domain}'`);
  if (comm.driverDataSource !== driverDataSource) throw springError(ctx, 400, `Driver data source '${driverDataSource}' is not defined for communication '${comm.name}' (expected '${comm.driverDataSource}')`);
  const found = (docs as string[]).map((id) => s.empower.get(id));
  const missing = (docs as string[]).filter((_id, i) => !found[i] || found[i]!.domain !== domain);
  if (missing.length) throw springError(ctx, 404, `Empower document(s) not found: ${missing.join(', ')}`);
  negotiate(ctx);
  const outputs: Composed[] = [];
  const failed: Array<Extract<Outcome, { ok: false }>> = [];
  for (const d of found as EmpowerDocument[]) {
    const source = s.communications.find((c) => c.id === d.communicationId) || comm;
    const o = compose(ctx.app, s, source, d.record, { domain, input: 'fulfill', correlationId: header(ctx, 'x-correlation-id') });
    if (o.ok) outputs.push(...o.outputs);
    else failed.push(o);
  }
  if (failed.length) {
    for (const f of failed) keep(s.failures, f.failure);
    throw orchestrationFailure(s, failed);
  }
  for (const o of outputs) keep(s.documents, o.doc);
  if (!preserve) for (const id of docs as string[]) s.empower.delete(id);
  return respond(ctx, outputs, false);
}

function sgwRoute(ctx: Ctx): Reply {
  const s = exstream(ctx.app);
  s.requests++;
  // [GUESS] 16.x: 401 with a Spring-style body when the OTDS ticket is missing or invalid.
  const ticket = header(ctx, 'otdsticket');
  if (!ticket || !validateOtdsTicket(ctx.app, ticket)) throw springError(ctx, 401, ticket ? 'The OTDS ticket is invalid or has expired' : 'An OTDSTicket header is required');
  const tenant = ctx.params.tenant;
  if (!s.sgwTenants.includes(tenant)) throw springError(ctx, 404, `Tenant '${tenant}' was not found`);
  if (formatOf(ctx.contentType) !== 'json') throw springError(ctx, 415, `Content-Type '${ctx.contentType || ''}' is not supported`);
  const body = readDriver(ctx).value as Record<string, unknown>;
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw springError(ctx, 400, 'The request body must be a JSON object {contentType, data}');
  const name = ctx.query.name;
  if (!name) throw springError(ctx, 400, "Required request parameter 'name' for method parameter type String is not present");
  const version = ctx.query.version;
  if (version !== undefined && !/^\d+$/.test(version)) throw springError(ctx, 400, `Failed to convert value of type 'java.lang.String' to required type 'int'; For input string: "${version}"`);
  const comm = s.communications.find((c) => c.sgw?.name === name);
  if (!comm || (version !== undefined && Number(version) !== comm.sgw!.version)) throw springError(ctx, 404, `Communication '${name}'${version ? ` version ${version}` : ''} was not found`);
  if (typeof body.data !== 'string' || !body.data) throw springError(ctx, 400, "The field 'data' (the base64 driver file) is required");
  if (!/^[A-Za-z0-9+/\r\n]*={0,2}\s*$/.test(body.data)) throw springError(ctx, 400, "The field 'data' is not valid base64");
  const contentType = typeof body.contentType === 'string' && body.contentType ? body.contentType : 'text/xml';
  const text = Buffer.from(body.data, 'base64').toString('utf8');
  const format = formatOf(contentType);
  if (!format) throw springError(ctx, 400, `Unsupported driver content type '${contentType}'`);
  let value: unknown;
  try {
    value = format === 'json' ? JSON.parse(text) : parseXml(text);
  } catch (e) {
    throw springError(ctx, 400, `${format === 'json' ? 'JSON' : 'XML'} parse error: ${(e as Error).message}`);
  }
  const records = onDemandRecords(ctx, value);
  const domain = comm.domain || s.domains[0]?.id || 'sandbox';
  const outcomes = records.map((r) => compose(ctx.app, s, comm, r, { domain, input: 'sgw', inputServiceName: `${tenant}/${name}`, correlationId: correlationOf(ctx, value) }));
  const failed = outcomes.filter((o): o is Extract<Outcome, { ok: false }> => !o.ok);
  if (failed.length) {
    for (const f of failed) keep(s.failures, f.failure);
    // [GUESS] the 16.x failure shape.
    throw new HttpError({ status: s.failureStatus || 500, body: { status: 'error', message: failed.map((f) => f.failure.reason).join('; '), data: null } });
  }
  const outputs = outcomes.flatMap((o) => (o.ok ? o.outputs : []));
  for (const o of outputs) keep(s.documents, o.doc);
  const first = outcomes[0] as Extract<Outcome, { ok: true }>;
  return {
    status: 200,
    body: {
      status: 'success',
      data: {
        id: crypto.randomUUID(),
        attributeMap: { communicationName: comm.name, communicationVersion: String(comm.sgw!.version), ...(first.customerNumber ? { customerNumber: first.customerNumber } : {}) },
        result: outputs.map((o) => ({
          'Content-Disposition': [`attachment; filename="${o.doc.fileName}"`],
          content: { data: o.doc.content.toString('base64'), contentType: o.mimeType, streamingFilePath: null, empty: false },
        })),
      },
    },
  };
}

const EXCEPTION_TYPES: ExceptionType[] = ['failed_print', 'undeliverable_email', 'rejected_communication'];
const CHANNELS = ['print', 'email', 'sms'] as const;
const DEFAULT_CHANNEL: Record<ExceptionType, DeliveryExceptionEvent['channel']> = { failed_print: 'print', undeliverable_email: 'email', rejected_communication: 'print' };
const DEFAULT_REASON: Record<ExceptionType, string> = {
  failed_print: 'The print job failed at the print service provider',
  undeliverable_email: 'The e-mail bounced: mailbox unavailable',
  rejected_communication: 'The communication was rejected by the delivery channel',
};

function eventRoute(ctx: Ctx): Reply {
  const s = exstream(ctx.app);
  const b = (ctx.json && typeof ctx.json === 'object' && !Array.isArray(ctx.json) ? ctx.json : undefined) as Record<string, unknown> | undefined;
  const bad = (m: string) => new HttpError({ status: 400, body: { error: m } });
  if (!b) throw bad('send a JSON object {type, communicationId, documentType, customerReference, channel, reason, eventId?}');
  const type = b.type as ExceptionType;
  if (!EXCEPTION_TYPES.includes(type)) throw bad(`type must be one of ${EXCEPTION_TYPES.join(', ')}`);
  const str = (k: string) => (typeof b[k] === 'string' || typeof b[k] === 'number' ? String(b[k]).trim() : '');
  const communicationId = str('communicationId');
  const customerReference = str('customerReference');
  if (!communicationId) throw bad('communicationId is required');
  if (!customerReference) throw bad('customerReference is required');
  const channel = (str('channel') || DEFAULT_CHANNEL[type]) as DeliveryExceptionEvent['channel'];
  if (!CHANNELS.includes(channel)) throw bad(`channel must be one of ${CHANNELS.join(', ')}`);
  const comm = s.communications.find((c) => c.id === communicationId);
  const doc = s.documents.find((d) => d.id === communicationId);
  const event: DeliveryExceptionEvent = {
    eventType: 'DELIVERY_EXCEPTION',
    eventId: str('eventId') || crypto.randomUUID(),
    exceptionType: type,
    communicationId,
    documentType: str('documentType') || comm?.name || doc?.communication || 'Unknown',
    customerReference,
    channel,
    reason: str('reason') || DEFAULT_REASON[type],
    timestamp: new Date(ctx.now()).toISOString(),
  };
  const delivered = ctx.app.emitWebhook('exstream', event);
  keep(s.events, { ...event, delivered });
  return { status: 200, body: { event, delivered } };
}

function docView(d: GeneratedDocument): Omit<GeneratedDocument, 'content'> {
  const { content: _content, ...rest } = d;
  return rest;
}

export const exstreamArea: Area = {
  name: 'exstream',
  init(fixture) {
    const f = (fixture.exstream || {}) as Partial<ExstreamState> & { communications?: Communication[] };
    return {
      version: { apiIdentifier: 'orchestration', major: '25', minor: '4', patch: '0', versionString: '25.4.0', ...(f.version || {}) },
      domains: (f.domains || [{ id: 'sandbox', production: false, jobTracing: true, workflow: 'default', restrictApproval: false, parent: null }]).map((d) => ({ ...d })),
      communications: (f.communications || []).map((c) => ({ ...c, outputs: (c.outputs || []).map((o) => ({ ...o })) })),
      sgwTenants: [...(f.sgwTenants || ['sandbox'])],
      customerFields: [...(f.customerFields || ['customerNumber', 'customerId'])],
      channelFields: [...(f.channelFields || ['channel', 'deliveryChannel'])],
      failureField: f.failureField || 'simulateFailure',
      failingCustomers: [...(f.failingCustomers || [])],
      failureStatus: Number(f.failureStatus) || 500,
      failureReason: f.failureReason || 'Engine run failed for customer {customerNumber} (simulated failure)',
      documents: [],
      failures: [],
      jobs: [],
      empower: new Map(),
      events: [],
      requests: 0,
    } satisfies ExstreamState;
  },
  snapshot(state) {
    const s = state as ExstreamState;
    return {
      domains: s.domains.map((d) => d.id),
      communications: s.communications.map((c) => ({ id: c.id, name: c.name, driverDataSource: c.driverDataSource, onDemandInput: c.onDemandInput, batchInput: c.batchInput, sgw: c.sgw, outputs: c.outputs.map((o) => o.queueName) })),
      failingCustomers: s.failingCustomers,
      documents: s.documents.map(docView),
      failures: s.failures,
      jobs: s.jobs,
      empowerDocuments: [...s.empower.values()].map(({ record: _r, ...rest }) => rest),
      events: s.events,
      requests: s.requests,
    };
  },
  routes(app) {
    // Orchestration. "generate" is registered before the named input route that would also match it.
    app.route('POST', `${ORCH}/inputs/ondemand/:domain/generate`, generateRoute);
    app.route('POST', `${ORCH}/inputs/fulfillment/ondemand/:domain/fulfill`, fulfillRoute);
    app.route('POST', `${ORCH}/inputs/ondemand/:domain/:inputServiceName`, namedOnDemandRoute);
    app.route('POST', `${ORCH}/inputs/batch/:domain/:inputServiceName`, batchRoute);
    app.route('GET', `${ORCH}/version`, (ctx) => {
      bearer(ctx);
      return { status: 200, body: { ...exstream(ctx.app).version } };
    });

    // Design service (DAS): what an editor needs to offer communications and driver names.
    app.route('GET', '/design/api/v1/domains', (ctx) => {
      bearer(ctx);
      return page(ctx, exstream(ctx.app).domains);
    });
    app.route('GET', '/design/api/v1/resources/:domain', (ctx) => {
      bearer(ctx);
      const s = exstream(ctx.app);
      const domain = domainOf(ctx, s, ctx.params.domain).id;
      return page(ctx, filterResources(resourcesOf(s, domain), listParam(ctx, 'filter.types'), listParam(ctx, 'filter.states')));
    });
    app.route('GET', '/design/api/v1/links/:domain', (ctx) => {
      bearer(ctx);
      const s = exstream(ctx.app);
      const domain = domainOf(ctx, s, ctx.params.domain).id;
      const subject = ctx.query.linkSubjectId;
      if (!subject) throw springError(ctx, 400, "Required request parameter 'linkSubjectId' for method parameter type UUID is not present");
      const depth = intParam(ctx, 'linkDepth', 1, 1, 10);
      const types = listParam(ctx, 'filter.types');
      const links = linksOf(s, domain);
      const out: Link[] = [];
      let frontier = [subject];
      for (let d = 0; d < depth && frontier.length; d++) {
        const next: string[] = [];
        for (const l of links) if (frontier.includes(l.linkSubjectId)) {
          out.push(l);
          next.push(l.linkObjectId);
        }
        frontier = next;
      }
      return page(ctx, out.filter((l) => !types || types.includes(l.typeId)));
    });
    app.route('GET', '/design/api/v1/links/:domain/resources', (ctx) => {
      bearer(ctx);
      const s = exstream(ctx.app);
      const domain = domainOf(ctx, s, ctx.params.domain).id;
      const object = ctx.query.linkObjectId;
      if (!object) throw springError(ctx, 400, "Required request parameter 'linkObjectId' for method parameter type UUID is not present");
      const depth = intParam(ctx, 'linkDepth', 1, 1, 10);
      const links = linksOf(s, domain);
      const found = new Set<string>();
      let frontier = [object];
      for (let d = 0; d < depth && frontier.length; d++) {
        const next: string[] = [];
        for (const l of links) if (frontier.includes(l.linkObjectId) && !found.has(l.linkSubjectId)) {
          found.add(l.linkSubjectId);
          next.push(l.linkSubjectId);
        }
        frontier = next;
      }
      const list = resourcesOf(s, domain).filter((r) => found.has(r.id));
      return page(ctx, filterResources(list, listParam(ctx, 'rfilter.types'), listParam(ctx, 'rfilter.states')));
    });
    app.route('GET', '/design/api/v1/manifests/:domain/communication-set/:setId', (ctx) => {
      bearer(ctx);
      const s = exstream(ctx.app);
      const domain = domainOf(ctx, s, ctx.params.domain).id;
      const c = commsIn(s, domain).find((x) => x.communicationSetId === ctx.params.setId);
      if (!c) throw springError(ctx, 404, `Communication set '${ctx.params.setId}' was not found`);
      // DasManifest: dsnlist[{name, prodDsn, resourceId, type}], queueList[{driver, name, prodFile, use}] (no status wrapper).
      return {
        status: 200,
        body: {
          dsnlist: [{ name: c.driverDataSource, prodDsn: c.driverDataSource, resourceId: c.dataSourceId, type: 'DRIVER' }],
          queueList: c.outputs.map((o) => ({ driver: 'PDF', name: o.queueName, prodFile: o.fileName, use: 'PRODUCTION' })),
        },
      };
    });

    // Exstream 16.x Communications Server service gateway.
    app.route('POST', '/:tenant/sgw/v1/communications', sgwRoute);

    // Sandbox controls.
    app.route('POST', '/_sandbox/exstream-event', eventRoute);
    app.route('GET', '/_sandbox/exstream/documents/:id', (ctx) => {
      const d = exstream(ctx.app).documents.find((x) => x.id === ctx.params.id);
      if (!d) throw new HttpError({ status: 404, body: { error: `no generated document ${ctx.params.id}` } });
      return { status: 200, contentType: d.mimeType, body: d.content, headers: { 'Content-Disposition': `inline; filename="${d.fileName}"` } };
    });
    app.route('GET', '/_sandbox/exstream/jobs/:jobId', (ctx) => {
      const j = exstream(ctx.app).jobs.find((x) => x.jobId === ctx.params.jobId);
      if (!j) throw new HttpError({ status: 404, body: { error: `no batch job ${ctx.params.jobId}` } });
      return { status: 200, body: j };
    });
  },
};
