/**
 * OpenText Exstream operations. Each takes the config node's HttpClient first.
 *
 * Cloud-native Exstream (orchestration service) [SPEC: OpenText's Postman collection and
 * Communications SDK, opentext/ocp-communication]:
 * - on-demand generate `POST orchestration/api/v1/inputs/ondemand/{domain}/generate` with the
 *   headers `communicationId` and `driverDataSource`, the driver data (JSON or XML) as the body;
 *   `Accept: application/pdf` answers the PDF itself, JSON answers
 *   `{status, data:[{content(base64), mimeType, engineOutputContext:{queueName, fileName, customerNumber}}]}`;
 * - Empower fulfilment `POST .../inputs/fulfillment/ondemand/{domain}/fulfill` `{"documents":[ids]}`;
 * - version `GET orchestration/api/v1/version`;
 * - design service listings (domains, resources, links, communication-set manifests).
 *
 * [3P] Named inputs: on-demand `POST .../inputs/ondemand/{domain}/{inputServiceName}` (answers like
 * generate [GUESS]) and batch `POST .../inputs/batch/{domain}/{inputServiceName}` → `{data:[{jobId, id}]}`
 * (no public job-status call).
 *
 * [3P] Exstream 16.x Communications Server service gateway: `POST {tenant}/sgw/v1/communications?name=&version=`
 * with the OTDS ticket and `{contentType, data: base64 driver}` → `{status, data:{id, attributeMap,
 * result:[{"Content-Disposition":[...], content:{data, contentType, ...}}]}}`.
 *
 * [GUESS] A correlation id travels as the `X-Correlation-Id` request header.
 */
import { HttpClient, OtResponse, RequestBody } from './http';
import { apiMessageOf, invalidInput, OtError } from './errors';
import { stripProto } from './nodered';

// ---- driver data ---------------------------------------------------------------------------------

export type DriverFormat = 'auto' | 'json' | 'xml';

/** Driver data ready to send: the exact text and its content type. */
export interface DriverData {
  text: string;
  format: 'json' | 'xml';
  contentType: string;
}

/**
 * Reads driver data from a message value: an object or array (sent as JSON), a JSON string, an XML
 * string, or a Buffer holding either. `format` forces JSON or XML; `auto` decides by the value.
 * Anything else is bad input (OT_INVALID_INPUT).
 */
