/**
 * Records Management disposition: disposition searches, running one into a snapshot, the items
 * of a snapshot, review decisions, performing the disposition actions and finishing the review.
 * Paths and fields: Records Management 26.1 REST API (RM-OAS), opentext-api.md §3.4.
 *
 * Performing actions never reports an item as done unless the server marks it actioned: after
 * `performactions` the snapshot is read again; approved items the server did not action are
 * checked for holds (`GET v1/nodes/{id}/holds`) and reported as blocked (with the holds) or as
 * failed.
 */
import { csBody, HttpClient } from '../http';
import { isOtError, OtError } from '../errors';
import { collectPages, csPaging, PagingOptions } from '../paging';
import { arr, currentUserId, num, obj, Obj, rmCall, sleep, str } from './common';
import { nodeHolds } from './holds';
import { DISPOSITION_ACTIONS } from './vocabulary';

export { DISPOSITION_ACTIONS };

export interface DispositionSearch {
  id: number;
  name: string;
  description?: string;
  parent_id?: number;
}

export interface SnapshotInfo {
  searchId: number;
  qdate: string;
  status: string;
  review_status: string;
  record_count: number;
  actioned_count: number;
  complete: boolean;
}

export type ReviewDecision = 'pending' | 'approve' | 'reject';

export interface DispositionItem {
  id: number;
  name: string;
  type?: number;
  parent_id?: number;
  parent_name?: string;
  class_id?: number;
  rsi?: string;
  stage_count: number;
  action: number;
  action_name: string;
  action_info?: string;
  calculated_date?: string;
  review_decision: 'pending' | 'approved' | 'rejected';
  action_performed: boolean;
}

const COMPLETE = /(complete|completed|done|finished|ready)/i;
const FAILED = /(error|fail|abort|stopped|cancel)/i;

