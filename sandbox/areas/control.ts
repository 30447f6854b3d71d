/**
 * The sandbox's own control API for people and tests: state, reset, clock, faults, and the web
 * page at /_sandbox/. Areas add their own /_sandbox/... injection routes (inbound fax, push
 * response, Exstream event) next to their APIs.
 */
import fs from 'fs';
import path from 'path';
import { Area, HttpError } from '../server';

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
    app.route('GET', '/_sandbox/webhooks', () => ({ status: 200, body: { ...app.webhooks, secret: app.webhooks.secret ? '***' : undefined } }));
    app.route('POST', '/_sandbox/webhooks', (ctx) => {
      // {"fax": url, "inboundFax": url, "push": url, "exstream": url, "secret": "..."}; null removes one
      const b = (ctx.json || {}) as Record<string, unknown>;
      for (const [k, v] of Object.entries(b)) {
        if (v === null || v === '') delete app.webhooks[k];
        else if (typeof v === 'string') app.webhooks[k] = v;
      }
      return { status: 200, body: { ...app.webhooks, secret: app.webhooks.secret ? '***' : undefined } };
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
