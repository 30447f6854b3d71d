/**
 * The cursor and de-duplication mechanism shared by every trigger node (ECM watch, RM watch,
 * fax in): what was emitted is remembered in node context (a cursor plus a bounded set of recent
 * fingerprints), so a redeploy, or a restart with a persistent context store, does not emit again.
 * Lookups are O(1), and the saved form is appended to rather than rebuilt (and compacted only
 * after it doubled), so the cost of a poll grows with the number of items it sees, not with the
 * history (the benchmark compares 100,000 remembered items with 100).
 */
import type { Node, NodeMessageInFlow } from 'node-red';
import { OtError } from './errors';
import { status, toOtError, type Msg, type Send } from './nodered';

interface Saved {
  v: 1;
  cursor?: string | number;
  /**
   * [id, fingerprint] in insertion order, oldest first. An id may appear more than once (marked
   * again): the last entry wins and gives its age.
   */
  recent: Array<[string, string]>;
  /** Set after the first complete poll (a source that was empty then has no cursor or ids). */
  init?: boolean;
  /** How many ids are kept at least, whatever maxRecent says (see SeenStore.keepAtLeast). */
  keep?: number;
}

export interface SeenStoreOptions {
  /** Context key (default "otWatch"). */
  key?: string;
  /** Named context store ("" = default). */
  store?: string;
  /** How many ids to remember (default 5000). */
  maxRecent?: number;
  /**
   * Where the memory is kept: the node's context (default) or the global context, under `key`
   * (which must then name the node). Without a configured context store, Node-RED empties a node's
   * context whenever the node restarts (a full deploy); the global context survives that.
   */
  scope?: 'node' | 'global';
}

export class SeenStore {
  private readonly recent = new Map<string, string>();
  cursor?: string | number;
  /** Whether a first poll completed (what existed then is known), here or before a redeploy. */
  initialised = false;
  private dirty = false;
  private loaded = false;
  /**
   * The saved form, kept up to date by appending (marks) and stored again after changes. With the
   * in-memory context store it is the stored object itself, so storing it costs nothing.
   */
  private saved: Saved = { v: 1, recent: [] };
  /** The saved list must be rebuilt from `recent` (an id was forgotten). */
  private rebuild = false;
  private readonly key: string;
  private readonly store?: string;
  private readonly max: number;
  /** The ids of the last poll, which the next poll reads again, are never evicted (keepAtLeast). */
  private keep = 0;
  private readonly scope: 'node' | 'global';

  constructor(
    private readonly node: Node,
    opts: SeenStoreOptions = {},
  ) {
    this.key = opts.key || 'otWatch';
    this.store = opts.store || undefined;
    this.max = Math.max(10, opts.maxRecent || 5000);
    this.scope = opts.scope === 'global' ? 'global' : 'node';
  }

  private context() {
    const c = this.node.context();
    return this.scope === 'global' ? c.global : c;
  }

  get size(): number {
    return this.recent.size;
  }

  async load(): Promise<void> {
    if (this.loaded) return;
    const saved = await new Promise<Saved | undefined>((resolve, reject) => {
      const ctx = this.context();
      try {
        ctx.get(this.key, this.store as string, (err: Error | null | undefined, v: unknown) => (err ? reject(err) : resolve(v as Saved | undefined)));
      } catch (e) {
        reject(e);
      }
    });
    this.recent.clear();
    this.initialised = false;
    this.keep = 0;
    if (saved && saved.v === 1 && Array.isArray(saved.recent)) {
      for (const [id, fp] of saved.recent) {
        const k = String(id);
        // a later entry of the same id is its newer state and age
        this.recent.delete(k);
        this.recent.set(k, String(fp));
      }
      this.keep = typeof saved.keep === 'number' && saved.keep > 0 ? saved.keep : 0;
      this.evict();
      this.cursor = saved.cursor;
      this.initialised = saved.init === true || saved.cursor !== undefined || saved.recent.length > 0;
      this.saved = saved;
    } else {
      this.saved = { v: 1, recent: [] };
    }
    this.loaded = true;
  }

  private evict(): void {
    const max = Math.max(this.max, this.keep);
    while (this.recent.size > max) {
      const oldest = this.recent.keys().next().value;
      if (oldest === undefined) break;
      this.recent.delete(oldest);
    }
  }

  /** True when the id was never emitted, or was emitted with another fingerprint (changed). */
  isNew(id: string | number, fingerprint = ''): boolean {
    const prev = this.recent.get(String(id));
    return prev === undefined || prev !== fingerprint;
  }

  has(id: string | number): boolean {
    return this.recent.has(String(id));
  }

