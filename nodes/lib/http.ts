import axios, { AxiosRequestConfig, AxiosResponse, RawAxiosResponseHeaders, AxiosResponseHeaders } from 'axios';
import crypto from 'crypto';
import FormData from 'form-data';
import path from 'path';
import { Readable } from 'stream';
import { AgentSet, buildAgents, ProxyOptions, proxyFromEnv, TlsOptions } from './agents';
import { httpError, OtError } from './errors';
import { redact, registerSecret } from './redact';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
export type Headers = Record<string, string>;
export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** A request body. Content Server wants forms; Cloud Messaging and Exstream want JSON or raw data. */
export type RequestBody =
  | { kind: 'form'; fields: Record<string, string> }
  | { kind: 'json'; value: unknown }
  /** multipart/form-data: streamed by form-data (`form`), or made in memory (`buffer` with its `contentType`). */
  | { kind: 'multipart'; form?: FormData; buffer?: Buffer; contentType?: string }
  | { kind: 'raw'; data: Buffer | string | Readable; contentType: string; length?: number };

export interface RequestOptions {
  /** Human name of the operation, used in errors ("upload document"). */
  operation: string;
  method: HttpMethod;
  /** Path relative to the client's base URL, or an absolute URL of the same origin. */
  path: string;
  query?: Record<string, string | number | boolean | undefined | null>;
  headers?: Headers;
  /** A body, or a factory that makes a fresh one per attempt (needed to retry streams). */
  body?: RequestBody | (() => RequestBody);
  responseType?: 'json' | 'buffer' | 'stream' | 'text';
  /**
   * Whether repeating the request can have no second effect. Defaults: GET/PUT/DELETE true, POST
   * and PATCH false. A non-idempotent request is retried only when the server refused it before
   * processing (429, 503) or when the connection failed before it was sent.
   */
  idempotent?: boolean;
  /** Send authentication (default true). */
  auth?: boolean;
  /** Skip the concurrency limiter (used by logins made on behalf of a waiting request). */
  unlimited?: boolean;
  /** Extra statuses to treat as success besides 2xx (for example 204 for an empty queue). */
  okStatuses?: number[];
  timeoutMs?: number;
  maxAttempts?: number;
}

export interface OtResponse<T = unknown> {
  status: number;
  headers: ResponseHeaders;
  data: T;
  attempts: number;
}

/** Supplies authentication headers; implementations cache and refresh single-flight. */
export interface AuthProvider {
  /** Headers for the next request; logs in when nothing valid is cached. */
  headers(): Promise<Headers>;
  /** Sees every response of an authenticated request (Content Server ticket refresh). */
  onResponse?(headers: ResponseHeaders, sent: Headers): void;
  /** After a 401: forget the credential that was sent, if it is still the cached one. */
  invalidate(sent: Headers): void;
}

export interface ClientOptions {
  /** Product name for errors and logs ("Extended ECM"). */
  name: string;
  baseUrl: string;
  timeoutMs?: number;
  maxAttempts?: number;
  maxDelayMs?: number;
  baseDelayMs?: number;
  concurrency?: number;
  tls?: TlsOptions;
  /** An explicit proxy; `undefined` means the environment decides, `null` means never. */
  proxy?: ProxyOptions | null;
  auth?: AuthProvider;
  /** For tests: a deterministic source of jitter in [0,1). */
  random?: () => number;
  /** Called for log lines (already redacted). */
  log?: (level: 'debug' | 'warn', text: string) => void;
}

