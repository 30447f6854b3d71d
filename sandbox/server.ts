/**
 * The sandbox's HTTP core: a small router, strict body parsing (forms, multipart, JSON, raw),
 * recording of every request, deterministic fault injection, a simulated clock, and the registry
 * of API areas (OTDS, Content Server, Records Management, Exstream, Cloud Messaging, AppWorks).
 */
import crypto from 'crypto';
import fs from 'fs';
import http, { IncomingMessage, ServerResponse } from 'http';
import https from 'https';
import { Readable } from 'stream';
import { ContentStore, SavedContent } from './content';
import { MultipartError, parseMultipart, UploadedFile } from './multipart';

export type Json = unknown;

export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  app: SandboxApp;
  method: string;
  /** Path without the query string, URL-decoded per segment by the router. */
  path: string;
  params: Record<string, string>;
  query: Record<string, string>;
  /** Repeated query keys, all values. */
  queryAll: Record<string, string[]>;
  contentType: string;
  /** Form fields (urlencoded or multipart text parts). */
  form: Record<string, string>;
  files: Record<string, UploadedFile>;
  /** Parsed JSON body (only for application/json requests). */
  json: Json;
  /** Raw body for other content types. */
  raw?: Buffer;
  /** What was parsed, for the recording. */
  record: { fields: Record<string, 'text' | 'file'>; body?: unknown };
  /** Extra response headers (the CS ticket refresh adds OTCSTicket here). */
  outHeaders: Record<string, string>;
  now(): number;
}

export interface Reply {
  status: number;
  body?: Json | Buffer | Readable | string;
  contentType?: string;
  headers?: Record<string, string>;
}

export type Handler = (ctx: Ctx) => Promise<Reply> | Reply;

interface Route {
  method: string;
  re: RegExp;
  names: string[];
  handler: Handler;
  /** Body parsing: 'auto' (by content type), or 'none' to leave the stream to the handler. */
  body: 'auto' | 'none';
}

export type FaultKind = '500' | '502' | '503' | '504' | '429' | 'latency' | 'reset' | 'hang' | 'malformed' | 'expired';

export interface FaultRule {
  /** Regular expression tested against "METHOD /path" (default: every API request). */
  route?: string;
  probability: number;
  kind: FaultKind;
  /** For 429: the Retry-After seconds (default 1). */
  retryAfter?: number;
  /** For latency: added milliseconds (default 200). For hang: how long before closing (default 120000). */
  ms?: number;
}

export interface FaultConfig {
  seed?: number;
  rules: FaultRule[];
}

export interface Area {
  name: string;
  /** Build this area's state from the fixture (called at start and on reset). */
  init(fixture: Record<string, unknown>, app: SandboxApp): unknown;
  /** JSON view of the state for GET /_sandbox/state. */
  snapshot?(state: unknown, app: SandboxApp): unknown;
  /** Register routes (called once). */
  routes(app: SandboxApp): void;
  /** Called about every 100 ms and before each request with the simulated time. */
  tick?(app: SandboxApp, now: number): void;
}

export interface SandboxOptions {
  port?: number;
  host?: string;
  /** Fixture: a path to a JSON file, or the object itself. */
  data?: string | Record<string, unknown>;
  /**
   * File to append the recording to (one JSON line per request). Default: the OT_SANDBOX_RECORD
   * environment variable; `false` turns recording off even when that variable is set.
   */
  record?: string | false;
  faults?: FaultConfig;
  /** Content Server REST prefix (default /otcs/cs.exe/api). */
  csPrefix?: string;
  /** OAuth token lifetime in seconds (default 3600). */
  tokenLifetime?: number;
  /** Content Server ticket idle lifetime in seconds (default 1800). */
  ticketLifetime?: number;
  /**
   * Keep the state in this file: loaded on start when it exists (instead of the fixture), saved on
   * close (document contents go to `<stateFile>.content/`). A reset still goes back to the fixture.
   */
  stateFile?: string;
  /** Settings read by areas (webhook URLs and the like). */
  settings?: Record<string, unknown>;
  /** Quiet: no console output. */
  quiet?: boolean;
}

