/**
 * The polls of the RM watch: hold membership changes, records due for review or at a retention
 * milestone within N days, and new disposition snapshots. Each poll uses the shared cursor and
 * de-duplication store of nodes/lib/watch.ts (SeenStore): an event is emitted once, also across
 * redeploys and (with a persistent context store) restarts; a changed date is a new event.
 */
import type { HttpClient } from '../http';
import { isOtError, OtError } from '../errors';
import { pollChanges, type SeenStore } from '../watch';
import { listDispositionSearches, listSnapshots } from './disposition';
import { HoldInfo, holdItems, listHolds, resolveHold } from './holds';
import { classifiedItems, getRecord, listRsis, RecordDetails, RetentionStage, retentionSchedule, rsiItems } from './records';

export type RmWatchMode = 'holds' | 'due' | 'snapshots';

export interface Person {
  id: number;
  name?: string;
}

export interface RmWatchEvent {
  event: 'hold-added' | 'hold-removed' | 'review-due' | 'retention-due' | 'snapshot';
  /** The de-duplication id of the event. */
  key: string;
  nodeId?: number;
  name?: string;
  holdId?: number;
  holdName?: string;
  holdType?: string;
  /** review-due / retention-due: the date (YYYY-MM-DD), days left (negative when overdue). */
  date?: string;
  daysLeft?: number;
  overdue?: boolean;
  stage?: string;
  action?: number;
  class_id?: number;
  class_name?: string;
  file_number?: string;
  rsi?: string;
  /** The responsible records officer and records manager (group) of the record. */
  owner?: Person;
  recordsManager?: Person;
  /** snapshot events */
  searchId?: number;
  searchName?: string;
  qdate?: string;
  record_count?: number;
}

const DAY = 86400000;

function dayNumber(d: string): number {
  return Math.floor(Date.parse(d.slice(0, 10) + 'T00:00:00Z') / DAY);
}

function ownerOf(r: RecordDetails): Pick<RmWatchEvent, 'owner' | 'recordsManager' | 'class_id' | 'class_name' | 'file_number' | 'rsi'> {
  return {
    owner: r.record_officer_id ? { id: r.record_officer_id, name: r.record_officer_name } : undefined,
    recordsManager: r.records_manager_id ? { id: r.records_manager_id, name: r.records_manager_name } : undefined,
    class_id: r.class_id,
    class_name: r.class_name,
    file_number: r.file_number,
    rsi: r.rsi,
  };
}

/** The record details for an event, or nothing when the node is gone or is no record. */
async function recordOrNothing(client: HttpClient, nodeId: number): Promise<RecordDetails | undefined> {
  try {
    const r = await getRecord(client, nodeId);
    return r.classified ? r : undefined;
  } catch (e) {
    if (isOtError(e) && e.code === 'OT_NOT_FOUND') return undefined;
    throw e;
  }
}

interface Candidate {
  event: RmWatchEvent;
  fingerprint: string;
  time?: string;
}

/** Runs one poll through the shared change poller: emits each candidate once per fingerprint. */
async function run(store: SeenStore, startWith: 'new' | 'all', fetch: () => Promise<Candidate[]>, emit: (events: RmWatchEvent[]) => void): Promise<number> {
  return pollChanges<Candidate>({
    store,
    startWith,
    fetch: () => fetch(),
    key: (c) => ({ id: c.event.key, fingerprint: c.fingerprint, time: c.time }),
    emit: (fresh) => emit(fresh.map((f) => f.item.event)),
  });
}

// ---- holds ---------------------------------------------------------------------------------------

export interface HoldWatchOptions {
  /** Hold ids or names to watch, or 'all'. */
  holds: Array<number | string> | 'all';
  /** Emit the items already under the holds at the first poll (default: take them as known). */
  emitExisting?: boolean;
  /** Add the record's owner to each event (one extra read per event, default true). */
  owners?: boolean;
  maxItems?: number;
}

interface HoldCursor {
  v: 1;
  mode: 'holds';
  /** hold id -> item ids at the last poll. */
  holds: Record<string, number[]>;
}

