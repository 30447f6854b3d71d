/**
 * Records Management holds: list, get (by id or name), create, the holds of a node, apply and
 * remove on one node or many, and the items under a hold.
 * Paths and fields: Records Management 26.1 REST API (RM-OAS), opentext-api.md §3.2.
 *
 * Several nodes: the bulk call (`POST v1/rmclassifications/applyhold|removehold`, ids in the
 * `body` JSON [GUESS]) is tried first; when it is refused (one id unknown, the bulk call missing
 * on the server) the nodes are done one by one, in order, so every node gets its own result.
 * Requests against the same hold never run in parallel (otcs-mcp saw concurrent hold calls fail
 * behind reverse proxies), not even from different messages.
 */
import { csBody, form, HttpClient } from '../http';
import { isOtError, OtError } from '../errors';
import { collectPages, csPaging, PagingOptions } from '../paging';
import { arr, ItemRef, num, obj, Obj, rmCall, rmItemPages, str, toDay } from './common';

export interface HoldInfo {
  id: number;
  name: string;
  type?: string;
  comment?: string;
  active: boolean;
  date_applied?: string;
  date_to_remove?: string;
  alternate_id?: string;
  parent_id?: number;
}

export interface NodeHoldInfo {
  hold_id: number;
  hold_name: string;
  hold_type?: string;
  /** "Direct", or inherited from a container (the node it was applied to is `on`). */
  applied: string;
  on: number;
  date_applied?: string;
  applied_by?: string;
  removable: boolean;
}

/** Reads a hold in any of the API's shapes (v1 list, v2 list and get, node holds). */
export function holdOf(o: Obj): HoldInfo | undefined {
  const id = num(o.HoldID ?? o.holdID ?? o.hold_id ?? o.id);
  if (id === undefined) return undefined;
  const day = (v: unknown) => {
    const s = str(v);
    return s ? s.slice(0, 10) : undefined;
  };
  const active = o.ActiveHold ?? o.active;
  return {
    id,
    name: str(o.HoldName ?? o.hold_name ?? o.name) ?? '',
    type: str(o.HoldType ?? o.hold_type ?? o.type) || undefined,
    comment: str(o.HoldComment ?? o.hold_comment ?? o.comment) || undefined,
    active: active === undefined ? true : active === true || active === 1 || active === '1' || active === 'true',
    date_applied: day(o.DateApplied ?? o.date_applied),
    date_to_remove: day(o.DateToRemove ?? o.date_to_remove),
    alternate_id: str(o.AlternateHoldID ?? o.alternate_id) || undefined,
    parent_id: num(o.ParentID ?? o.parent_id) || undefined,
  };
}

// ---- serialisation per hold ------------------------------------------------------------------------

const holdQueues = new WeakMap<HttpClient, Map<number, Promise<unknown>>>();

/** Runs `fn` after every earlier call against the same hold (of this connection) has finished. */
export function serialPerHold<T>(client: HttpClient, holdId: number, fn: () => Promise<T>): Promise<T> {
  let m = holdQueues.get(client);
  if (!m) {
    m = new Map();
    holdQueues.set(client, m);
  }
  const prev = m.get(holdId) || Promise.resolve();
  const run = prev.then(fn, fn);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  m.set(holdId, tail);
  void tail.then(() => {
    if (m!.get(holdId) === tail) m!.delete(holdId);
  });
  return run;
}

// ---- reading ----------------------------------------------------------------------------------------

/** `GET v1/holds`: every hold (id, name, active). */
export async function listHoldsSimple(client: HttpClient): Promise<HoldInfo[]> {
  const res = await rmCall(() => client.request<unknown>({ operation: 'list holds', method: 'GET', path: 'v1/holds' }));
  const d = res.data;
  const list = Array.isArray(d) ? d : arr(obj(d).data ?? obj(d).results);
  return list.map(obj).map(holdOf).filter((h): h is HoldInfo => !!h);
}

/** `GET v2/holds?page&limit`: the holds with all their fields, one page or every page. */
export async function listHolds(client: HttpClient, paging: PagingOptions = { returnAll: true }): Promise<{ holds: HoldInfo[]; totalCount?: number; truncated: boolean }> {
  const r = await collectPages<HoldInfo>(async (page, limit) => {
    const res = await rmCall(() => client.request<Obj>({ operation: 'list holds', method: 'GET', path: 'v2/holds', query: { page, limit } }));
    const holds = arr(obj(obj(obj(res.data).results).data).holds).map(obj).map(holdOf).filter((h): h is HoldInfo => !!h);
    return { items: holds, ...csPaging(res.data) };
  }, { limit: 100, ...paging });
  return { holds: r.items, totalCount: r.totalCount, truncated: r.truncated };
}