/** The snapshot date as the review / perform bodies want it ("D/YYYY-MM-DD:HH:mm:ss", per the definition). */
export function bodyQdate(qdate: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[T: ](\d{2}:\d{2}:\d{2})/.exec(qdate.replace(/^D\//i, ''));
  return m ? `D/${m[1]}:${m[2]}` : qdate;
}

/** `GET v2/dispositionscontainer/{id}` (0 = the Dispositions workspace): the disposition searches in it. */
export async function listDispositionSearches(client: HttpClient, containerId = 0, paging: PagingOptions = { returnAll: true }): Promise<DispositionSearch[]> {
  const r = await collectPages<DispositionSearch>(async (page, limit) => {
    const res = await rmCall(() => client.request<Obj>({ operation: 'list disposition searches', method: 'GET', path: `v2/dispositionscontainer/${containerId}`, query: { page, limit } }), { details: { containerId } });
    const items = arr(obj(res.data).data)
      .map((e) => obj(obj(e).data))
      .map((d): DispositionSearch | undefined => {
        const id = num(d.id);
        return id === undefined ? undefined : { id, name: str(d.name) ?? '', description: str(d.description) || undefined, parent_id: num(d.parent_id) };
      })
      .filter((x): x is DispositionSearch => !!x);
    return { items, ...csPaging(res.data) };
  }, { limit: 100, ...paging });
  return r.items;
}

/** A disposition search by id, or by name among the searches of the Dispositions workspace (container 0). */
export async function resolveSearch(client: HttpClient, ref: unknown, containerId = 0): Promise<DispositionSearch> {
  if (typeof ref === 'number' || (typeof ref === 'string' && /^\s*\d+\s*$/.test(ref))) return { id: Number(ref), name: '' };
  if (typeof ref !== 'string' || !ref.trim()) throw new OtError({ code: 'OT_INVALID_INPUT', message: `the disposition search must be its id or name, got ${JSON.stringify(ref)?.slice(0, 40)}` });
  const name = ref.trim().toLowerCase();
  const found = (await listDispositionSearches(client, containerId)).find((s) => s.name.toLowerCase() === name);
  if (!found) throw new OtError({ code: 'OT_NOT_FOUND', message: `no disposition search named "${ref.trim()}" in disposition container ${containerId}`, details: { search: ref.trim(), containerId } });
  return found;
}

function snapshotOf(searchId: number, d: Obj): SnapshotInfo | undefined {
  const qdate = str(d.qdate);
  if (!qdate) return undefined;
  const status = str(d.snapshot_status) ?? '';
  return {
    searchId,
    qdate,
    status,
    review_status: str(d.review_status) ?? '',
    record_count: num(d.record_count) ?? 0,
    actioned_count: num(d.actioned_count) ?? 0,
    complete: COMPLETE.test(status) && !/running|progress/i.test(status),
  };
}

/** `GET v2/snapshottable/{id}`: the snapshots of a disposition search, newest first. */
export async function listSnapshots(client: HttpClient, searchId: number, paging: PagingOptions = { returnAll: true }): Promise<SnapshotInfo[]> {
  const r = await collectPages<SnapshotInfo>(async (page, limit) => {
    const res = await rmCall(() => client.request<Obj>({ operation: 'list disposition snapshots', method: 'GET', path: `v2/snapshottable/${searchId}`, query: { page, limit } }), { details: { searchId } });
    const items = arr(obj(res.data).data)
      .map((e) => snapshotOf(searchId, obj(obj(e).data)))
      .filter((x): x is SnapshotInfo => !!x);
    return { items, ...csPaging(res.data) };
  }, { limit: 100, ...paging });
  return r.items.sort((a, b) => (a.qdate < b.qdate ? 1 : a.qdate > b.qdate ? -1 : 0));
}

/** The newest completed snapshot of a search. */
export async function latestSnapshot(client: HttpClient, searchId: number): Promise<SnapshotInfo> {
  const s = (await listSnapshots(client, searchId)).find((x) => x.complete);
  if (!s) throw new OtError({ code: 'OT_NOT_FOUND', message: `disposition search ${searchId} has no completed snapshot yet: run it first`, details: { searchId } });
  return s;
}

/**
 * Runs a disposition search (`POST v1/nodes/{id}/startdispsearch`) and waits at most `waitMs` for
 * its new snapshot to complete (`GET v2/snapshottable/{id}`).
 */
export async function runDispositionSearch(client: HttpClient, searchId: number, opts: { waitMs?: number; intervalMs?: number } = {}): Promise<SnapshotInfo> {
  const before = new Set((await listSnapshots(client, searchId)).map((s) => s.qdate));
  await rmCall(() => client.request({ operation: 'run disposition search', method: 'POST', path: `v1/nodes/${searchId}/startdispsearch` }), { policy: true, details: { searchId } });
  const waitMs = Math.max(0, opts.waitMs ?? 60000);
  const interval = Math.max(20, opts.intervalMs ?? 300);
  const end = Date.now() + waitMs;
  for (;;) {
    const fresh = (await listSnapshots(client, searchId)).filter((s) => !before.has(s.qdate));
    const snap = fresh[0];
    if (snap && snap.complete) return snap;
    if (snap && FAILED.test(snap.status)) {
      throw new OtError({ code: 'OT_API', message: `run disposition search: the search ${searchId} ended with status "${snap.status}"`, details: { searchId, snapshot: snap } });
    }
    if (Date.now() >= end) {
      throw new OtError({
        code: 'OT_TIMEOUT',
        message: `run disposition search: no completed snapshot of search ${searchId} within ${Math.round(waitMs / 1000)} s${snap ? ` (status "${snap.status}")` : ''}; the search keeps running on the server`,
        operation: 'run disposition search',
        details: { searchId, snapshot: snap },
      });
    }
    await sleep(Math.min(interval, Math.max(0, end - Date.now())));
  }
}

function itemOf(d: Obj): DispositionItem | undefined {
  const id = num(d.id);
  if (id === undefined) return undefined;
  const action = num(d.disp_action) ?? 0;
  const rd = num(d.review_decision) ?? 0;
  return {
    id,
    name: str(d.name) ?? '',
    type: num(d.type),
    parent_id: num(d.parent_id),
    parent_name: str(d.parent_name) || undefined,
    class_id: num(d.class_id),
    rsi: str(d.rsi) || undefined,
    stage_count: num(d.stage_count) ?? 1,
    action,
    action_name: DISPOSITION_ACTIONS[action] ?? String(action),
    action_info: str(d.action_info) || undefined,
    calculated_date: str(d.calculated_date) || undefined,
    review_decision: rd === 1 ? 'approved' : rd === 2 ? 'rejected' : 'pending',
    action_performed: num(d.action_performed) === 1 || d.action_performed === true,
  };
}

/** `GET v2/nodes/{id}/disposition-snapshots/qdate/{qdate}`: the items of a snapshot (page and limit [GUESS]). */
export async function snapshotItems(client: HttpClient, searchId: number, qdate: string, paging: PagingOptions = { returnAll: true }): Promise<{ items: DispositionItem[]; totalCount?: number; truncated: boolean }> {
  const r = await collectPages<DispositionItem>(async (page, limit) => {
    const res = await rmCall(
      () => client.request<Obj>({ operation: 'list disposition items', method: 'GET', path: `v2/nodes/${searchId}/disposition-snapshots/qdate/${encodeURIComponent(qdate)}`, query: { page, limit } }),
      { details: { searchId, qdate } },
    );
    const items = arr(obj(obj(res.data).results).data)
      .map((e) => itemOf(obj(obj(e).data)))
      .filter((x): x is DispositionItem => !!x);
    return { items, ...csPaging(res.data) };
  }, { limit: 100, ...paging });
  return { items: r.items, totalCount: r.totalCount, truncated: r.truncated };
}

/**
 * Sets the review decision (approve, reject, pending) of chosen items (`ids`) or of every item
 * (`'all'`) of a snapshot (`POST v1/members/{me}/disposition/changereviewdecision`; objIdList of
 * "ID_stageCount" in the `body` JSON [GUESS]). Ids that are not in the snapshot are reported.
 */
export async function setReviewDecision(
  client: HttpClient,
  searchId: number,
  qdate: string,
  decision: ReviewDecision,
  ids: number[] | 'all',
  comment?: string,
): Promise<{ decision: ReviewDecision; items: DispositionItem[]; notInSnapshot: number[] }> {
  const me = await currentUserId(client);
  const all = (await snapshotItems(client, searchId, qdate)).items;
  const chosen = ids === 'all' ? all : all.filter((i) => ids.includes(i.id));
  const notInSnapshot = ids === 'all' ? [] : ids.filter((id) => !all.some((i) => i.id === id));
  if (chosen.length > 0) {
    const body: Obj = { dispNodeID: searchId, qDate: bodyQdate(qdate), decision };
    if (ids === 'all') body.applyTo = 'allPages';
    else {
      body.applyTo = 'thisPage';
      body.objIdList = chosen.map((i) => `${i.id}_${i.stage_count}`);
    }
    if (comment) body.reviewComment = comment;
    await rmCall(() => client.request({ operation: 'set review decision', method: 'POST', path: `v1/members/${me}/disposition/changereviewdecision`, body: csBody(body) }), { policy: true, details: { searchId, qdate } });
  }
  const after = (await snapshotItems(client, searchId, qdate)).items;
  return { decision, items: after.filter((i) => chosen.some((c) => c.id === i.id)), notInSnapshot };
}

export interface DispositionOutcome {
  id: number;
  name: string;
  action: string;
  calculated_date?: string;
  holds?: Array<{ hold_id: number; hold_name: string }>;
  reason?: string;
}

export interface PerformResult {
  searchId: number;
  qdate: string;
  completed: DispositionOutcome[];
  blocked: DispositionOutcome[];
  failed: DispositionOutcome[];
  /** Chosen items the server was not asked to act on: not approved, or already actioned. */
  skipped: DispositionOutcome[];
}

/**
 * Performs the disposition actions of the approved items of a snapshot (all, or the chosen
 * `ids`) (`POST v1/members/{me}/disposition/performactions`), then reads the snapshot again:
 * actioned items are `completed`; approved items the server left alone are `blocked` when they are
 * under a hold (the holds are named), `failed` otherwise.
 */
export async function performActions(client: HttpClient, searchId: number, qdate: string, ids: number[] | 'all' = 'all'): Promise<PerformResult> {
  const me = await currentUserId(client);
  const before = (await snapshotItems(client, searchId, qdate)).items;
  const out: PerformResult = { searchId, qdate, completed: [], blocked: [], failed: [], skipped: [] };
  const outcome = (i: DispositionItem, extra: Partial<DispositionOutcome> = {}): DispositionOutcome => ({ id: i.id, name: i.name, action: i.action_name, calculated_date: i.calculated_date, ...extra });
  const chosen = ids === 'all' ? before : before.filter((i) => ids.includes(i.id));
  if (ids !== 'all') for (const id of ids) if (!before.some((i) => i.id === id)) out.failed.push({ id, name: '', action: '', reason: 'not in this disposition snapshot' });
  const targets: DispositionItem[] = [];
  for (const i of chosen) {
    if (i.action_performed) out.skipped.push(outcome(i, { reason: 'already actioned' }));
    else if (i.review_decision !== 'approved') out.skipped.push(outcome(i, { reason: `review decision is ${i.review_decision}` }));
    else targets.push(i);
  }
  if (targets.length === 0) return out;
  await rmCall(
    () =>
      client.request({
        operation: 'perform disposition actions',
        method: 'POST',
        path: `v1/members/${me}/disposition/performactions`,
        body: csBody({ dispNodeID: searchId, qdate: bodyQdate(qdate), applyto: 'thisPage', objIdList: targets.map((i) => `${i.id}_${i.stage_count}`) }),
      }),
    { policy: true, details: { searchId, qdate } },
  );
  const after = new Map((await snapshotItems(client, searchId, qdate)).items.map((i) => [i.id, i]));
  for (const i of targets) {
    const a = after.get(i.id);
    if (a?.action_performed) {
      out.completed.push(outcome(i));
      continue;
    }
    try {
      const holds = await nodeHolds(client, i.id);
      if (holds.length) out.blocked.push(outcome(i, { holds: holds.map((h) => ({ hold_id: h.hold_id, hold_name: h.hold_name })), reason: `under hold: ${[...new Set(holds.map((h) => h.hold_name))].join(', ')}` }));
      else out.failed.push(outcome(i, { reason: 'the server did not perform the action' }));
    } catch (e) {
      if (isOtError(e) && e.code === 'OT_NOT_FOUND') out.failed.push(outcome(i, { reason: 'the item no longer exists, but the snapshot does not show the action as performed' }));
      else throw e;
    }
  }
  return out;
}

/** `POST v1/members/{me}/disposition/finishreview`: marks the review of a snapshot finished. */
export async function finishReview(client: HttpClient, searchId: number, qdate: string): Promise<SnapshotInfo | undefined> {
  const me = await currentUserId(client);
  await rmCall(() => client.request({ operation: 'finish disposition review', method: 'POST', path: `v1/members/${me}/disposition/finishreview`, body: csBody({ dispNodeID: searchId, qdate: bodyQdate(qdate) }) }), { details: { searchId, qdate } });
  return (await listSnapshots(client, searchId)).find((s) => s.qdate === qdate);
}