function holdCursor(store: SeenStore): HoldCursor | undefined {
  if (typeof store.cursor !== 'string' || !store.cursor.startsWith('{')) return undefined;
  try {
    const c = JSON.parse(store.cursor) as HoldCursor;
    return c && c.v === 1 && c.mode === 'holds' && c.holds && typeof c.holds === 'object' ? c : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Items added to or removed from holds since the last poll (event ids `hold:<hold>:<node>`, state
 * "in" / "out"). The hold membership of the last poll is kept as the store's cursor.
 */
export async function pollHoldChanges(client: HttpClient, store: SeenStore, opts: HoldWatchOptions, emit: (events: RmWatchEvent[]) => void): Promise<number> {
  await store.load();
  const now: Record<string, number[]> = {};
  const fetch = async (): Promise<Candidate[]> => {
    const prev = holdCursor(store)?.holds || {};
    let holds: HoldInfo[];
    if (opts.holds === 'all') holds = (await listHolds(client)).holds;
    else {
      holds = [];
      for (const ref of opts.holds) holds.push(await resolveHold(client, ref));
    }
    const out: Candidate[] = [];
    for (const hold of holds) {
      const items = (await holdItems(client, hold.id, { returnAll: true, limit: 100, maxItems: opts.maxItems ?? 10000 })).items;
      now[hold.id] = items.map((i) => i.id);
      const current = new Set(now[hold.id]);
      for (const i of items) out.push({ fingerprint: 'in', event: { event: 'hold-added', key: `hold:${hold.id}:${i.id}`, nodeId: i.id, name: i.name || undefined, holdId: hold.id, holdName: hold.name, holdType: hold.type } });
      for (const id of prev[hold.id] || []) {
        if (!current.has(id)) out.push({ fingerprint: 'out', event: { event: 'hold-removed', key: `hold:${hold.id}:${id}`, nodeId: id, holdId: hold.id, holdName: hold.name, holdType: hold.type } });
      }
    }
    if (opts.holds === 'all') {
      // A hold that is gone (deleted): its items are released.
      for (const [hid, ids] of Object.entries(prev)) {
        if (now[hid]) continue;
        for (const id of ids) out.push({ fingerprint: 'out', event: { event: 'hold-removed', key: `hold:${hid}:${id}`, nodeId: id, holdId: Number(hid) } });
      }
    }
    const emitting = store.initialised || opts.emitExisting;
    if (emitting && opts.owners !== false) {
      for (const c of out) {
        if (!store.isNew(c.event.key, c.fingerprint)) continue;
        const r = await recordOrNothing(client, c.event.nodeId!);
        if (r) Object.assign(c.event, ownerOf(r));
      }
    }
    return out;
  };
  const n = await run(store, opts.emitExisting ? 'all' : 'new', fetch, emit);
  store.setCursor(JSON.stringify({ v: 1, mode: 'holds', holds: now } satisfies HoldCursor));
  await store.save();
  return n;
}

// ---- due dates -------------------------------------------------------------------------------------

export interface DueWatchOptions {
  /** Due within this many days from today (0 = today). */
  days: number;
  /** Where the records are found: RSIs (ids or 'all'), classifications, explicit node ids. */
  rsis?: number[] | 'all';
  classes?: number[];
  nodes?: number[];
  review?: boolean;
  retention?: boolean;
  /** Include dates already past (default true: an overdue record is still due). */
  overdue?: boolean;
  /** Today as YYYY-MM-DD (default: the local date). */
  today?: string;
  maxItems?: number;
  /**
   * Report everything due at every poll (a daily digest) instead of each event once. Nothing is
   * remembered then.
   */
  repeat?: boolean;
}

/**
 * Records whose review date (`next_review_date`) or a retention milestone (the calculated date of
 * an RSI stage not yet met) falls within the next N days (event ids `review:<node>` and
 * `retention:<node>:<stage>`, fingerprint = the date: a moved date is a new event).
 */
export async function pollDue(client: HttpClient, store: SeenStore, opts: DueWatchOptions, emit: (events: RmWatchEvent[]) => void): Promise<number> {
  const days = Math.max(0, Math.floor(opts.days));
  const today = opts.today ?? new Date().toISOString().slice(0, 10);
  const t0 = dayNumber(today);
  const maxItems = opts.maxItems ?? 10000;
  const fetch = async (): Promise<Candidate[]> => {
    const names = new Map<number, string>();
    const ids = new Set<number>();
    const add = (list: Array<{ id: number; name: string }>) => {
      for (const i of list) {
        ids.add(i.id);
        if (i.name) names.set(i.id, i.name);
      }
    };
    for (const id of opts.nodes || []) ids.add(id);
    const rsiIds = opts.rsis === 'all' ? (await listRsis(client)).map((r) => r.id) : opts.rsis || [];
    for (const r of rsiIds) add((await rsiItems(client, r, { returnAll: true, limit: 100, maxItems })).items);
    for (const c of opts.classes || []) add((await classifiedItems(client, c, { returnAll: true, limit: 100, maxItems })).items);
    if (ids.size > maxItems) throw new OtError({ code: 'OT_INVALID_INPUT', message: `RM watch: more than ${maxItems} records to check; narrow the RSIs or classifications` });
    const out: Candidate[] = [];
    const consider = (ev: RmWatchEvent & { date: string }) => {
      const left = dayNumber(ev.date) - t0;
      if (Number.isNaN(left) || left > days) return;
      if (left < 0 && opts.overdue === false) return;
      out.push({ fingerprint: ev.date, time: `${ev.date}T00:00:00Z`, event: { ...ev, daysLeft: left, overdue: left < 0 } });
    };
    for (const id of [...ids].sort((a, b) => a - b)) {
      const r = await recordOrNothing(client, id);
      if (!r) continue;
      const common = { nodeId: id, name: names.get(id), ...ownerOf(r) };
      if (opts.review !== false && r.next_review_date) consider({ event: 'review-due', key: `review:${id}`, date: r.next_review_date.slice(0, 10), ...common });
      if (opts.retention !== false && r.rsi) {
        let stages: RetentionStage[];
        try {
          stages = await retentionSchedule(client, id, r.rsi);
        } catch (e) {
          if (isOtError(e) && (e.code === 'OT_NOT_FOUND' || e.code === 'OT_INVALID_INPUT')) continue;
          throw e;
        }
        for (const st of stages) {
          if (st.permanent || st.met || !st.calculatedDate) continue;
          consider({ event: 'retention-due', key: `retention:${id}:${st.stage}`, date: st.calculatedDate.slice(0, 10), stage: st.stage, action: st.action, ...common });
        }
      }
    }
    return out;
  };
  if (opts.repeat) {
    const all = (await fetch()).sort((a, b) => (a.time || '').localeCompare(b.time || '') || a.event.key.localeCompare(b.event.key));
    if (all.length) emit(all.map((c) => c.event));
    return all.length;
  }
  return run(store, 'all', fetch, emit);
}

// ---- disposition snapshots -----------------------------------------------------------------------------

export interface SnapshotWatchOptions {
  searches: number[] | 'all';
  /** Emit the snapshots that exist at the first poll (default: take them as known). */
  emitExisting?: boolean;
}

/** Disposition snapshots that completed since the last poll (event ids `snapshot:<search>:<qdate>`). */
export async function pollSnapshots(client: HttpClient, store: SeenStore, opts: SnapshotWatchOptions, emit: (events: RmWatchEvent[]) => void): Promise<number> {
  const fetch = async (): Promise<Candidate[]> => {
    const searches = opts.searches === 'all' ? await listDispositionSearches(client, 0) : opts.searches.map((id) => ({ id, name: undefined as string | undefined }));
    const out: Candidate[] = [];
    for (const s of searches) {
      for (const snap of await listSnapshots(client, s.id)) {
        if (!snap.complete) continue;
        out.push({
          fingerprint: 'complete',
          time: `${snap.qdate.slice(0, 19)}Z`,
          event: { event: 'snapshot', key: `snapshot:${s.id}:${snap.qdate}`, searchId: s.id, searchName: s.name, qdate: snap.qdate, record_count: snap.record_count },
        });
      }
    }
    return out;
  };
  return run(store, opts.emitExisting ? 'all' : 'new', fetch, emit);
}

// ---- output shaping ----------------------------------------------------------------------------------

export interface OwnerGroup {
  owner?: Person;
  events: RmWatchEvent[];
}

/** Groups events by responsible owner (records officer); events without an owner form one group. */
export function groupByOwner(events: RmWatchEvent[]): OwnerGroup[] {
  const groups = new Map<string, OwnerGroup>();
  for (const e of events) {
    const k = e.owner ? String(e.owner.id) : '';
    let g = groups.get(k);
    if (!g) {
      g = { owner: e.owner, events: [] };
      groups.set(k, g);
    }
    g.events.push(e);
  }
  return [...groups.values()];
}