/** `GET v2/hold?id=` or `?holdname=`: one hold. */
export async function getHold(client: HttpClient, ref: { id?: number; name?: string }): Promise<HoldInfo> {
  const query = ref.name !== undefined ? { holdname: ref.name } : { id: ref.id };
  const res = await rmCall(() => client.request<Obj>({ operation: 'read hold', method: 'GET', path: 'v2/hold', query }), { details: { hold: ref.name ?? ref.id } });
  const d = obj(res.data);
  // [GUESS] the definition shows {hold}; the v2 list nests results.data: accept both.
  const h = holdOf(obj(obj(obj(d.results).data).hold ?? d.hold));
  if (!h) throw new OtError({ code: 'OT_NOT_FOUND', message: `read hold: hold ${ref.name ?? ref.id} was not found`, details: { hold: ref.name ?? ref.id } });
  return h;
}

/** A hold id from an id (number or digits) or a hold name. */
export async function resolveHold(client: HttpClient, ref: unknown): Promise<HoldInfo> {
  if (typeof ref === 'number' || (typeof ref === 'string' && /^\s*\d+\s*$/.test(ref))) return getHold(client, { id: Number(ref) });
  if (typeof ref === 'string' && ref.trim()) return getHold(client, { name: ref.trim() });
  throw new OtError({ code: 'OT_INVALID_INPUT', message: `the hold must be a hold id or a hold name, got ${JSON.stringify(ref)?.slice(0, 40)}` });
}

export interface NewHold {
  name: string;
  type: string;
  date_applied?: unknown;
  comment?: string;
  alternate_id?: string;
  parent_id?: number;
  date_to_remove?: unknown;
}

/** `POST v1/holds` (form fields name, type, date_applied, ...): creates a hold and reads it back. */
export async function createHold(client: HttpClient, h: NewHold): Promise<HoldInfo> {
  if (!h.name || !h.name.trim()) throw new OtError({ code: 'OT_INVALID_INPUT', message: 'create hold: a hold name is required' });
  if (!h.type || !h.type.trim()) throw new OtError({ code: 'OT_INVALID_INPUT', message: 'create hold: a hold type is required (for example LEGAL)' });
  const fields = {
    name: h.name.trim(),
    type: h.type.trim().toUpperCase(),
    date_applied: toDay(h.date_applied, 'date_applied') ?? new Date().toISOString().slice(0, 10),
    comment: h.comment || undefined,
    alternate_id: h.alternate_id || undefined,
    parent_id: h.parent_id || undefined,
    date_to_remove: toDay(h.date_to_remove, 'date_to_remove'),
  };
  const res = await rmCall(() => client.request<Obj>({ operation: 'create hold', method: 'POST', path: 'v1/holds', body: form(fields) }), { details: { hold: fields.name } });
  const d = obj(res.data);
  const id = num(d.holdID ?? d.hold_id ?? d.id ?? obj(d.results).id);
  // [GUESS] the response of the create call is not defined; read the hold back by id or by name.
  return id !== undefined ? getHold(client, { id }) : getHold(client, { name: fields.name });
}

/** `GET v1/nodes/{id}/holds`: the holds of a node, direct and inherited from its containers. */
export async function nodeHolds(client: HttpClient, nodeId: number): Promise<NodeHoldInfo[]> {
  const res = await rmCall(() => client.request<Obj>({ operation: 'read holds of node', method: 'GET', path: `v1/nodes/${nodeId}/holds` }), { details: { nodeId } });
  return arr(obj(res.data).data)
    .map(obj)
    .map((o) => ({
      hold_id: num(o.hold_id) ?? 0,
      hold_name: str(o.hold_name) ?? '',
      hold_type: str(o.hold_type) || undefined,
      applied: str(o.hold_appliedmethod) || 'Direct',
      on: num(o.id) ?? nodeId,
      date_applied: str(o.date_applied) || undefined,
      applied_by: str(o.applied_by) || undefined,
      removable: o.removable !== false,
    }))
    .filter((h) => h.hold_id > 0);
}

/** `GET v2/holditems/{id}` (+ `/page?page=`): the items under a hold. */
export function holdItems(client: HttpClient, holdId: number, paging: PagingOptions = { returnAll: true }): Promise<{ items: ItemRef[]; totalCount?: number; truncated: boolean }> {
  return rmItemPages(client, 'list hold items', `v2/holditems/${holdId}`, paging, (d) => arr(obj(d).results).map(obj));
}

// ---- apply / remove ---------------------------------------------------------------------------------