export function driverData(v: unknown, format: DriverFormat = 'auto', what = 'the driver data'): DriverData {
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) throw invalidInput(`${what} is missing`);
  if (Buffer.isBuffer(v)) v = v.toString('utf8');
  if (typeof v === 'object') {
    if (format === 'xml') throw invalidInput(`${what} must be an XML string when the format is XML, not ${Array.isArray(v) ? 'an array' : 'an object'}`);
    let text: string;
    try {
      text = JSON.stringify(stripProto(v));
    } catch (e) {
      throw invalidInput(`${what} cannot be sent as JSON: ${(e as Error).message}`);
    }
    return { text, format: 'json', contentType: 'application/json' };
  }
  if (typeof v !== 'string') throw invalidInput(`${what} must be a JSON object, a JSON string or an XML string, not ${typeof v}`);
  const t = v.replace(/^\uFEFF/, '').trim();
  const looksXml = t.startsWith('<');
  if (format === 'xml' || (format === 'auto' && looksXml)) {
    if (!looksXml || !/>\s*$/.test(t)) throw invalidInput(`${what} is not XML (it must start with "<" and end with ">")`);
    return { text: t, format: 'xml', contentType: 'application/xml' };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(t);
  } catch (e) {
    throw invalidInput(format === 'json' ? `${what} is not valid JSON: ${(e as Error).message}` : `${what} is neither JSON nor XML: ${(e as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object') throw invalidInput(`${what} must be a JSON object or array, not ${parsed === null ? 'null' : typeof parsed}`);
  return { text: t, format: 'json', contentType: 'application/json' };
}

function body(d: DriverData): RequestBody {
  return { kind: 'raw', data: Buffer.from(d.text, 'utf8'), contentType: d.contentType };
}

// ---- inputs ---------------------------------------------------------------------------------------

/** A path segment: non-empty, not "." or "..", URL-encoded. */
function segment(v: string, what: string): string {
  const s = String(v ?? '').trim();
  if (!s) throw invalidInput(`${what} is required`);
  if (s === '.' || s === '..') throw invalidInput(`${what} "${s}" is not allowed`);
  return encodeURIComponent(s);
}

/** A header value: printable ASCII only (a line break would split the request). */
function headerValue(v: string, what: string): string {
  const s = String(v ?? '').trim();
  if (!s) throw invalidInput(`${what} is required`);
  if (!/^[\x20-\x7e]+$/.test(s)) throw invalidInput(`${what} may only hold printable ASCII characters`);
  if (s.length > 512) throw invalidInput(`${what} is too long (at most 512 characters)`);
  return s;
}

function correlationHeader(id: string | undefined): Record<string, string> {
  return id ? { 'X-Correlation-Id': headerValue(id, 'the correlation id') } : {};
}

// ---- documents ------------------------------------------------------------------------------------

export interface ExstreamDocument {
  content: Buffer;
  contentType: string;
  filename: string;
  size: number;
  queueName?: string;
  customerNumber?: string;
}

/** How the answer is wanted: every output decoded (JSON answer), the PDF itself, or the raw JSON. */
export type OutputMode = 'documents' | 'pdf' | 'raw';

export interface GenerateResult {
  documents: ExstreamDocument[];
  /** The parsed JSON answer (not for the PDF-only answer). */
  raw?: unknown;
  /** Empower: the document id of a "document id only" answer. */
  documentId?: string;
}

const EXTENSIONS: Record<string, string> = {
  'application/pdf': 'pdf',
  'application/vnd.exstream-empower': 'mpw',
  'text/html': 'html',
  'application/json': 'json',
  'application/xml': 'xml',
  'text/xml': 'xml',
  'text/plain': 'txt',
  'image/tiff': 'tif',
  'application/postscript': 'ps',
};

function extensionOf(contentType: string): string {
  return EXTENSIONS[contentType.split(';')[0].trim().toLowerCase()] || 'bin';
}

/** The file name of a Content-Disposition value (filename*= wins over filename=). */
export function filenameFromDisposition(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  if (!s) return undefined;
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(s);
  if (star) {
    try {
      return safeName(decodeURIComponent(star[1].trim()));
    } catch {
      /* fall through */
    }
  }
  const plain = /filename\s*=\s*(?:"([^"]*)"|([^;]+))/.exec(s);
  const name = plain ? (plain[1] ?? plain[2] ?? '').trim() : '';
  return name ? safeName(name) : undefined;
}

/** No directories in a file name from the server. */
function safeName(name: string): string {
  return [...name.replace(/^.*[\\/]/, '')].filter((c) => c.charCodeAt(0) >= 0x20).join('') || 'document';
}

function decodeBase64(v: unknown, operation: string, index: number): Buffer {
  if (typeof v !== 'string') throw new OtError({ code: 'OT_API', message: `${operation}: output ${index + 1} has no content`, operation });
  return Buffer.from(v, 'base64');
}

function failIfError(data: unknown, operation: string, statusCode: number): void {
  if (!data || typeof data !== 'object') return;
  const b = data as Record<string, unknown>;
  const items = Array.isArray(b.data) ? (b.data as unknown[]) : [];
  const errored = b.status === 'error' || items.some((d) => d && typeof d === 'object' && typeof (d as Record<string, unknown>).errorMessage === 'string');
  if (!errored) return;
  const apiMessage = apiMessageOf(data) || 'the engine reported an error';
  throw new OtError({ code: 'OT_API', message: `${operation} failed: ${apiMessage}`, operation, statusCode, apiMessage, details: items.map((d) => (d && typeof d === 'object' ? (d as Record<string, unknown>).engineOutputContext : undefined)) });
}

/** Decodes the orchestration JSON answer `{status, data:[{content, mimeType, engineOutputContext}]}`. */
export function documentsFromOrchestration(data: unknown, operation: string, fallbackName: string, statusCode = 200): ExstreamDocument[] {
  failIfError(data, operation, statusCode);
  const items = data && typeof data === 'object' && Array.isArray((data as Record<string, unknown>).data) ? ((data as Record<string, unknown>).data as unknown[]) : undefined;
  if (!items) throw new OtError({ code: 'OT_API', message: `${operation}: the answer holds no "data" list of outputs`, operation, statusCode });
  return items.map((raw, i) => {
    const it = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
    const ctx = (it.engineOutputContext && typeof it.engineOutputContext === 'object' ? it.engineOutputContext : {}) as Record<string, unknown>;
    const content = decodeBase64(it.content, operation, i);
    const contentType = typeof it.mimeType === 'string' && it.mimeType ? it.mimeType : 'application/octet-stream';
    const filename = typeof ctx.fileName === 'string' && ctx.fileName ? safeName(ctx.fileName) : `${fallbackName}${items.length > 1 ? `-${i + 1}` : ''}.${extensionOf(contentType)}`;
    return {
      content,
      contentType,
      filename,
      size: content.length,
      queueName: typeof ctx.queueName === 'string' ? ctx.queueName : undefined,
      customerNumber: typeof ctx.customerNumber === 'string' || typeof ctx.customerNumber === 'number' ? String(ctx.customerNumber) : undefined,
    };
  });
}

function fromResponse(res: OtResponse<unknown>, output: OutputMode, operation: string, fallbackName: string): GenerateResult {
  const ct = String(res.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
  if (Buffer.isBuffer(res.data)) {
    if (ct.includes('json')) {
      // A JSON answer although a PDF was asked for: read it as the full answer.
      let parsed: unknown;
      try {
        parsed = JSON.parse(res.data.toString('utf8'));
      } catch {
        throw new OtError({ code: 'OT_API', message: `${operation}: the answer is neither a document nor valid JSON`, operation, statusCode: res.status });
      }
      return { documents: documentsFromOrchestration(parsed, operation, fallbackName, res.status), raw: parsed };
    }
    const contentType = ct || 'application/pdf';
    const filename = filenameFromDisposition(res.headers['content-disposition']) || `${fallbackName}.${extensionOf(contentType)}`;
    if (!res.data.length) throw new OtError({ code: 'OT_API', message: `${operation}: the answer is empty`, operation, statusCode: res.status });
    return { documents: [{ content: res.data, contentType, filename, size: res.data.length }] };
  }
  if (output === 'raw') {
    failIfError(res.data, operation, res.status);
    return { documents: [], raw: res.data };
  }
  const d = res.data as Record<string, unknown> | undefined;
  if (d && typeof d === 'object' && typeof d.documentId === 'string' && !('data' in d)) return { documents: [], raw: d, documentId: d.documentId };
  return { documents: documentsFromOrchestration(res.data, operation, fallbackName, res.status), raw: res.data };
}

function acceptFor(output: OutputMode): string {
  return output === 'pdf' ? 'application/pdf' : 'application/json';
}

// ---- orchestration ---------------------------------------------------------------------------------

export interface OrchestrationInput {
  /** Design domain (tenant domain), e.g. "sandbox". */
  domain: string;
  data: DriverData;
  output?: OutputMode;
  correlationId?: string;
}

export interface GenerateInput extends OrchestrationInput {
  /** The communication's UUID (header `communicationId`). */
  communicationId: string;
  /** The driver's prodDsn (header `driverDataSource`). */
  driverDataSource: string;
  /** Empower output: the service account that imports the document (header `empowerUser`). */
  empowerUser?: string;
  /** Used to name a file when the answer does not. */
  name?: string;
}

/** On-demand generate with a communication id and driver data source (the Postman "Generate output using Orchestration"). */
export async function generate(client: HttpClient, input: GenerateInput): Promise<GenerateResult> {
  const output = input.output || 'documents';
  const operation = 'Exstream generate';
  const path = `orchestration/api/v1/inputs/ondemand/${segment(input.domain, 'the domain')}/generate`;
  const headers: Record<string, string> = {
    communicationId: headerValue(input.communicationId, 'the communication id'),
    driverDataSource: headerValue(input.driverDataSource, 'the driver data source'),
    Accept: acceptFor(output),
    ...correlationHeader(input.correlationId),
  };
  if (input.empowerUser) headers.empowerUser = headerValue(input.empowerUser, 'the Empower user');
  const res = await client.request({ operation, method: 'POST', path, headers, body: body(input.data), responseType: output === 'pdf' ? 'buffer' : 'json' });
  return fromResponse(res, output, operation, input.name || 'document');
}

export interface NamedInput extends OrchestrationInput {
  /** The name of the orchestration input service. */
  inputService: string;
}

/** A named on-demand input service (`inputs/ondemand/{domain}/{inputServiceName}`). */
export async function runOnDemandInput(client: HttpClient, input: NamedInput): Promise<GenerateResult> {
  const output = input.output || 'documents';
  const operation = 'Exstream on-demand input';
  const path = `orchestration/api/v1/inputs/ondemand/${segment(input.domain, 'the domain')}/${segment(input.inputService, 'the input service name')}`;
  if (String(input.inputService).trim() === 'generate') throw invalidInput('"generate" is the on-demand generate call, not an input service name; use the generate mode');
  const res = await client.request({ operation, method: 'POST', path, headers: { Accept: acceptFor(output), ...correlationHeader(input.correlationId) }, body: body(input.data), responseType: output === 'pdf' ? 'buffer' : 'json' });
  return fromResponse(res, output, operation, String(input.inputService).trim());
}

export interface BatchJob {
  jobId: string;
  id: string;
}

/** Submits driver data to a batch input service; answers the job ids (outputs are delivered by the job). */
export async function submitBatch(client: HttpClient, input: Omit<NamedInput, 'output'>): Promise<{ jobs: BatchJob[]; raw: unknown }> {
  const operation = 'Exstream batch input';
  const path = `orchestration/api/v1/inputs/batch/${segment(input.domain, 'the domain')}/${segment(input.inputService, 'the input service name')}`;
  const res = await client.request<Record<string, unknown>>({ operation, method: 'POST', path, headers: correlationHeader(input.correlationId), body: body(input.data) });
  failIfError(res.data, operation, res.status);
  const list = res.data && Array.isArray(res.data.data) ? (res.data.data as unknown[]) : [];
  const jobs = list
    .filter((j): j is Record<string, unknown> => !!j && typeof j === 'object')
    .map((j) => ({ jobId: String(j.jobId ?? ''), id: String(j.id ?? '') }))
    .filter((j) => j.jobId);
  if (!jobs.length) throw new OtError({ code: 'OT_API', message: `${operation}: the answer holds no job id`, operation, statusCode: res.status });
  return { jobs, raw: res.data };
}

export interface FulfillInput {
  domain: string;
  communicationId: string;
  driverDataSource: string;
  /** Empower document ids. */
  documents: string[];
  /** Keep the Empower documents after fulfilment (header preserveDocuments, default true). */
  preserveDocuments?: boolean;
  output?: OutputMode;
  correlationId?: string;
}

/** Fulfils Empower documents (`inputs/fulfillment/ondemand/{domain}/fulfill`). */
export async function fulfill(client: HttpClient, input: FulfillInput): Promise<GenerateResult> {
  const output = input.output || 'documents';
  const operation = 'Exstream fulfil';
  if (!Array.isArray(input.documents) || !input.documents.length || input.documents.some((d) => typeof d !== 'string' || !d.trim())) throw invalidInput('the Empower document ids must be a non-empty list of text');
  const path = `orchestration/api/v1/inputs/fulfillment/ondemand/${segment(input.domain, 'the domain')}/fulfill`;
  const headers = {
    communicationId: headerValue(input.communicationId, 'the communication id'),
    driverDataSource: headerValue(input.driverDataSource, 'the driver data source'),
    preserveDocuments: String(input.preserveDocuments !== false),
    Accept: acceptFor(output),
    ...correlationHeader(input.correlationId),
  };
  const res = await client.request({ operation, method: 'POST', path, headers, body: { kind: 'json', value: { documents: input.documents.map((d) => d.trim()) } }, responseType: output === 'pdf' ? 'buffer' : 'json' });
  return fromResponse(res, output, operation, 'fulfilment');
}

export interface VersionInfo {
  apiIdentifier?: string;
  major?: string;
  minor?: string;
  patch?: string;
  versionString?: string;
}

/** `GET orchestration/api/v1/version` (BackendServiceVersionInfo). */
export async function orchestrationVersion(client: HttpClient): Promise<VersionInfo> {
  const res = await client.request<VersionInfo>({ operation: 'Exstream version', method: 'GET', path: 'orchestration/api/v1/version' });
  return res.data && typeof res.data === 'object' ? res.data : {};
}

// ---- 16.x service gateway -------------------------------------------------------------------------

export interface SgwInput {
  tenant: string;
  /** The communication name (query `name`). */
  name: string;
  /** The communication version (query `version`). */
  version?: number;
  data: DriverData;
  output?: Exclude<OutputMode, 'pdf'>;
  correlationId?: string;
}

/** Exstream 16.x: `POST {tenant}/sgw/v1/communications?name=&version=` with `{contentType, data}` (base64 driver). */
export async function sgwCommunication(client: HttpClient, input: SgwInput): Promise<GenerateResult> {
  const operation = 'Exstream service gateway';
  const name = String(input.name ?? '').trim();
  if (!name) throw invalidInput('the communication name is required');
  if (input.version !== undefined && (!Number.isSafeInteger(input.version) || input.version < 0)) throw invalidInput('the communication version must be a whole number');
  const path = `${segment(input.tenant, 'the tenant')}/sgw/v1/communications`;
  const contentType = input.data.format === 'xml' ? 'text/xml' : 'application/json';
  const res = await client.request<Record<string, unknown>>({
    operation,
    method: 'POST',
    path,
    query: { name, version: input.version },
    headers: correlationHeader(input.correlationId),
    body: { kind: 'json', value: { contentType, data: Buffer.from(input.data.text, 'utf8').toString('base64') } },
  });
  const b = res.data;
  if (!b || typeof b !== 'object') throw new OtError({ code: 'OT_API', message: `${operation}: the answer is not JSON`, operation, statusCode: res.status });
  if (b.status !== undefined && b.status !== 'success') {
    const apiMessage = apiMessageOf(b) || `status ${String(b.status)}`;
    throw new OtError({ code: 'OT_API', message: `${operation} failed: ${apiMessage}`, operation, statusCode: res.status, apiMessage });
  }
  if (input.output === 'raw') return { documents: [], raw: b };
  const data = (b.data && typeof b.data === 'object' ? b.data : {}) as Record<string, unknown>;
  const result = Array.isArray(data.result) ? (data.result as unknown[]) : [];
  if (!result.length) throw new OtError({ code: 'OT_API', message: `${operation}: the answer holds no result document`, operation, statusCode: res.status });
  const documents = result.map((raw, i) => {
    const r = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
    const c = (r.content && typeof r.content === 'object' ? r.content : {}) as Record<string, unknown>;
    const content = decodeBase64(c.data, operation, i);
    const ct = typeof c.contentType === 'string' && c.contentType ? c.contentType : 'application/octet-stream';
    const disp = r['Content-Disposition'] as string | string[] | undefined;
    return { content, contentType: ct, filename: filenameFromDisposition(disp) || `${name}${result.length > 1 ? `-${i + 1}` : ''}.${extensionOf(ct)}`, size: content.length };
  });
  return { documents, raw: b };
}

// ---- design service (for the editor) --------------------------------------------------------------

export interface CommunicationInfo {
  id: string;
  name: string;
  version?: number;
  description?: string;
  communicationSetId?: string;
  /** prodDsn values of the communication set's drivers: the driverDataSource header. */
  driverDataSources: string[];
  /** Set when the driver names could not be read. */
  error?: string;
}

function pageList(data: unknown): { items: Record<string, unknown>[]; totalPages: number } {
  const d = (data && typeof data === 'object' ? data : {}) as Record<string, unknown>;
  const items = Array.isArray(d.data) ? (d.data as unknown[]).filter((x): x is Record<string, unknown> => !!x && typeof x === 'object') : [];
  const p = (d.page && typeof d.page === 'object' ? d.page : {}) as Record<string, unknown>;
  return { items, totalPages: Number(p.totalPages) || 1 };
}

/** Design domains (`GET design/api/v1/domains`). */
export async function listDomains(client: HttpClient): Promise<string[]> {
  const res = await client.request({ operation: 'list Exstream domains', method: 'GET', path: 'design/api/v1/domains' });
  return pageList(res.data)
    .items.map((d) => String(d.id ?? ''))
    .filter(Boolean);
}

/**
 * The approved communications of a domain with their driver names: resources (exstrapplication),
 * then per communication its communication set (links) and the set's manifest (dsnlist).
 */
export async function listCommunications(client: HttpClient, domain: string, maxPages = 10): Promise<CommunicationInfo[]> {
  const d = segment(domain, 'the domain');
  const apps: Record<string, unknown>[] = [];
  for (let offset = 0; offset < maxPages; offset++) {
    const res = await client.request({
      operation: 'list Exstream communications',
      method: 'GET',
      path: `design/api/v1/resources/${d}`,
      query: { 'filter.types': 'exstrapplication', 'filter.states': 'APPROVED', 'filter.latestVersion': true, count: 100, offset },
    });
    const { items, totalPages } = pageList(res.data);
    apps.push(...items);
    if (offset + 1 >= totalPages || !items.length) break;
  }
  return Promise.all(
    apps.map(async (a): Promise<CommunicationInfo> => {
      const info: CommunicationInfo = { id: String(a.id ?? ''), name: String(a.name ?? a.id ?? ''), version: typeof a.version === 'number' ? a.version : undefined, description: typeof a.description === 'string' ? a.description : undefined, driverDataSources: [] };
      try {
        const links = await client.request({ operation: 'Exstream communication set', method: 'GET', path: `design/api/v1/links/${d}`, query: { linkSubjectId: info.id, linkDepth: 2, 'filter.types': 'exstrcommunicationset' } });
        const set = pageList(links.data).items.find((l) => l.typeId === 'exstrcommunicationset') || pageList(links.data).items[0];
        if (set && typeof set.linkObjectId === 'string') {
          info.communicationSetId = set.linkObjectId;
          const m = await client.request<Record<string, unknown>>({ operation: 'Exstream manifest', method: 'GET', path: `design/api/v1/manifests/${d}/communication-set/${segment(set.linkObjectId, 'the communication set id')}` });
          const dsn = m.data && Array.isArray(m.data.dsnlist) ? (m.data.dsnlist as unknown[]) : [];
          info.driverDataSources = dsn
            .map((x) => (x && typeof x === 'object' ? String((x as Record<string, unknown>).prodDsn ?? (x as Record<string, unknown>).name ?? '') : ''))
            .filter(Boolean);
        }
      } catch (e) {
        info.error = (e as Error).message;
      }
      return info;
    }),
  );
}
