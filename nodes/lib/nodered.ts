/**
 * Node-RED glue shared by every node of the pack: property evaluation (TypedInput), the input
 * handler wrapper (status, send/done, catchable errors), status with time, and config lookup.
 */
import type { Node, NodeAPI, NodeMessage, NodeMessageInFlow, NodeStatus } from 'node-red';
import { OtError, isOtError } from './errors';
import { redact } from './redact';

export type RED = NodeAPI;
/** A message as nodes of this pack see it: any properties. */
export type Msg = NodeMessageInFlow & Record<string, unknown>;
export type Send = (msg: NodeMessage | Array<NodeMessage | NodeMessage[] | null>) => void;

/** A property that may be overridden from the message: the TypedInput value and type. */
export interface TypedProp {
  value: string;
  type: string;
}

/** A value that may still be coming (a TypedInput is read at once unless its store is asynchronous). */
export type MaybePromise<T> = T | Promise<T>;

export function isPromise<T>(v: MaybePromise<T>): v is Promise<T> {
  return !!v && typeof (v as Promise<T>).then === 'function';
}

/**
 * Runs `fn` on a value that may be a promise, without a promise when it is not: reading a
 * node's settings happens on every message, mostly for plain text and `msg.` properties that are
 * known at once. A failure is always returned as a rejected promise, never thrown.
 */
export function thenMaybe<T, R>(v: MaybePromise<T>, fn: (x: T) => R): MaybePromise<R> {
  if (isPromise(v)) return v.then(fn);
  try {
    return fn(v);
  } catch (e) {
    return Promise.reject(e);
  }
}

/**
 * Evaluates a TypedInput property (msg, flow, global, env, jsonata, str, num, json, ...). The
 * value comes back directly when Node-RED has it at once (every type but JSONata and asynchronous
 * context stores), otherwise as a promise; errors are always a rejected promise.
 */
export function evalProp(RED: RED, node: Node, msg: Msg | undefined, value: string | undefined, type: string | undefined): MaybePromise<unknown> {
  const t = type || 'str';
  if (value === undefined || value === null) return undefined;
  if (t === 'str' || t === '') return value;
  // An empty field means "not set" for every type but plain text (an empty json/num is no value).
  if (value === '') return undefined;
  const fail = (e: Error) => new OtError({ code: 'OT_INVALID_INPUT', message: `cannot read ${t} property "${value}": ${e.message}` });
  let state = 'waiting' as 'waiting' | 'done' | 'failed' | 'async';
  let result: unknown;
  let error: Error | undefined;
  let settle: ((err: Error | null, v: unknown) => void) | undefined;
  try {
    RED.util.evaluateNodeProperty(value, t, node, msg as NodeMessage, (err: Error | null, v: unknown) => {
      if (state === 'async') settle!(err, v);
      else if (err) {
        state = 'failed';
        error = err;
      } else {
        state = 'done';
        result = v;
      }
    });
  } catch (e) {
    return Promise.reject(fail(e as Error));
  }
  if (state === 'done') return result;
  if (state === 'failed') return Promise.reject(fail(error!));
  state = 'async';
  return new Promise((resolve, reject) => {
    settle = (err, v) => (err ? reject(fail(err)) : resolve(v));
  });
}

/** Evaluates a property and falls back to a default when it is empty. */
export async function evalOr<T>(RED: RED, node: Node, msg: Msg | undefined, value: string | undefined, type: string | undefined, fallback: T): Promise<unknown | T> {
  const v = await evalProp(RED, node, msg, value, type);
  return v === undefined || v === null || v === '' ? fallback : v;
}