  /** The fingerprint remembered for an id, or undefined when it was never marked. */
  get(id: string | number): string | undefined {
    return this.recent.get(String(id));
  }

  /**
   * Keeps at least `n` ids from now on, above maxRecent when needed. A change poll reads again
   * every item changed at or after its cursor; when more of them than maxRecent share the newest
   * change times, evicting the oldest of them would make the next poll emit them again.
   */
  keepAtLeast(n: number): void {
    const k = n > this.max ? n : 0;
    if (k !== this.keep) {
      this.keep = k;
      this.dirty = true;
    }
  }

  /** Remember an emitted item. */
  mark(id: string | number, fingerprint = ''): void {
    const k = String(id);
    if (this.recent.has(k)) this.recent.delete(k);
    this.recent.set(k, fingerprint);
    this.evict();
    this.saved.recent.push([k, fingerprint]);
    this.dirty = true;
  }

  /** Forget an id (for example a fax acknowledged and gone). */
  forget(id: string | number): void {
    if (this.recent.delete(String(id))) {
      this.rebuild = true;
      this.dirty = true;
    }
  }

  /** Record that a first poll completed. */
  markInitialised(): void {
    if (!this.initialised) {
      this.initialised = true;
      this.dirty = true;
    }
  }

  setCursor(c: string | number | undefined): void {
    if (c !== undefined && c !== this.cursor) {
      this.cursor = c;
      this.dirty = true;
    }
  }

  async save(): Promise<void> {
    if (!this.dirty) return;
    const value = this.saved;
    // Appends leave older entries of the same ids (and evicted ones) behind: rebuild the list once
    // it has grown to twice what is remembered, so the work stays proportional to the marks.
    if (this.rebuild || value.recent.length > 2 * this.recent.size + 64) {
      value.recent = [...this.recent.entries()];
      this.rebuild = false;
    }
    value.v = 1;
    value.cursor = this.cursor;
    value.init = this.initialised || undefined;
    value.keep = this.keep || undefined;
    await new Promise<void>((resolve, reject) => {
      try {
        this.context().set(this.key, value, this.store as string, (err?: Error | null) => (err ? reject(err) : resolve()));
      } catch (e) {
        reject(e);
      }
    });
    this.dirty = false;
  }

  async reset(): Promise<void> {
    this.recent.clear();
    this.cursor = undefined;
    this.initialised = false;
    this.keep = 0;
    this.saved = { v: 1, recent: [] };
    this.rebuild = false;
    this.dirty = true;
    await this.save();
  }
}

/** Remembers ids for a time window (event de-duplication). */
export class RecentIds {
  private readonly seen = new Map<string, number>();
  constructor(
    private readonly windowMs: number,
    private readonly max = 10000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Returns true if the id was seen within the window (and records it otherwise). */
  seenBefore(id: string): boolean {
    const t = this.now();
    for (const [k, at] of this.seen) {
      if (t - at <= this.windowMs && this.seen.size <= this.max) break;
      this.seen.delete(k);
    }
    const at = this.seen.get(id);
    if (at !== undefined && t - at <= this.windowMs) return true;
    this.seen.delete(id);
    this.seen.set(id, t);
    return false;
  }
}

export interface PollerOptions {
  /** Seconds between polls; 0 = only on input. */
  intervalSec: number;
  /** Poll once right after deploy (default true when an interval is set). */
  pollOnStart?: boolean;
  /**
   * One poll: emit with `send` and return how many messages were emitted. `trigger` is the input
   * message for "poll now", undefined for timer polls.
   */
  poll: (send: Send, trigger: Msg | undefined) => Promise<number>;
  /** Status text while polling (default "polling"); node files pass their RED._() text. */
  busyText?: string;
  /** Status text after a poll (default "<n> new"; the time is added). */
  resultText?: (count: number) => string;
}

/**
 * Runs polls on a timer and on input ("poll now"), never two at once. A failing poll goes to
 * Catch nodes (with the trigger message, or a message naming the poll) and the next poll tries
 * again. Status shows the last poll's count and time.
 */
export function startPoller(node: Node, opts: PollerOptions): { stop: () => void; pollNow: () => Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  // Polls run strictly one after another (timer and "poll now" alike): two polls interleaving
  // could both see an item as new and emit it twice.
  let chain: Promise<void> = Promise.resolve();

  const run = async (trigger: Msg | undefined, send: Send): Promise<void> => {
    if (stopped) return;
    status(node, 'busy', opts.busyText || 'polling', false);
    try {
      const n = await opts.poll(send, trigger);
      if (!stopped) status(node, n > 0 ? 'ok' : 'idle', opts.resultText ? opts.resultText(n) : `${n} new`);
    } catch (e) {
      const err = toOtError(e);
      if (!stopped) status(node, 'error', err.code.replace(/^OT_/, '').toLowerCase().replace(/_/g, ' '));
      throw err;
    }
  };
  const once = (trigger: Msg | undefined, send: Send): Promise<void> => {
    const p = chain.then(() => run(trigger, send));
    chain = p.catch(() => undefined);
    return p;
  };

  const timerPoll = async () => {
    timer = undefined;
    try {
      await once(undefined, (m) => node.send(m));
    } catch (e) {
      const err = toOtError(e);
      // A message so Catch nodes can react to a failed timer poll; the next poll tries again.
      if (!stopped) node.error(err, { payload: null, otError: err.toJSON(), topic: 'poll' } as unknown as Msg);
    }
    schedule();
  };
  const schedule = () => {
    if (stopped || !(opts.intervalSec > 0) || timer) return;
    timer = setTimeout(timerPoll, opts.intervalSec * 1000);
  };

  node.on('input', (m: NodeMessageInFlow, send: Send, done: (err?: Error) => void) => {
    once(m as Msg, send).then(
      () => done(),
      (e) => {
        (m as Msg).otError = toOtError(e).toJSON();
        done(e instanceof OtError ? e : toOtError(e));
      },
    );
  });
  node.on('close', () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    timer = undefined;
  });

