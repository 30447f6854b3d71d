/**
 * The sandbox's own control API for people and tests: state, reset, clock, faults, and the web
 * page at /_sandbox/. Areas add their own /_sandbox/... injection routes (inbound fax, push
 * response, Exstream event) next to their APIs.
 */
import fs from 'fs';
import path from 'path';
import { Area, HttpError, type SandboxApp } from '../server';

/** Parses "P3D", "PT2H", "90s", "15m", "2h", "3d" or a number of milliseconds. */
export function parseDuration(v: unknown): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  const s = String(v ?? '').trim();
  const iso = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(s);
  if (iso && s.length > 1) return ((+(iso[1] || 0) * 24 + +(iso[2] || 0)) * 60 + +(iso[3] || 0)) * 60000 + +(iso[4] || 0) * 1000;
  const simple = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/i.exec(s);
  if (simple) {
    const n = parseFloat(simple[1]);
    const unit = (simple[2] || 'ms').toLowerCase();
    return n * ({ ms: 1, s: 1000, m: 60000, h: 3600000, d: 86400000 } as Record<string, number>)[unit];
  }
  throw new HttpError({ status: 400, body: { error: `cannot read the duration ${JSON.stringify(v)}` } });
}

export const controlArea: Area = {
  name: '_sandbox',
  init: () => ({}),
  snapshot: () => undefined,
  routes(app) {
    app.route('GET', '/_sandbox/state', () => ({ status: 200, body: { now: new Date(app.now()).toISOString(), clockOffsetMs: app.clockOffsetMs, ...(app.snapshot() as object), webhookFailures: app.webhookFailures } }));
    app.route('GET', '/_sandbox/state/:area', (ctx) => {
      if (ctx.params.area.startsWith('_') || !app.areas.some((a) => a.name === ctx.params.area)) throw new HttpError({ status: 404, body: { error: `no area ${ctx.params.area}; areas: ${app.areas.filter((a) => !a.name.startsWith('_')).map((a) => a.name).join(', ')}` } });
      return { status: 200, body: app.snapshot(ctx.params.area) };
    });
    app.route('POST', '/_sandbox/reset', () => {
      app.reset();
      return { status: 200, body: { reset: true } };
    });
    app.route('POST', '/_sandbox/clock', (ctx) => {
      const b = (ctx.json || {}) as Record<string, unknown>;
      if (b.advance !== undefined) app.advanceClock(parseDuration(b.advance));
      else if (b.set !== undefined) {
        const t = Date.parse(String(b.set));
        if (Number.isNaN(t)) throw new HttpError({ status: 400, body: { error: 'set must be an ISO date' } });
        if (t < app.now() - 1000) throw new HttpError({ status: 400, body: { error: 'the sandbox clock only moves forward (POST /_sandbox/reset sets it back to real time)' } });
        app.advanceClock(Math.max(0, t - app.now()));
      }
      return { status: 200, body: { now: new Date(app.now()).toISOString(), offsetMs: app.clockOffsetMs } };
    });
    app.route('GET', '/_sandbox/faults', () => ({ status: 200, body: { ...app.getFaults(), counts: app.faultCounts } }));
    app.route('POST', '/_sandbox/faults', (ctx) => {
      const b = (ctx.json || {}) as { seed?: number; rules?: unknown };
      if (!Array.isArray(b.rules)) throw new HttpError({ status: 400, body: { error: 'rules must be an array' } });
      app.setFaults({ seed: b.seed, rules: b.rules as never });
      return { status: 200, body: app.getFaults() };
    });
    app.route('GET', '/_sandbox/webhooks', () => ({ status: 200, body: webhookView(app) }));
    app.route('POST', '/_sandbox/webhooks', (ctx) => {
      applyWebhookChanges(app, ctx.json);
      return { status: 200, body: webhookView(app) };
    });
    app.route('GET', '/_sandbox', () => page());
    app.route('GET', '/_sandbox/', () => page());
  },
};