const RETRY_STATUSES = new Set([408, 429, 502, 503, 504]);
/** Statuses that say the server did not process the request (safe to repeat even a POST). */
const NOT_PROCESSED_STATUSES = new Set([429, 503]);
/** Network errors that happen before a request reaches the server. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPROXY', 'CERT_HAS_EXPIRED']);
const NETWORK_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'ESOCKETTIMEDOUT', 'ERR_SOCKET_CONNECTION_TIMEOUT', ...NOT_SENT_CODES]);
const TLS_CODES = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|DEPTH_ZERO|ERR_TLS/;
const SECRET_REQUEST_HEADERS = new Set(['authorization', 'otcsticket', 'otdsticket', 'cookie', 'proxy-authorization', 'x-api-key']);

/** Whether a network error is a TLS failure (untrusted or invalid certificate, handshake). */
function isTlsFailure(e: unknown): boolean {
  const err = e as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const code = err?.code || err?.cause?.code || '';
  return TLS_CODES.test(code) || /certificate|self[- ]signed/i.test(`${err?.message || err}`);
}

/** A FIFO counting semaphore: at most N holders, the rest wait in arrival order. */
export class Limiter {
  private active = 0;
  private readonly queue: Array<() => void> = [];
  constructor(private readonly max: number) {}
  get pending(): number {
    return this.queue.length;
  }
  get running(): number {
    return this.active;
  }
  async acquire(): Promise<() => void> {
    if (this.active < this.max) {
      this.active++;
    } else {
      await new Promise<void>((resolve) => this.queue.push(resolve));
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next) next();
      else this.active--;
    };
  }
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const s = v.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(parseFloat(s) * 1000);
  const t = Date.parse(s);
  if (!Number.isNaN(t)) return Math.max(0, t - now);
  return undefined;
}

function header(headers: ResponseHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

function normaliseHeaders(h: RawAxiosResponseHeaders | AxiosResponseHeaders | Record<string, unknown>): ResponseHeaders {
  const out: ResponseHeaders = {};
  for (const [k, v] of Object.entries(h || {})) {
    if (v === undefined || v === null) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.map(String) : String(v);
  }
  return out;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function readSome(stream: Readable, limit = 65536): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    chunks.push(b);
    size += b.length;
    if (size >= limit) {
      stream.destroy();
      break;
    }
  }
  return Buffer.concat(chunks);
}