  if (opts.intervalSec > 0 && opts.pollOnStart !== false) timer = setTimeout(timerPoll, 50);
  else schedule();
  return {
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
    pollNow: () => once(undefined, (m) => node.send(m)),
  };
}

// ---- change polling -------------------------------------------------------------------------------

/** How a polled item is recognised: its id, a fingerprint of its state, and its change time. */
export interface ChangeKey {
  id: string | number;
  /** Changes when the item changes (a modify date, a version number...). */
  fingerprint: string;
  /** ISO time of the change (the cursor is the newest time seen). */
  time?: string;
}

export interface ChangePollOptions<T> {
  store: SeenStore;
  /** Reads the items changed at or after the cursor (all items when it is undefined). */
  fetch: (cursor: string | undefined) => Promise<T[]>;
  key: (item: T) => ChangeKey;
  /**
   * The first poll after deploy (with nothing remembered): "new" remembers what exists without
   * emitting it, "all" emits it. Default "new".
   */
  startWith?: 'new' | 'all';
  /** Emits the new and changed items, oldest first; called before they are remembered. */
  emit: (fresh: Array<{ item: T; change: 'new' | 'changed' }>) => void;
}

function timeOf(k: ChangeKey): number {
  const t = k.time ? Date.parse(k.time) : NaN;
  return Number.isNaN(t) ? 0 : t;
}

/**
 * One poll of a change source with a cursor and de-duplication: reads what changed since the
 * cursor, emits each item whose fingerprint was not emitted before (once, even across redeploys
 * and restarts with a persistent context store), then remembers them and moves the cursor to the
 * newest change time. Returns how many items were emitted.
 */
export async function pollChanges<T>(p: ChangePollOptions<T>): Promise<number> {
  await p.store.load();
  const first = !p.store.initialised;
  const cursor = typeof p.store.cursor === 'string' ? p.store.cursor : undefined;
  const items = await p.fetch(cursor);
  const keyed = items.map((item) => ({ item, k: p.key(item) }));
  keyed.sort((a, b) => timeOf(a.k) - timeOf(b.k) || String(a.k.id).localeCompare(String(b.k.id), undefined, { numeric: true }));
  let newest = cursor;
  for (const { k } of keyed) if (k.time && (newest === undefined || timeOf(k) > Date.parse(newest))) newest = k.time;
  const fresh: Array<{ item: T; change: 'new' | 'changed' }> = [];
  const seen = new Set<string>();
  for (const { item, k } of keyed) {
    const id = String(k.id);
    if (seen.has(id) || !p.store.isNew(id, k.fingerprint)) continue;
    seen.add(id);
    if (!(first && (p.startWith || 'new') === 'new')) fresh.push({ item, change: p.store.has(id) ? 'changed' : 'new' });
  }
  if (fresh.length) p.emit(fresh);
  // what this poll read is read again by the next one (changed at or after the cursor): keep it all
  p.store.keepAtLeast(keyed.length);
  for (const { k } of keyed) p.store.mark(k.id, k.fingerprint);
  if (newest !== undefined) p.store.setCursor(newest);
  p.store.markInitialised();
  await p.store.save();
  return fresh.length;
}