function clock(at: number): string {
  const d = new Date(at);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export type StatusKind = 'busy' | 'ok' | 'warn' | 'error' | 'idle' | 'clear';

interface StatusRequest {
  kind: StatusKind;
  text: string;
  withTime: boolean;
  at: number;
}

/** Per node: what was shown last, and the newest request held back by the rate limit. */
interface StatusState {
  shown?: string;
  windowStart: number;
  count: number;
  pending?: StatusRequest;
  timer?: ReturnType<typeof setTimeout>;
}

/**
 * The status rate limit: a node shows STATUS_BURST updates per STATUS_WINDOW_MS at once; beyond
 * that only the newest one is kept and shown when the window ends. A node handling hundreds of
 * messages a second would otherwise send two editor updates per message (a websocket message to
 * every open editor, and the runtime's status routing), which cost more than the node's own work
 * against a fast server. Nothing is lost that a person could read: the last state always shows.
 */
const STATUS_BURST = 10;
const STATUS_WINDOW_MS = 500;
const statusStates = new WeakMap<Node, StatusState>();

function showStatus(node: Node, st: StatusState, r: StatusRequest): void {
  let s: NodeStatus;
  if (r.kind === 'clear') s = {};
  else {
    const fill: NodeStatus['fill'] = r.kind === 'busy' ? 'blue' : r.kind === 'ok' ? 'green' : r.kind === 'warn' ? 'yellow' : r.kind === 'error' ? 'red' : 'grey';
    const shape: NodeStatus['shape'] = r.kind === 'busy' || r.kind === 'idle' ? 'ring' : 'dot';
    let t = redact(r.text);
    if (t.length > 32) t = t.slice(0, 31) + '…';
    s = { fill, shape, text: r.withTime && t ? `${t} ${clock(r.at)}` : t };
  }
  // the same status again (a busy ring for each of many messages) is not sent again
  const key = `${s.fill}|${s.shape}|${s.text}`;
  if (key === st.shown) return;
  st.shown = key;
  node.status(s);
}

/**
 * Short status text with the time; text is redacted and trimmed to stay readable. Updates are
 * rate-limited per node (see STATUS_BURST): the newest one always shows, at the latest when the
 * current window ends. `clear` ends the node's pending update (used when the node closes).
 */
export function status(node: Node, kind: StatusKind, text = '', withTime = true): void {
  let st = statusStates.get(node);
  const now = Date.now();
  if (!st) {
    const state: StatusState = { windowStart: now, count: 0 };
    statusStates.set(node, state);
    // a held-back update is dropped with the node (a redeploy must not set a stopped node's status)
    node.on('close', () => {
      if (state.timer) clearTimeout(state.timer);
      state.timer = undefined;
      state.pending = undefined;
    });
    st = state;
  }
  const r: StatusRequest = { kind, text, withTime, at: now };
  if (kind === 'clear') {
    if (st.timer) clearTimeout(st.timer);
    st.timer = undefined;
    st.pending = undefined;
    showStatus(node, st, r);
    return;
  }
  if (now - st.windowStart >= STATUS_WINDOW_MS) {
    st.windowStart = now;
    st.count = 0;
  }
  if (st.count < STATUS_BURST && !st.timer) {
    st.count++;
    showStatus(node, st, r);
    return;
  }
  st.pending = r;
  if (!st.timer) {
    const state = st;
    state.timer = setTimeout(
      () => {
        state.timer = undefined;
        state.windowStart = Date.now();
        state.count = 1;
        const p = state.pending;
        state.pending = undefined;
        if (p) showStatus(node, state, p);
      },
      Math.max(1, STATUS_WINDOW_MS - (now - st.windowStart)),
    );
    state.timer.unref?.();
  }
}

/** Converts anything thrown into an OtError (keeps OtErrors as they are). */
export function toOtError(e: unknown): OtError {
  if (isOtError(e)) return e;
  if (e instanceof Error) return new OtError({ code: 'OT_API', message: e.message });
  return new OtError({ code: 'OT_API', message: String(e) });
}

export interface InputOptions {
  /** Status text while working (default "working"). */
  busy?: string;
  /**
   * Process messages one at a time in arrival order (default false: the config node's
   * concurrency limit applies instead).
   */
  serial?: boolean;
}

/**
 * Registers the input handler: runs `handler` for each message, shows busy/ok/error status, and
 * ends every message with exactly one `done()` or `done(err)` (so Catch and Complete nodes fire).
 * The handler sends its own output(s) and returns a short status text.
 */
export function onInput(node: Node, handler: (msg: Msg, send: Send) => Promise<string | void>, opts: InputOptions = {}): void {
  let active = 0;
  let chain: Promise<unknown> = Promise.resolve();
  node.on('input', (m: NodeMessageInFlow, send: Send, done: (err?: Error) => void) => {
    const msg = m as Msg;
    const run = async () => {
      active++;
      status(node, 'busy', opts.busy || 'working', false);
      try {
        const text = await handler(msg, send);
        active--;
        status(node, 'ok', typeof text === 'string' ? text : 'done');
        done();
      } catch (e) {
        active--;
        const err = toOtError(e);
        status(node, 'error', err.code.replace(/^OT_/, '').toLowerCase().replace(/_/g, ' '));
        msg.otError = err.toJSON();
        done(err);
      }
    };
    if (opts.serial) chain = chain.then(run, run);
    else void run();
  });
  node.on('close', () => {
    if (active === 0) status(node, 'clear');
  });
}

/** Looks up a config node by id and fails with a clear message when it is missing. */
export function configNode<T>(RED: RED, node: Node, id: string | undefined, what: string): T {
  const cfg = id ? (RED.nodes.getNode(id) as unknown as T | null) : null;
  if (!cfg) {
    status(node, 'error', 'no config', false);
    throw new OtError({ code: 'OT_INVALID_INPUT', message: `no ${what} connection is selected in this node` });
  }
  return cfg;
}

/** Reads a non-empty string or throws OT_INVALID_INPUT naming the input. */
export function requireString(v: unknown, name: string): string {
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) throw new OtError({ code: 'OT_INVALID_INPUT', message: `${name} is required` });
  if (typeof v !== 'string' && typeof v !== 'number') throw new OtError({ code: 'OT_INVALID_INPUT', message: `${name} must be text, not ${Array.isArray(v) ? 'an array' : typeof v}` });
  return String(v).trim();
}