function parseBody(buf: Buffer, contentType: string | undefined): unknown {
  const text = buf.toString('utf8');
  if (!text) return '';
  if ((contentType && /json/i.test(contentType)) || /^\s*[[{]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/**
 * The shared HTTP client of one config node: keep-alive agents, TLS, proxy, timeouts, retries with
 * back-off and Retry-After, a concurrency limit, authentication with one re-login on 401, redirect
 * handling that never carries credentials to another origin, and error mapping with redaction.
 */
export class HttpClient {
  readonly options: Required<Pick<ClientOptions, 'timeoutMs' | 'maxAttempts' | 'maxDelayMs' | 'baseDelayMs' | 'concurrency'>> & ClientOptions;
  readonly origin: string;
  private readonly base: URL;
  /** The base URL as text without trailing slashes (computed once: it is used for every request). */
  private readonly baseText: string;
  /** The base URL's path with one trailing slash: relative request paths must stay under it. */
  private readonly basePath: string;
  private readonly limiter: Limiter;
  private readonly agents = new Map<string, AgentSet>();
  private baseAgents?: AgentSet;
  /** Paths resolved lately (see resolve()). */
  private readonly resolved = new Map<string, URL>();
  private closed = false;
  /** Counters, for status and benchmarks. */
  readonly stats = { requests: 0, retries: 0, reauths: 0 };

  constructor(opts: ClientOptions) {
    this.options = {
      timeoutMs: 30000,
      maxAttempts: 3,
      maxDelayMs: 30000,
      baseDelayMs: 250,
      concurrency: 8,
      ...opts,
    };
    let base: URL;
    try {
      base = new URL(opts.baseUrl);
    } catch {
      throw new OtError({ code: 'OT_INVALID_INPUT', message: `${opts.name}: the base URL "${opts.baseUrl}" is not a valid URL` });
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new OtError({ code: 'OT_INVALID_INPUT', message: `${opts.name}: the base URL must start with http:// or https://` });
    }
    if (base.username || base.password) {
      registerSecret(decodeURIComponent(base.password));
      throw new OtError({ code: 'OT_INVALID_INPUT', message: `${opts.name}: put credentials in the credentials fields, not in the URL` });
    }
    this.base = base;
    this.baseText = base.toString().replace(/\/+$/, '');
    this.basePath = base.pathname.replace(/\/+$/, '') + '/';
    this.origin = base.origin;
    this.limiter = new Limiter(Math.max(1, Math.floor(this.options.concurrency)));
  }

  get baseUrl(): string {
    return this.baseText;
  }

  /** Whether TLS verification was turned off (the config node shows this in its status). */
  get insecure(): boolean {
    return this.base.protocol === 'https:' && this.options.tls?.rejectUnauthorized === false;
  }

  /**
   * Resolves a path against the base URL and refuses any other origin. The answer is kept for the
   * next request to the same path (a declaration reads, writes and reads one path): callers must
   * not change it.
   */
  resolve(path: string): URL {
    const known = this.resolved.get(path);
    if (known) return known;
    const url = this.resolveNew(path);
    if (this.resolved.size >= 256) this.resolved.clear();
    this.resolved.set(path, url);
    return url;
  }

  private resolveNew(path: string): URL {
    let url: URL;
    if (/^[a-z][a-z0-9+.-]*:/i.test(path)) {
      url = new URL(path);
      if (url.origin !== this.origin) {
        throw new OtError({
          code: 'OT_INVALID_INPUT',
          message: `${this.options.name}: refusing to send a request to ${url.origin}; this connection only talks to ${this.origin}`,
        });
      }
    } else {
      // ".." segments, also percent-encoded ("%2e%2e", which the URL parser resolves the same way)
      if (/(^|\/)(\.|%2e)(\.|%2e)(\/|$|[?#])/i.test(path) || path.includes('\\')) {
        throw new OtError({ code: 'OT_INVALID_INPUT', message: `${this.options.name}: invalid request path "${path}"` });
      }
      url = new URL(this.baseText + '/' + path.replace(/^\/+/, ''));
      // The same origin as the base (protocol and host:port, compared without computing origins),
      // and under the base path: "%2e%2e" segments are resolved by the URL parser like "..".
      if (url.protocol !== this.base.protocol || url.host !== this.base.host || !url.pathname.startsWith(this.basePath)) {
        throw new OtError({ code: 'OT_INVALID_INPUT', message: `${this.options.name}: invalid request path "${path}"` });
      }
    }
    return url;
  }

  private agentsFor(url: URL): AgentSet {
    // The base origin's agents are looked up once: the proxy environment (HTTP(S)_PROXY, NO_PROXY)
    // is read when the connection sends its first request and holds until it is redeployed.
    if (this.baseAgents && url.host === this.base.host && url.protocol === this.base.protocol) return this.baseAgents;
    const proxy = this.options.proxy === null ? undefined : this.options.proxy ?? proxyFromEnv(url);
    const key = `${url.protocol}//${url.host}|${proxy?.url || ''}`;
    let set = this.agents.get(key);
    if (!set) {
      set = buildAgents(url, this.options.tls, proxy, this.options.concurrency + 2);
      this.agents.set(key, set);
    }
    if (url.host === this.base.host && url.protocol === this.base.protocol) this.baseAgents = set;
    return set;
  }

  /** Sends one logical request (with retries, re-login and redirects) and maps failures to OtError. */
  async request<T = unknown>(opts: RequestOptions): Promise<OtResponse<T>> {
    if (this.closed) throw new OtError({ code: 'OT_UNAVAILABLE', message: `${this.options.name}: the connection was closed (node redeployed)`, operation: opts.operation });
    const method = opts.method;
    const idempotent = opts.idempotent ?? (method === 'GET' || method === 'PUT' || method === 'DELETE');
    const maxAttempts = Math.max(1, opts.maxAttempts ?? this.options.maxAttempts);
    const useAuth = opts.auth !== false && !!this.options.auth;
    // (a resolved URL is shared between requests: one with a query gets its own copy)
    const url = opts.query ? new URL(this.resolve(opts.path)) : this.resolve(opts.path);
    if (opts.query) {
      for (const [k, v] of Object.entries(opts.query)) if (v !== undefined && v !== null) url.searchParams.set(k, String(v));
    }
    const replayable = typeof opts.body === 'function' || !opts.body || opts.body.kind !== 'raw' || !(opts.body.data instanceof Readable);
    // (a form-data stream can be read once; a multipart body made in memory can be sent again)
    const singleBody = opts.body && typeof opts.body !== 'function' && opts.body.kind === 'multipart' && !opts.body.buffer;
    let attempt = 0;
    let reauthed = false;
    let bodyUsed = false;
    for (;;) {
      attempt++;
      let retry: { delay: number; err: OtError } | undefined;
      const release = opts.unlimited ? () => undefined : await this.limiter.acquire();
      try {
        // Closed while waiting for a slot or in a back-off: a redeployed node sends nothing more.
        if (this.closed) throw new OtError({ code: 'OT_UNAVAILABLE', message: `${this.options.name}: the connection was closed (node redeployed)`, operation: opts.operation, attempts: attempt - 1 });
        if (bodyUsed && (!replayable || singleBody)) {
          // A stream or a form-data object can be sent once; without a factory it cannot be resent.
          throw new OtError({ code: 'OT_API', message: `${opts.operation}: the request failed and its body (a stream) cannot be sent again`, operation: opts.operation, attempts: attempt - 1 });
        }
        const sent = useAuth ? await this.options.auth!.headers() : {};
        const body = typeof opts.body === 'function' ? opts.body() : opts.body;
        bodyUsed = bodyUsed || !!body;
        this.stats.requests++;
        let res: { status: number; headers: ResponseHeaders; data: unknown; sameOrigin: boolean };
        try {
          res = await this.send(method, url, { ...(opts.headers || {}), ...sent }, body, opts, useAuth);
        } catch (e) {
          if (e instanceof OtError) throw e;
          const mapped = this.mapNetworkError(e, opts.operation, attempt);
          const code = (e as NodeJS.ErrnoException)?.code || '';
          const canRepeat = idempotent || NOT_SENT_CODES.has(code);
          // A certificate problem does not go away by itself: report it at once.
          if (attempt < maxAttempts && canRepeat && !isTlsFailure(e) && (replayable && !singleBody || !body)) {
            retry = { delay: this.backoff(attempt), err: mapped };
            continue;
          }
          throw mapped;
        }
        // A credential handed out by another origin (after a redirect) is never adopted.
        if (useAuth && this.options.auth?.onResponse && res.sameOrigin) this.options.auth.onResponse(res.headers, sent);
        const ok = (res.status >= 200 && res.status < 300) || (opts.okStatuses || []).includes(res.status);
        if (ok) return { status: res.status, headers: res.headers, data: res.data as T, attempts: attempt };
        const errBody = res.data instanceof Readable ? parseBody(await readSome(res.data), header(res.headers, 'content-type')) : res.data;
        const err = httpError(opts.operation, res.status, errBody, attempt);
        if (res.status === 401 && useAuth && res.sameOrigin) {
          // The credential was refused: forget it (even when this request cannot be repeated, the
          // next one then logs in first), and log in again once and retry, whatever the attempt count.
          this.options.auth!.invalidate(sent);
          if (!reauthed && (replayable && !singleBody || !body)) {
            reauthed = true;
            this.stats.reauths++;
            attempt--;
            retry = { delay: 0, err };
            continue;
          }
        }
        const canRepeat = idempotent || NOT_PROCESSED_STATUSES.has(res.status);
        if (RETRY_STATUSES.has(res.status) && attempt < maxAttempts && canRepeat && (replayable && !singleBody || !body)) {
          const ra = parseRetryAfter(res.headers['retry-after']);
          if (ra !== undefined && ra > this.options.maxDelayMs) throw err; // asks for longer than we may wait
          retry = { delay: ra ?? this.backoff(attempt), err };
          continue;
        }
        throw err;
      } finally {
        release();
        if (retry && retry.delay > 0) {
          this.stats.retries++;
          this.options.log?.('debug', `${opts.operation}: retry ${attempt + 1}/${maxAttempts} in ${retry.delay} ms after ${retry.err.message}`);
          await sleep(retry.delay);
        }
      }
    }
  }

  /** Exponential back-off with full jitter, capped at maxDelayMs. */
  backoff(attempt: number): number {
    const rnd = (this.options.random || Math.random)();
    const exp = Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** (attempt - 1));
    return Math.max(1, Math.round(exp / 2 + (exp / 2) * rnd));
  }

  private mapNetworkError(e: unknown, operation: string, attempts: number): OtError {
    if (e instanceof OtError) return e;
    const err = e as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
    const code = err?.code || err?.cause?.code || '';
    const text = `${err?.message || err}`;
    if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || /timeout/i.test(text)) {
      return new OtError({ code: 'OT_TIMEOUT', message: `${operation} timed out after ${this.options.timeoutMs} ms (${this.options.name})`, operation, attempts });
    }
    if (isTlsFailure(err)) {
      return new OtError({ code: 'OT_NETWORK', message: `${operation}: TLS error talking to ${this.origin}: ${text} (${code}); add the server's CA in a TLS configuration`, operation, attempts });
    }
    if (NETWORK_CODES.has(code) || code) {
      return new OtError({ code: 'OT_NETWORK', message: `${operation}: network error talking to ${this.origin}: ${text}${code && !text.includes(code) ? ` (${code})` : ''}`, operation, attempts });
    }
    return new OtError({ code: 'OT_NETWORK', message: `${operation}: ${text}`, operation, attempts });
  }

  private async send(method: HttpMethod, url: URL, headers: Headers, body: RequestBody | undefined, opts: RequestOptions, useAuth: boolean): Promise<{ status: number; headers: ResponseHeaders; data: unknown; sameOrigin: boolean }> {
    let current = url;
    let currentMethod = method;
    let currentBody = body;
    let currentHeaders = { ...headers };
    for (let hop = 0; hop <= 5; hop++) {
      const res = await this.once(currentMethod, current, currentHeaders, currentBody, opts);
      const resHeaders = normaliseHeaders(res.headers);
      if (![301, 302, 303, 307, 308].includes(res.status) || !resHeaders.location) {
        // (`url` passed resolve(): no hop, no need to compute an origin, which is costly)
        return { status: res.status, headers: resHeaders, data: this.decode(res, resHeaders, opts), sameOrigin: current === url || current.origin === this.origin };
      }
      if (res.data instanceof Readable) res.data.resume();
      const next = new URL(String(header(resHeaders, 'location')), current);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        // axios would read data: URLs itself; only HTTP(S) redirects are followed.
        throw new OtError({ code: 'OT_API', message: `${opts.operation}: the server redirected to a ${next.protocol} URL; only HTTP(S) redirects are followed`, operation: opts.operation, statusCode: res.status });
      }
      if (next.origin !== this.origin) {
        // Credentials never travel to another origin.
        currentHeaders = Object.fromEntries(Object.entries(currentHeaders).filter(([k]) => !SECRET_REQUEST_HEADERS.has(k.toLowerCase())));
        if (useAuth) this.options.log?.('warn', `${opts.operation}: redirected to ${next.origin}; credentials were not sent there`);
      }
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && currentMethod === 'POST')) {
        currentMethod = 'GET';
        currentBody = undefined;
      } else if (currentBody && next.origin !== this.origin) {
        // 307/308 repeat the body, and a body may hold credentials (a login's password, an OAuth
        // client secret, an AppWorks key): it is never sent to another origin.
        throw new OtError({ code: 'OT_API', message: `${opts.operation}: the server redirected the request to ${next.origin}; its body is not sent to another origin (point the connection at the final URL)`, operation: opts.operation, statusCode: res.status });
      } else if (currentBody && (currentBody.kind === 'multipart' || (currentBody.kind === 'raw' && currentBody.data instanceof Readable))) {
        throw new OtError({ code: 'OT_API', message: `${opts.operation}: the server redirected an upload to ${next.href}; point the connection at the final URL`, operation: opts.operation, statusCode: res.status });
      }
      current = next;
    }
    throw new OtError({ code: 'OT_API', message: `${opts.operation}: too many redirects`, operation: opts.operation });
  }

  private decode(res: AxiosResponse, headers: ResponseHeaders, opts: RequestOptions): unknown {
    let data: unknown = res.data;
    if (Buffer.isBuffer(data)) {
      const ok = res.status >= 200 && res.status < 300;
      if (!ok || opts.responseType === undefined || opts.responseType === 'json') data = parseBody(data, header(headers, 'content-type'));
      else if (opts.responseType === 'text') data = data.toString('utf8');
    }
    return data;
  }

  private async once(method: HttpMethod, url: URL, headers: Headers, body: RequestBody | undefined, opts: RequestOptions): Promise<AxiosResponse> {
    const agents = this.agentsFor(url);
    const h: Record<string, string | number> = { Accept: 'application/json', ...headers };
    let data: unknown;
    if (body) {
      switch (body.kind) {
        case 'form':
          data = new URLSearchParams(body.fields).toString();
          h['Content-Type'] = 'application/x-www-form-urlencoded';
          break;
        case 'json':
          data = JSON.stringify(body.value);
          h['Content-Type'] = 'application/json';
          break;
        case 'multipart': {
          if (body.buffer) {
            data = body.buffer;
            h['Content-Type'] = body.contentType || 'multipart/form-data';
            h['Content-Length'] = body.buffer.length;
            break;
          }
          const form = body.form!;
          data = form;
          Object.assign(h, form.getHeaders());
          const len = await new Promise<number | undefined>((resolve) => form.getLength((err, n) => resolve(err ? undefined : n)));
          if (len !== undefined && Number.isFinite(len)) h['Content-Length'] = len;
          break;
        }
        case 'raw':
          data = body.data;
          h['Content-Type'] = body.contentType;
          if (body.length !== undefined) h['Content-Length'] = body.length;
          break;
      }
    }
    // (registered for every request, which also keeps a long-lived credential from ageing out of
    // the redaction registry; registering the newest one again costs one comparison)
    for (const k in h) {
      const v = h[k];
      if (typeof v === 'string' && SECRET_REQUEST_HEADERS.has(k.toLowerCase())) registerSecret(/^b/i.test(v) ? v.replace(/^(Bearer|Basic)\s+/i, '') : v);
    }
    const config: AxiosRequestConfig = {
      method,
      url: url.toString(),
      headers: h,
      data,
      timeout: opts.timeoutMs ?? this.options.timeoutMs,
      maxRedirects: 0,
      proxy: agents.httpProxy && url.protocol === 'http:' ? agents.httpProxy : false,
      httpAgent: agents.httpAgent,
      httpsAgent: agents.httpsAgent,
      responseType: opts.responseType === 'stream' ? 'stream' : 'arraybuffer',
      validateStatus: () => true,
      // -1, not Infinity: with any limit axios pipes a stream body through stream.pipeline(), which
      // never ends form-data's legacy stream, so every multipart request kept its socket "in use"
      // and after concurrency + 2 uploads the keep-alive pool was exhausted (the next request hung).
      maxBodyLength: -1,
      maxContentLength: Infinity,
      decompress: true,
      transitional: { clarifyTimeoutError: true },
    };
    if (config.responseType === 'arraybuffer') {
      const res = await axios.request(config);
      res.data = Buffer.isBuffer(res.data) ? res.data : Buffer.from(res.data as ArrayBuffer);
      return res;
    }
    return axios.request(config);
  }

  /** Closes pooled sockets; later requests fail with OT_UNAVAILABLE. */
  close(): void {
    this.closed = true;
    for (const set of this.agents.values()) {
      set.httpAgent.destroy();
      set.httpsAgent.destroy();
    }
    this.agents.clear();
  }

  /** Redacts a text with this layer's rules (for node code that builds its own messages). */
  static redact(text: string): string {
    return redact(text);
  }
}

// ---- body helpers ------------------------------------------------------------------------------

/** A plain form. */
export function form(fields: Record<string, string | number | boolean | undefined | null>): RequestBody {
  const f: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined && v !== null) f[k] = String(v);
  return { kind: 'form', fields: f };
}

