/**
 * Shared pieces of the Records Management operations: response readers, error mapping (policy
 * refusals become OT_POLICY with the server's reason, "could not get node" becomes OT_NOT_FOUND),
 * the current user's id (needed by the disposition calls), and date input.
 */
import type { HttpClient } from '../http';
import { isOtError, OtError } from '../errors';
import { collectPages, csPaging, PagingOptions } from '../paging';

export type Obj = Record<string, unknown>;

export const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : undefined;
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined);

/** Server texts that describe a records-policy refusal (RM-4: route them as OT_POLICY). */
const RM_POLICY =
  /(required|mandatory|not allowed|not selectable|policy|permission to (classify|declare)|already (classified|declared)|under hold|on hold|is finalized|record is finalized|not a record|cannot be (classified|declared|removed|changed|applied))/i;
/** Server texts of an unknown node, hold, RSI or task (the RM API answers several of them with 400). */
const NOT_FOUND = /(could not get node for|cannot retrieve node|invalid id\b|does not exist|object does not exist|could not be accessed|error retrieving cache|could not get (a member|snapshots))/i;

export interface MapOptions {
  /** Treat refusals that read like a records policy as OT_POLICY (classification changes). */
  policy?: boolean;
  /** Extra details for the error (node id, hold id, ...). */
  details?: Obj;
}

/**
 * Maps an error of an RM call: policy refusals (400/403/422 with a policy text) to OT_POLICY with
 * the server's reason; the RM API's "could not get node" 400s to OT_NOT_FOUND. Other errors are
 * returned unchanged.
 */
export function mapRmError(e: unknown, opts: MapOptions = {}): unknown {
  if (!isOtError(e)) return e;
  const reason = e.apiMessage || '';
  const st = e.statusCode;
  if (opts.policy && (st === 400 || st === 403 || st === 422) && RM_POLICY.test(reason)) {
    return new OtError({
      code: 'OT_POLICY',
      message: `${e.operation || 'records management'}: refused by the records policy – ${reason}`,
      statusCode: st,
      operation: e.operation,
      attempts: e.attempts,
      apiMessage: reason,
      details: { reason, ...(opts.details || {}) },
    });
  }
  if ((st === 400 || st === 404) && NOT_FOUND.test(reason) && e.code !== 'OT_NOT_FOUND') {
    return new OtError({ code: 'OT_NOT_FOUND', message: e.message, statusCode: st, operation: e.operation, attempts: e.attempts, apiMessage: reason, details: opts.details });
  }
  if (opts.details && e.details === undefined) {
    return new OtError({ code: e.code, message: e.message, statusCode: st, operation: e.operation, attempts: e.attempts, apiMessage: e.apiMessage, details: opts.details });
  }
  return e;
}

/** Runs an RM call and maps its failure with mapRmError. */
export async function rmCall<T>(fn: () => Promise<T>, opts: MapOptions = {}): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw mapRmError(e, opts);
  }
}

const userIds = new WeakMap<HttpClient, Promise<number>>();

/** The id of the user the connection acts as (`GET v1/auth`), cached per connection. */
export function currentUserId(client: HttpClient): Promise<number> {
  let p = userIds.get(client);
  if (!p) {
    p = client.request<Obj>({ operation: 'read current user', method: 'GET', path: 'v1/auth' }).then((res) => {
      const id = num(obj(obj(res.data).data).id);
      if (id === undefined) throw new OtError({ code: 'OT_API', message: 'read current user: the response carried no user id', operation: 'read current user' });
      return id;
    });
    userIds.set(client, p);
    p.catch(() => userIds.delete(client));
  }
  return p;
}

/** Whether YYYY-MM-DD names a real day (not 2026-02-30). */
const realDay = (d: string): boolean => {
  const t = Date.parse(d + 'T00:00:00Z');
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === d;
};

/** A date input (Date, epoch milliseconds, YYYY-MM-DD or an ISO date-time) as YYYY-MM-DD. */
export function toDay(v: unknown, name: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  let t: number;
  if (v instanceof Date) t = v.getTime();
  else if (typeof v === 'number') t = v;
  else if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v.trim())) return realDay(v.trim()) ? v.trim() : bad();
  else if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v.trim())) t = Date.parse(v.trim());
  else return bad();
  if (!Number.isFinite(t)) return bad();
  return new Date(t).toISOString().slice(0, 10);
  function bad(): never {
    throw new OtError({ code: 'OT_INVALID_INPUT', message: `${name} must be a date (YYYY-MM-DD, an ISO date-time or a Date), got ${JSON.stringify(v)?.slice(0, 40)}` });
  }
}

/** A list of positive whole numbers (ids) from an array, a number, or "1,2,3". */
export function idsInput(v: unknown, name: string): number[] {
  const list = Array.isArray(v) ? v : typeof v === 'string' ? v.split(/[\s,;]+/).filter(Boolean) : v === undefined || v === null || v === '' ? [] : [v];
  return list.map((x, i) => {
    const n = typeof x === 'number' ? x : typeof x === 'string' && /^\s*\d+\s*$/.test(x) ? Number(x) : typeof x === 'object' && x && 'id' in x ? Number((x as Obj).id) : NaN;
    if (!Number.isSafeInteger(n) || n <= 0) throw new OtError({ code: 'OT_INVALID_INPUT', message: `${name}[${i}] must be a positive whole number (a node id), got ${JSON.stringify(x)?.slice(0, 40)}` });
    return n;
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface ItemRef {
  id: number;
  name: string;
  type?: number;
  parent_id?: number;
}

const itemRef = (o: Obj): ItemRef | undefined => {
  const id = num(o.id);
  return id === undefined ? undefined : { id, name: str(o.name) ?? '', type: num(o.type), parent_id: num(o.parent_id) };
};

/**
 * Pages of an RM item list that has a first-page call and a `/page?page=` call (hold items, RSI
 * items, classified items).
 */
export async function rmItemPages(client: HttpClient, operation: string, basePath: string, paging: PagingOptions, read: (data: unknown) => Obj[]): Promise<{ items: ItemRef[]; totalCount?: number; truncated: boolean }> {
  const r = await collectPages<ItemRef>(async (page, limit) => {
    const res = await rmCall(() =>
      client.request<Obj>(page <= 1 ? { operation, method: 'GET', path: basePath, query: { limit } } : { operation, method: 'GET', path: `${basePath}/page`, query: { page, limit } }),
    );
    return { items: read(res.data).map(itemRef).filter((x): x is ItemRef => !!x), ...csPaging(res.data) };
  }, { limit: 25, ...paging });
  return { items: r.items, totalCount: r.totalCount, truncated: r.truncated };
}