const SECRET_HEADER = /^(authorization|otcsticket|otdsticket|cookie|proxy-authorization|x-api-key)$/i;
const SECRET_FIELD = /^(password|passwd|client_secret|secret|access_token|refresh_token|ticket|token|key|subject_token)$/i;

function maskSecrets(v: unknown, depth = 0): unknown {
  if (depth > 10 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => maskSecrets(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    out[k] = SECRET_FIELD.test(k) && typeof val === 'string' ? '***' : maskSecrets(val, depth + 1);
  }
  return out;
}

/** mulberry32: a small seeded PRNG, so fault runs are reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FAULT_KINDS: FaultKind[] = ['500', '502', '503', '504', '429', 'latency', 'reset', 'hang', 'malformed', 'expired'];

/** Checks one fault rule (from options or POST /_sandbox/faults) and returns a clean copy. */
function validateFaultRule(r: unknown, i: number): FaultRule {
  const bad = (why: string) => new HttpError({ status: 400, body: { error: `faults: rule ${i}: ${why}` } });
  if (!r || typeof r !== 'object' || Array.isArray(r)) throw bad('must be an object');
  const o = r as Record<string, unknown>;
  const kind = String(o.kind ?? '') as FaultKind;
  if (!FAULT_KINDS.includes(kind)) throw bad(`kind must be one of ${FAULT_KINDS.join(', ')}`);
  const probability = o.probability === undefined ? 1 : Number(o.probability);
  if (!Number.isFinite(probability) || probability < 0 || probability > 1) throw bad('probability must be a number from 0 to 1');
  const out: FaultRule = { kind, probability };
  if (o.route !== undefined && o.route !== null && o.route !== '') {
    if (typeof o.route !== 'string') throw bad('route must be a regular expression string');
    try {
      new RegExp(o.route);
    } catch (e) {
      throw bad(`route is not a regular expression: ${(e as Error).message}`);
    }
    out.route = o.route;
  }
  for (const k of ['retryAfter', 'ms'] as const) {
    if (o[k] === undefined || o[k] === null) continue;
    const n = Number(o[k]);
    if (!Number.isFinite(n) || n < 0) throw bad(`${k} must be a number of at least 0`);
    out[k] = n;
  }
  return out;
}

export class HttpError extends Error {
  constructor(
    readonly reply: Reply,
  ) {
    const b = reply.body as { error?: unknown; message?: unknown } | undefined;
    const text = b && typeof b === 'object' && !Buffer.isBuffer(b) ? (typeof b.error === 'string' ? b.error : typeof b.message === 'string' ? b.message : '') : '';
    super(`HTTP ${reply.status}${text ? `: ${text}` : ''}`);
  }
}

export class SandboxApp {
  readonly routes: Route[] = [];
  readonly areas: Area[] = [];
  readonly state: Record<string, unknown> = {};
  readonly content = new ContentStore();
  readonly options: SandboxOptions;
  readonly csPrefix: string;
  fixture: Record<string, unknown> = {};
  private clockOffset = 0;
  private faults: FaultConfig = { rules: [] };
  private faultRoutes: Array<RegExp | undefined> = [];
  private rand: () => number = prng(1);
  private recordStream?: fs.WriteStream;
  /** Counters per fault kind, for tests. */
  readonly faultCounts: Record<string, number> = {};
  /** Every request received (method and path), for quick assertions. */
  requestCount = 0;
  private readonly webhookErrors: string[] = [];
  server?: http.Server;
  url = '';

  constructor(options: SandboxOptions) {
    this.options = options;
    this.csPrefix = (options.csPrefix || '/otcs/cs.exe/api').replace(/\/+$/, '');
    if (options.faults) this.setFaults(options.faults);
    const rec = options.record === false ? undefined : options.record || process.env.OT_SANDBOX_RECORD;
    if (rec) this.recordStream = fs.createWriteStream(rec, { flags: 'a' });
  }

  // ---- time ----
  now(): number {
    return Date.now() + this.clockOffset;
  }
  advanceClock(ms: number): void {
    this.clockOffset += Math.max(0, ms);
    this.tick();
  }
  get clockOffsetMs(): number {
    return this.clockOffset;
  }

  // ---- faults ----
  /**
   * Replaces the fault rules, restarts the seeded random sequence and clears the counters.
   * Throws a 400 HttpError for an unknown kind, a bad probability or a bad route expression.
   */
  setFaults(cfg: FaultConfig): void {
    const rules = (cfg.rules || []).map((r, i) => validateFaultRule(r, i));
    const seed = cfg.seed === undefined || cfg.seed === null ? 1 : Number(cfg.seed);
    if (!Number.isFinite(seed)) throw new HttpError({ status: 400, body: { error: 'faults: seed must be a number' } });
    this.faults = { seed, rules };
    this.faultRoutes = rules.map((r) => (r.route ? new RegExp(r.route) : undefined));
    this.rand = prng(seed);
    for (const k of Object.keys(this.faultCounts)) delete this.faultCounts[k];
  }
  getFaults(): FaultConfig {
    return this.faults;
  }

  // ---- areas and routes ----
  use(area: Area): void {
    this.areas.push(area);
    area.routes(this);
  }

  area<T>(name: string): T {
    return this.state[name] as T;
  }

  route(method: string, pattern: string, handler: Handler, body: 'auto' | 'none' = 'auto'): void {
    const names: string[] = [];
    const re = new RegExp(
      '^' +
        pattern
          .replace(/\/+$/, '')
          .split('/')
          .map((seg) => {
            if (seg.startsWith(':')) {
              names.push(seg.slice(1));
              return '([^/]+)';
            }
            return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          })
          .join('/') +
        '/?$',
    );
    this.routes.push({ method: method.toUpperCase(), re, names, handler, body });
  }

  /** A Content Server route under the configured prefix (pattern like "/v2/nodes/:id"). */
  cs(method: string, pattern: string, handler: Handler, body: 'auto' | 'none' = 'auto'): void {
    this.route(method, this.csPrefix + pattern, handler, body);
  }

  /** Restores every area from the fixture and sets the simulated clock back to real time. */
  reset(fixture?: Record<string, unknown>): void {
    if (fixture) this.fixture = fixture;
    this.clockOffset = 0;
    this.content.clear();
    for (const a of this.areas) this.state[a.name] = a.init(JSON.parse(JSON.stringify(this.fixture)), this);
  }

  snapshot(area?: string): unknown {
    const out: Record<string, unknown> = {};
    for (const a of this.areas) {
      if (area && a.name !== area) continue;
      try {
        out[a.name] = a.snapshot ? a.snapshot(this.state[a.name], this) : this.state[a.name];
      } catch (e) {
        // one broken area must not hide the others (the web page shows the message)
        out[a.name] = { snapshotError: (e as Error).message };
      }
    }
    return area ? out[area] : out;
  }

  tick(): void {
    const t = this.now();
    for (const a of this.areas) {
      try {
        a.tick?.(this, t);
      } catch (e) {
        if (!this.options.quiet) console.error(`sandbox: tick of ${a.name} failed:`, e);
      }
    }
  }

  /**
   * Webhooks by kind ("fax", "inboundFax", "push", "exstream"), set by POST /_sandbox/webhooks or
   * settings (`<kind>Webhook`): a kind with one URL holds that URL, a kind with several a list (every
   * event goes to each of them). "secret" is the one shared secret all of them are signed with.
   */
  readonly webhooks: Record<string, string | string[]> = {};

  /** The URLs registered for a kind (the `<kind>Webhook` setting when none is): none, one or several. */
  webhookUrls(kind: string): string[] {
    if (kind === 'secret') return [];
    const own = this.webhooks[kind];
    const v = own !== undefined ? own : this.options.settings?.[`${kind}Webhook`];
    const list = Array.isArray(v) ? v : [v];
    return [...new Set(list.filter((u): u is string => typeof u === 'string' && u !== ''))];
  }

  /** Sets the URLs of a kind (none removes it; one is kept as a string, several as a list, without repeats). */
  setWebhookUrls(kind: string, urls: string[]): void {
    const list = [...new Set(urls.filter((u) => typeof u === 'string' && u !== ''))];
    if (list.length === 0) delete this.webhooks[kind];
    else this.webhooks[kind] = list.length === 1 ? list[0] : list;
  }

  /**
   * Sends an event to every webhook registered for `kind` (if any), each the same way: with a
   * secret (`secret` of POST /_sandbox/webhooks or the `webhookSecret` setting) the request carries
   * `X-OT-Token: <secret>` and `X-OT-Signature: sha256=<HMAC-SHA256 of the body>`. True when at
   * least one URL is registered.
   */
  emitWebhook(kind: string, body: unknown): boolean {
    const urls = this.webhookUrls(kind);
    for (const url of urls) this.postWebhook(url, body);
    return urls.length > 0;
  }

  /** POSTs JSON to a URL, fire and forget (errors and refusals kept for the state view). */
  postWebhook(url: string, body: unknown, headers: Record<string, string> = {}): void {
    const data = Buffer.from(JSON.stringify(body));
    const own = this.webhooks.secret;
    const secret = (typeof own === 'string' && own ? own : this.options.settings?.webhookSecret) as string | undefined;
    if (secret) {
      headers = { 'X-OT-Token': secret, 'X-OT-Signature': 'sha256=' + crypto.createHmac('sha256', secret).update(data).digest('hex'), ...headers };
    }
    try {
      const u = new URL(url);
      const mod = u.protocol === 'https:' ? https : http;
      const req = mod.request({ method: 'POST', hostname: u.hostname.replace(/^\[|\]$/g, ''), port: u.port, path: u.pathname + u.search, headers: { 'content-type': 'application/json', 'content-length': data.length, ...headers }, timeout: 5000 });
      req.on('error', (e) => this.webhookErrors.push(`${url}: ${e.message}`));
      req.on('timeout', () => req.destroy());
      req.on('response', (r) => {
        // a receiver that refuses the event (401 for a wrong secret, 404 for no such endpoint) is a failed delivery too
        if ((r.statusCode || 0) >= 300) this.webhookErrors.push(`${url}: HTTP ${r.statusCode}`);
        r.resume();
      });
      req.end(data);
    } catch (e) {
      this.webhookErrors.push(`${url}: ${(e as Error).message}`);
    }
  }

  get webhookFailures(): string[] {
    return this.webhookErrors.slice(-50);
  }

  // ---- request handling ----
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requestCount++;
    const started = Date.now();
    const u = new URL(req.url || '/', 'http://sandbox');
    const method = (req.method || 'GET').toUpperCase();
    const path = u.pathname;
    const query: Record<string, string> = {};
    const queryAll: Record<string, string[]> = {};
    for (const [k, v] of u.searchParams) {
      if (!(k in query)) query[k] = v;
      (queryAll[k] ||= []).push(v);
    }
    const ctx: Ctx = {
      req,
      res,
      app: this,
      method,
      path,
      params: {},
      query,
      queryAll,
      contentType: String(req.headers['content-type'] || ''),
      form: {},
      files: {},
      json: undefined,
      record: { fields: {} },
      outHeaders: {},
      now: () => this.now(),
    };
    let reply: Reply;
    let routeFound = false;
    try {
      this.tick();
      let route: Route | undefined;
      let methodMismatch = false;
      for (const r of this.routes) {
        const m = r.re.exec(path);
        if (!m) continue;
        if (r.method !== method) {
          methodMismatch = true;
          continue;
        }
        route = r;
        r.names.forEach((n, i) => (ctx.params[n] = decodeURIComponent(m[i + 1])));
        break;
      }
      if (!route) {
        req.resume();
        reply = this.notFound(path, methodMismatch);
      } else {
        routeFound = true;
        let parsed = false;
        if (!path.startsWith('/_sandbox')) {
          const rule = this.pickFault(ctx);
          if (rule) {
            // Read the request first, so the recording shows what the client sent.
            if (route.body === 'auto') {
              parsed = true;
              await this.parseBody(ctx).catch(() => undefined);
            }
            const injected = await this.injectFault(ctx, rule);
            if (injected === 'handled') return;
            if (injected) {
              req.resume();
              this.write(ctx, injected, started);
              return;
            }
          }
        }
        if (route.body === 'auto' && !parsed) await this.parseBody(ctx);
        reply = await route.handler(ctx);
      }
    } catch (e) {
      if (e instanceof HttpError) reply = e.reply;
      else if (e instanceof MultipartError) reply = this.isCs(path) ? { status: 400, body: { error: e.message } } : { status: 400, body: { message: e.message } };
      else {
        if (!this.options.quiet) console.error('sandbox: handler failed:', e);
        reply = { status: 500, body: { error: `sandbox internal error: ${(e as Error).message}` } };
      }
      req.resume();
    }
    void routeFound;
    this.write(ctx, reply, started);
  }

  private isCs(path: string): boolean {
    return path.startsWith(this.csPrefix + '/');
  }

  private notFound(path: string, methodMismatch: boolean): Reply {
    if (this.isCs(path)) {
      // Content Server answers unknown REST paths with 400 and this text.
      return { status: 400, body: { error: 'The REST API URL could not be found in the mappings registry' } };
    }
    return { status: methodMismatch ? 405 : 404, body: { status: methodMismatch ? 405 : 404, error: methodMismatch ? 'Method Not Allowed' : 'Not Found', message: `No handler for ${path}`, path } };
  }

  private async parseBody(ctx: Ctx): Promise<void> {
    const ct = ctx.contentType.toLowerCase();
    const method = ctx.method;
    if (method === 'GET' || method === 'HEAD') {
      ctx.req.resume();
      return;
    }
    if (ct.startsWith('multipart/form-data')) {
      const b = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(ctx.contentType);
      if (!b) throw new MultipartError('multipart/form-data without a boundary');
      const r = await parseMultipart(ctx.req, (b[1] || b[2]).trim(), this.content);
      ctx.form = r.fields;
      ctx.files = r.files;
      ctx.record.fields = r.kinds;
      return;
    }
    const raw = await readAll(ctx.req, 256 * 1024 * 1024);
    if (ct.startsWith('application/x-www-form-urlencoded')) {
      const p = new URLSearchParams(raw.toString('utf8'));
      for (const [k, v] of p) {
        if (!(k in ctx.form)) ctx.form[k] = v;
        ctx.record.fields[k] = 'text';
      }
      return;
    }
    if (ct.startsWith('application/json') || /\+json/.test(ct)) {
      const text = raw.toString('utf8');
      if (text.trim()) {
        try {
          ctx.json = JSON.parse(text);
        } catch {
          ctx.json = undefined;
          ctx.raw = raw;
          (ctx as Ctx & { jsonError?: boolean }).jsonError = true;
        }
      }
      ctx.record.body = ctx.json;
      return;
    }
    ctx.raw = raw;
  }

  /** The first rule that matches "METHOD /path" and fires (one draw of the seeded sequence per matching rule). */
  private pickFault(ctx: Ctx): FaultRule | undefined {
    const key = `${ctx.method} ${ctx.path}`;
    for (let i = 0; i < this.faults.rules.length; i++) {
      const rule = this.faults.rules[i];
      const re = this.faultRoutes[i];
      if (re && !re.test(key)) continue;
      if (!(this.rand() < rule.probability)) continue;
      this.faultCounts[rule.kind] = (this.faultCounts[rule.kind] || 0) + 1;
      return rule;
    }
    return undefined;
  }

  private async injectFault(ctx: Ctx, rule: FaultRule): Promise<Reply | 'handled' | undefined> {
    switch (rule.kind) {
      case '500':
      case '502':
      case '503':
      case '504': {
        const status = Number(rule.kind);
        return this.isCs(ctx.path) ? { status, body: { error: `Injected fault ${status}` } } : { status, body: { status, error: 'Injected fault', message: `Injected fault ${status}` } };
      }
      case '429':
        return { status: 429, headers: { 'Retry-After': String(rule.retryAfter ?? 1) }, body: { error: 'Too Many Requests', message: 'Injected rate limit' } };
      case 'latency':
        await new Promise((r) => setTimeout(r, rule.ms ?? 200));
        return undefined;
      case 'reset':
        ctx.req.socket.destroy();
        this.writeRecord(ctx, 0);
        return 'handled';
      case 'hang': {
        const t = setTimeout(() => ctx.req.socket.destroy(), rule.ms ?? 120000);
        ctx.req.socket.once('close', () => clearTimeout(t));
        ctx.req.resume();
        this.writeRecord(ctx, 0);
        return 'handled';
      }
      case 'malformed':
        return { status: 200, contentType: 'application/json', body: Buffer.from('{"results": {"data": ') };
      case 'expired':
        return this.isCs(ctx.path)
          ? { status: 401, body: { error: 'Session expired or invalid. Please log in again.' } }
          : { status: 401, headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' }, body: { error: 'invalid_token', error_description: 'The access token expired' } };
    }
    return undefined;
  }

  private write(ctx: Ctx, reply: Reply, _started: number): void {
    const { res } = ctx;
    const headers: Record<string, string> = { ...ctx.outHeaders, ...(reply.headers || {}) };
    let body = reply.body;
    if (res.headersSent || res.destroyed) return;
    if (body instanceof Readable) {
      res.writeHead(reply.status, { 'Content-Type': reply.contentType || 'application/octet-stream', ...headers });
      body.on('error', () => res.destroy());
      body.pipe(res);
      this.writeRecord(ctx, reply.status);
      return;
    }
    let data: Buffer;
    let ct = reply.contentType;
    if (body === undefined || body === null) {
      data = Buffer.alloc(0);
    } else if (Buffer.isBuffer(body)) {
      data = body;
    } else if (typeof body === 'string') {
      data = Buffer.from(body);
      ct ||= 'text/plain; charset=utf-8';
    } else {
      data = Buffer.from(JSON.stringify(body));
      ct ||= 'application/json; charset=utf-8';
    }
    if (reply.status === 204 || reply.status === 304) {
      res.writeHead(reply.status, headers);
      res.end();
    } else {
      res.writeHead(reply.status, { 'Content-Type': ct || 'application/octet-stream', 'Content-Length': data.length, ...headers });
      res.end(data);
    }
    body = undefined;
    this.writeRecord(ctx, reply.status);
  }

  private writeRecord(ctx: Ctx, status: number): void {
    if (!this.recordStream) return;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(ctx.req.headers)) {
      headers[k] = SECRET_HEADER.test(k) ? '***' : Array.isArray(v) ? v.join(', ') : String(v ?? '');
    }
    let body = ctx.record.body;
    if (body === undefined && typeof ctx.form.body === 'string') {
      try {
        body = JSON.parse(ctx.form.body);
      } catch {
        body = undefined;
      }
    }
    const line = {
      ts: new Date().toISOString(),
      method: ctx.method,
      path: ctx.path,
      query: maskSecrets(ctx.query),
      contentType: ctx.contentType || undefined,
      headers,
      fields: ctx.record.fields,
      body: maskSecrets(body),
      status,
    };
    this.recordStream.write(JSON.stringify(line) + '\n');
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((e) => {
        if (!this.options.quiet) console.error('sandbox: request failed', e);
        if (!res.headersSent) {
          res.writeHead(500);
          res.end();
        }
      });
    });
    this.server.keepAliveTimeout = 30000;
    this.server.headersTimeout = 35000;
    this.server.requestTimeout = 0;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    const addr = this.server.address();
    const p = typeof addr === 'object' && addr ? addr.port : port;
    const h = host.includes(':') ? `[${host}]` : host;
    this.url = `http://${h}:${p}`;
    return this.url;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections?.();
    });
    await new Promise<void>((resolve) => (this.recordStream ? this.recordStream.end(() => resolve()) : resolve()));
    if (this.options.stateFile) this.saveState(this.options.stateFile);
    this.content.close();
  }

  // ---- saved state ----
  /**
   * Writes every area's state, the simulated clock and the document contents to `file` (JSON; Maps,
   * Sets and Buffers tagged) and `<file>.content/` (the bytes), replacing what was there.
   */
  saveState(file: string): void {
    const content = this.content.save(`${file}.content`);
    const saved = { v: 1, savedAt: new Date().toISOString(), clockOffset: this.clockOffset, content, state: this.state };
    const text = JSON.stringify(saved, function (this: Record<string, unknown>, key: string, value: unknown) {
      // `this[key]` is the value before toJSON (Buffer.toJSON would hide that it is a Buffer)
      const raw = this[key];
      if (raw instanceof Map) return { $map: [...raw.entries()] };
      if (raw instanceof Set) return { $set: [...raw.values()] };
      if (Buffer.isBuffer(raw)) return { $buf: raw.toString('base64') };
      return value;
    });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  }

  /** Reads a file written by saveState back; false when there is none. */
  loadState(file: string): boolean {
    if (!fs.existsSync(file)) return false;
    const saved = JSON.parse(fs.readFileSync(file, 'utf8'), (_key, value: unknown) => {
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        const o = value as Record<string, unknown>;
        const keys = Object.keys(o);
        if (keys.length === 1 && keys[0] === '$map' && Array.isArray(o.$map)) return new Map(o.$map as Array<[unknown, unknown]>);
        if (keys.length === 1 && keys[0] === '$set' && Array.isArray(o.$set)) return new Set(o.$set as unknown[]);
        if (keys.length === 1 && keys[0] === '$buf' && typeof o.$buf === 'string') return Buffer.from(o.$buf, 'base64');
      }
      return value;
    }) as { v?: number; clockOffset?: number; content?: SavedContent; state?: Record<string, unknown> };
    if (saved.v !== 1 || !saved.state || typeof saved.state !== 'object') throw new Error(`${file} is not a saved sandbox state`);
    for (const a of this.areas) if (saved.state[a.name] !== undefined) this.state[a.name] = saved.state[a.name];
    if (saved.content) this.content.load(saved.content, `${file}.content`);
    this.clockOffset = Number(saved.clockOffset) || 0;
    return true;
  }
}

export async function readAll(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw new HttpError({ status: 413, body: { error: 'Request entity too large' } });
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

// ---- reply helpers --------------------------------------------------------------------------------

export const ok = (body: Json, status = 200, headers?: Record<string, string>): Reply => ({ status, body, headers });

/** Content Server error body: {"error": "...", "errorDetail": "..."}. */
export function csError(status: number, error: string, errorDetail?: string): HttpError {
  return new HttpError({ status, body: errorDetail ? { error, errorDetail } : { error } });
}

/**
 * Content Server request parameters: query, form fields, and the JSON of the `body` form field
 * (which wins). A JSON request body is not read: Content Server does not accept it.
 */
export function csParams(ctx: Ctx): Record<string, unknown> {
  const out: Record<string, unknown> = { ...ctx.query };
  for (const [k, v] of Object.entries(ctx.form)) if (k !== 'body') out[k] = v;
  if (typeof ctx.form.body === 'string' && ctx.form.body.trim()) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(ctx.form.body);
    } catch {
      throw csError(400, 'Could not parse the body parameter as JSON.');
    }
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) Object.assign(out, parsed);
  }
  return out;
}