/** Content Server's convention: one form field `body` holding the JSON of a complex request. */
export function csBody(value: unknown, extra?: Record<string, string | number | boolean | undefined>): RequestBody {
  const f: Record<string, string> = { body: JSON.stringify(value) };
  for (const [k, v] of Object.entries(extra || {})) if (v !== undefined) f[k] = String(v);
  return { kind: 'form', fields: f };
}

export function json(value: unknown): RequestBody {
  return { kind: 'json', value };
}

export interface FilePart {
  /** The content: a Buffer, a string, or a readable stream (streamed, never buffered). */
  data: Buffer | string | Readable;
  filename: string;
  contentType?: string;
  knownLength?: number;
}

/** Multipart bodies whose parts are all in memory and together at most this size are made as one buffer. */
export const MULTIPART_BUFFER_MAX = 256 * 1024;

/** form-data's escaping of a `name` / `filename` parameter (CR, LF and quotes cannot break the header). */
const escapeParam = (v: string) => v.replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/"/g, '%22');
/** A part's content type (it may come from a message): no line breaks, so it cannot add part headers. */
const partType = (v: string | undefined) => (v || 'application/octet-stream').replace(/[\r\n]+/g, ' ');

/**
 * multipart/form-data with text fields (in order) and file parts. A body with a stream in it is
 * streamed by form-data. A small one held in memory is made here as one buffer, byte for byte
 * what form-data would stream (same part headers, escaping and boundary form): building a
 * form-data stream for a few KiB costs more than the request it is for, and one buffer is one
 * write to the socket.
 */