/** `POST v1/nodes/{id}/holds` (hold_id): applies a hold to one node. "Already has this hold" counts as applied. */
export async function applyHold(client: HttpClient, nodeId: number, holdId: number): Promise<{ already: boolean }> {
  try {
    await rmCall(() => client.request({ operation: 'apply hold', method: 'POST', path: `v1/nodes/${nodeId}/holds`, body: form({ hold_id: holdId }) }), { policy: true, details: { nodeId, holdId } });
    return { already: false };
  } catch (e) {
    if (isOtError(e) && e.statusCode === 400 && /already (has|have|applied|on)/i.test(e.apiMessage || '')) return { already: true };
    throw e;
  }
}

/** `DELETE v1/nodes/{id}/holds/{hold_id}`: removes a hold from one node. "Does not have this hold" counts as removed. */
export async function removeHold(client: HttpClient, nodeId: number, holdId: number): Promise<{ already: boolean }> {
  try {
    await rmCall(() => client.request({ operation: 'remove hold', method: 'DELETE', path: `v1/nodes/${nodeId}/holds/${holdId}` }), { policy: true, details: { nodeId, holdId } });
    return { already: false };
  } catch (e) {
    if (isOtError(e) && e.statusCode === 400 && /(does not have|not (applied|on hold))/i.test(e.apiMessage || '')) return { already: true };
    throw e;
  }
}

export interface HoldItemResult {
  id: number;
  ok: boolean;
  /** The node already had (apply) or did not have (remove) the hold. */
  already?: boolean;
  error?: { code: string; message: string; statusCode?: number };
}

export interface HoldManyResult {
  hold: { id: number; name?: string };
  action: 'apply' | 'remove';
  /** "bulk" when the bulk call did it all, "single" when the nodes were done one by one. */
  method: 'bulk' | 'single';
  succeeded: HoldItemResult[];
  failed: HoldItemResult[];
}

/**
 * Applies (or removes) a hold on several nodes: the bulk call first; when it is refused, one node
 * at a time so each gets its own result. Successes stay applied whatever happens to the others.
 */
export function holdMany(client: HttpClient, action: 'apply' | 'remove', ids: number[], hold: { id: number; name?: string }, opts: { bulk?: boolean; removeComments?: string } = {}): Promise<HoldManyResult> {
  const unique = [...new Set(ids)];
  return serialPerHold(client, hold.id, async () => {
    const result: HoldManyResult = { hold, action, method: 'single', succeeded: [], failed: [] };
    if (unique.length === 0) return result;
    if (opts.bulk !== false && unique.length > 1) {
      try {
        const body: Obj = { ids: unique, holdID: hold.id };
        if (action === 'remove' && opts.removeComments) body.removeComments = opts.removeComments;
        await rmCall(() => client.request({ operation: `${action} hold (bulk)`, method: 'POST', path: `v1/rmclassifications/${action === 'apply' ? 'applyhold' : 'removehold'}`, body: csBody(body) }), {
          policy: true,
          details: { holdId: hold.id, ids: unique },
        });
        result.method = 'bulk';
        result.succeeded = unique.map((id) => ({ id, ok: true }));
        return result;
      } catch (e) {
        // Authentication and availability problems are not about single nodes: report them as they are.
        if (!isOtError(e) || !['OT_INVALID_INPUT', 'OT_NOT_FOUND', 'OT_POLICY', 'OT_API', 'OT_CONFLICT'].includes(e.code)) throw e;
      }
    }
    for (const id of unique) {
      try {
        const r = action === 'apply' ? await applyHold(client, id, hold.id) : await removeHold(client, id, hold.id);
        result.succeeded.push({ id, ok: true, already: r.already || undefined });
      } catch (e) {
        if (!isOtError(e) || ['OT_AUTH', 'OT_UNAVAILABLE', 'OT_TIMEOUT', 'OT_NETWORK', 'OT_RATE_LIMITED'].includes(e.code)) {
          // The connection itself failed: stop and report what was done so far with the error.
          const err = isOtError(e) ? e : new OtError({ code: 'OT_API', message: String(e) });
          throw new OtError({ code: err.code, message: `${action} hold: stopped at node ${id} – ${err.message}`, statusCode: err.statusCode, operation: err.operation, apiMessage: err.apiMessage, details: { succeeded: result.succeeded.map((s) => s.id), failedAt: id, notTried: unique.slice(unique.indexOf(id) + 1) } });
        }
        result.failed.push({ id, ok: false, error: { code: e.code, message: e.apiMessage || e.message, statusCode: e.statusCode } });
      }
    }
    return result;
  });
}