/** Reads a positive integer id (Content Server node ids, hold ids, ...) or throws OT_INVALID_INPUT. */
export function requireId(v: unknown, name: string): number {
  if (v === undefined || v === null || v === '') throw new OtError({ code: 'OT_INVALID_INPUT', message: `${name} is required` });
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) throw new OtError({ code: 'OT_INVALID_INPUT', message: `${name} must be a positive whole number, got ${JSON.stringify(v)?.slice(0, 40)}` });
  return n;
}

/** Reads an optional number within bounds. */
export function optionalNumber(v: unknown, name: string, min: number, max: number): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  if (!Number.isFinite(n) || n < min || n > max) throw new OtError({ code: 'OT_INVALID_INPUT', message: `${name} must be a number from ${min} to ${max}` });
  return n;
}

/** Parses JSON text or accepts an object; throws OT_INVALID_INPUT for anything else. */
export function objectInput(v: unknown, name: string): Record<string, unknown> | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  let o = v;
  if (typeof v === 'string') {
    try {
      o = JSON.parse(v);
    } catch (e) {
      throw new OtError({ code: 'OT_INVALID_INPUT', message: `${name} is not valid JSON: ${(e as Error).message}` });
    }
  }
  if (!o || typeof o !== 'object' || Array.isArray(o)) throw new OtError({ code: 'OT_INVALID_INPUT', message: `${name} must be an object` });
  return stripProto(o as Record<string, unknown>);
}

/** Removes __proto__/constructor/prototype keys from user-supplied objects, deeply. */
export function stripProto<T>(v: T, depth = 0): T {
  if (depth > 20 || !v || typeof v !== 'object' || Buffer.isBuffer(v)) return v;
  if (Array.isArray(v)) return v.map((x) => stripProto(x, depth + 1)) as unknown as T;
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') continue;
    out[k] = stripProto(val, depth + 1);
  }
  return out as T;
}

const TRANSLATIONS_CACHED = Symbol.for('node-red-contrib-opentext.translations');
type Translate = (key: string, subs?: Record<string, unknown>) => string;

/**
 * Caches this module's `RED._` lookups. The nodes translate status texts and labels on every
 * message, and each i18next lookup costs about 10 µs (a tenth of the pack's own time per message
 * in the benchmark). A text without substitutions is cached by key; one with simple substitutions
 * (text or numbers, no plural `count` or `context`) keeps its translated template and fills in the
 * values (Node-RED's runtime interpolates `__name__` without escaping). A lookup that returns the
 * key itself (catalog not loaded yet) is not cached. The runtime's language does not change while
 * it runs, so the cache never goes stale.
 */
function cacheTranslations(RED: RED): void {
  const red = RED as unknown as { [TRANSLATIONS_CACHED]?: boolean; _?: Translate };
  if (red[TRANSLATIONS_CACHED] || typeof red._ !== 'function') return;
  const lookup = red._;
  const plain = new Map<string, string>();
  const templates = new Map<string, string>();
  const MAX = 2000;
  const cached: Translate = (key, subs) => {
    if (typeof key !== 'string') return lookup(key, subs);
    if (subs === undefined) {
      let v = plain.get(key);
      if (v === undefined) {
        v = lookup(key);
        if (typeof v === 'string' && v !== key && plain.size < MAX) plain.set(key, v);
      }
      return v;
    }
    const names = subs && typeof subs === 'object' ? Object.keys(subs) : [];
    const simple = names.length > 0 && names.every((n) => /^\w+$/.test(n) && n !== 'count' && n !== 'context' && (typeof subs[n] === 'string' || typeof subs[n] === 'number'));
    if (!simple) return lookup(key, subs);
    const tkey = `${key}\u0000${names.sort().join(',')}`;
    let t = templates.get(tkey);
    if (t === undefined) {
      t = lookup(key, Object.fromEntries(names.map((n) => [n, `\uE000${n}\uE000`])));
      if (typeof t !== 'string' || t === key) return lookup(key, subs);
      if (templates.size < MAX) templates.set(tkey, t);
    }
    return t.replace(/\uE000(\w+)\uE000/g, (_m, n: string) => String(subs[n]));
  };
  try {
    red._ = cached;
    red[TRANSLATIONS_CACHED] = true;
  } catch {
    /* a frozen API object: keep the uncached lookups */
  }
}

/**
 * `RED.nodes.registerType` with the constructor typed by its own node interface (the Node-RED
 * typings only accept the plain Node type for `this`).
 */
export function register<T extends Node<never> | Node>(RED: RED, type: string, ctor: (this: T, def: never) => void, opts?: { credentials?: Record<string, { type: 'text' | 'password' }>; settings?: Record<string, { value: unknown; exportable?: boolean }> }): void {
  cacheTranslations(RED);
  // The cast bridges our richer `this` type to the typings' NodeConstructor.
  (RED.nodes.registerType as unknown as (t: string, c: unknown, o?: unknown) => void)(type, ctor, opts);
}