function page() {
  const file = path.join(__dirname, '..', 'web', 'index.html');
  if (!fs.existsSync(file)) return { status: 200, contentType: 'text/html; charset=utf-8', body: '<!doctype html><title>OpenText sandbox</title><p>The OpenText sandbox is running. State: <a href="/_sandbox/state">/_sandbox/state</a></p>' };
  return { status: 200, contentType: 'text/html; charset=utf-8', body: fs.readFileSync(file) };
}

/** What GET/POST /_sandbox/webhooks answer: the URLs per kind (one as a string, several as a list), the secret masked. */
function webhookView(app: SandboxApp): Record<string, unknown> {
  return { ...app.webhooks, secret: app.webhooks.secret ? '***' : undefined };
}

const RESERVED = ['secret', 'add', 'remove'];

function badWebhooks(message: string): HttpError {
  return new HttpError({ status: 400, body: { error: message } });
}

/** An http(s) URL, else a 400 naming the kind. */
function webhookUrl(kind: string, v: unknown): string {
  if (typeof v !== 'string' || !v.trim()) throw badWebhooks(`${kind}: a webhook must be an http or https URL, not ${JSON.stringify(v)}`);
  let u: URL;
  try {
    u = new URL(v.trim());
  } catch {
    throw badWebhooks(`${kind}: ${JSON.stringify(v)} is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw badWebhooks(`${kind}: ${JSON.stringify(v)} is not an http or https URL`);
  return v.trim();
}

/** A URL or a list of URLs. */
function webhookUrls(kind: string, v: unknown): string[] {
  if (Array.isArray(v)) return v.map((x) => webhookUrl(kind, x));
  return [webhookUrl(kind, v)];
}

function kindMap(name: string, v: unknown): Record<string, unknown> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw badWebhooks(`${name} must be an object {kind: url or [urls]}`);
  for (const k of Object.keys(v)) if (RESERVED.includes(k)) throw badWebhooks(`${name}: "${k}" is not a webhook kind`);
  return v as Record<string, unknown>;
}

/**
 * POST /_sandbox/webhooks:
 *   {"push": url}                     the push webhook is exactly this URL (replacing any others)
 *   {"push": [url1, url2]}            the push webhooks are these URLs (each event goes to all)
 *   {"push": null} or {"push": ""} or {"push": []}   no push webhook
 *   {"add": {"push": url}}            one more push webhook (a URL or a list; no repeats)
 *   {"remove": {"push": url}}         one push webhook less (a URL or a list)
 *   {"secret": "..."} / {"secret": null}   the one secret every webhook is signed with
 * Kinds: fax, inboundFax, push, exstream (others are kept for areas that emit them). The request is
 * checked whole first (400, nothing changed); then the kinds are set, added to, and removed from.
 */
function applyWebhookChanges(app: SandboxApp, json: unknown): void {
  if (json === undefined) return;
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw badWebhooks('send a JSON object {"push": url or [urls], "add": {...}, "remove": {...}, "secret": "..."}');
  const b = json as Record<string, unknown>;
  const set: Array<[string, string[]]> = [];
  const add: Array<[string, string[]]> = [];
  const remove: Array<[string, string[]]> = [];
  let secret: string | null | undefined;
  for (const [k, v] of Object.entries(b)) {
    if (k === 'secret') {
      if (v === null || v === '') secret = null;
      else if (typeof v === 'string') secret = v;
      else throw badWebhooks('secret must be a text (or null to remove it)');
    } else if (k === 'add' || k === 'remove') {
      for (const [kind, urls] of Object.entries(kindMap(k, v))) (k === 'add' ? add : remove).push([kind, webhookUrls(`${k}.${kind}`, urls)]);
    } else if (v === null || v === '') set.push([k, []]);
    else set.push([k, webhookUrls(k, v)]);
  }
  for (const [kind, urls] of set) app.setWebhookUrls(kind, urls);
  for (const [kind, urls] of add) app.setWebhookUrls(kind, [...app.webhookUrls(kind), ...urls]);
  for (const [kind, urls] of remove) app.setWebhookUrls(kind, app.webhookUrls(kind).filter((u) => !urls.includes(u)));
  if (secret === null) delete app.webhooks.secret;
  else if (secret !== undefined) app.webhooks.secret = secret;
}