export function multipart(fields: Record<string, string | undefined>, files: Record<string, FilePart>): RequestBody {
  let inMemory = 0;
  for (const v of Object.values(fields)) if (v !== undefined) inMemory += Buffer.byteLength(v);
  for (const f of Object.values(files)) inMemory += typeof f.data === 'string' ? Buffer.byteLength(f.data) : Buffer.isBuffer(f.data) ? f.data.length : Infinity;
  if (inMemory <= MULTIPART_BUFFER_MAX) {
    const boundary = '--------------------------' + crypto.randomBytes(12).toString('hex');
    const chunks: Buffer[] = [];
    let text = '';
    for (const [k, v] of Object.entries(fields)) {
      if (v !== undefined) text += `--${boundary}\r\nContent-Disposition: form-data; name="${escapeParam(k)}"\r\n\r\n${v}\r\n`;
    }
    for (const [k, f] of Object.entries(files)) {
      const filename = f.filename ? `; filename="${escapeParam(path.basename(f.filename))}"` : '';
      text += `--${boundary}\r\nContent-Disposition: form-data; name="${escapeParam(k)}"${filename}\r\nContent-Type: ${partType(f.contentType)}\r\n\r\n`;
      chunks.push(Buffer.from(text, 'utf8'), typeof f.data === 'string' ? Buffer.from(f.data, 'utf8') : (f.data as Buffer));
      text = '\r\n';
    }
    chunks.push(Buffer.from(`${text}--${boundary}--\r\n`, 'utf8'));
    return { kind: 'multipart', buffer: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
  }
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) fd.append(k, v);
  for (const [k, f] of Object.entries(files)) {
    const opts: FormData.AppendOptions = { filename: f.filename, contentType: partType(f.contentType) };
    if (f.knownLength !== undefined) opts.knownLength = f.knownLength;
    fd.append(k, typeof f.data === 'string' ? Buffer.from(f.data) : f.data, opts);
  }
  return { kind: 'multipart', form: fd };
}
