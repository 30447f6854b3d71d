/**
 * Content Server search (`POST v2/search`, opentext-api.md §2.7): an LQL `where` clause, paging and
 * "return all", and the modify-date window the ECM watch uses to read only what changed.
 */
import type { HttpClient } from '../http';
import { form } from '../http';
import { invalidInput } from '../errors';
import { collectPages, csPaging, PagingOptions } from '../paging';
import { childrenChangedSince, csRequest, NodeProps, obj, ListResult } from './nodes';
import { listAssignments, type Assignment } from './workflows';

export interface SearchQuery {
  /** LQL, e.g. `OTName:"Contract*" AND OTSubType:144`. */
  where: string;
  /** complexquery (default) | allwords | anywords | exactphrase. */
  lookfor?: string;
  /** all | content | metadata. */
  within?: string;
  /** relevance, or asc_/desc_ + a region (desc_OTModifyDate, asc_OTName...). */
  sort?: string;
  /** Restrict to items below these containers (location_id1, location_id2, ...). */
  locationIds?: number[];
}

/** Quotes a value for LQL ("..." with " and \ escaped). */
export function lqlQuote(v: string): string {
  return `"${String(v).replace(/(["\\])/g, '\\$1')}"`;
}

/** One page of results. */
export async function searchPage(client: HttpClient, q: SearchQuery, page: number, limit: number): Promise<{ items: NodeProps[]; pageTotal?: number; totalCount?: number }> {
  const where = (q.where || '').trim();
  if (!where) throw invalidInput('search: the query (LQL where clause) is empty');
  const fields: Record<string, string | number | undefined> = { where, lookfor: q.lookfor || undefined, within: q.within || undefined, sort: q.sort || undefined, page, limit };
  (q.locationIds || []).forEach((id, i) => (fields[`location_id${i + 1}`] = id));
  const res = await csRequest(client, { operation: 'search', method: 'POST', path: 'v2/search', body: form(fields), idempotent: true });
  const results = obj(res.data).results;
  const items = (Array.isArray(results) ? results : []).map((r) => obj(obj(obj(r).data).properties)).filter((p): p is NodeProps => typeof p.id === 'number');
  return { items, ...csPaging(res.data) };
}

/** Searches: one page, or all pages with "return all" (bounded by maxItems). */
export async function search(client: HttpClient, q: SearchQuery, paging: PagingOptions = {}): Promise<ListResult<NodeProps>> {
  return collectPages((page, limit) => searchPage(client, q, page, limit), { limit: 50, ...paging });
}

/** The day of an ISO time, as LQL date ranges take it (YYYY-MM-DD). */
export function lqlDay(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw invalidInput(`not a date: ${iso}`);
  return new Date(t).toISOString().slice(0, 10);
}

function newerOrEqual(p: NodeProps, since: string | undefined): boolean {
  if (!since) return true;
  const a = Date.parse(String(p.modify_date || ''));
  const b = Date.parse(since);
  return Number.isNaN(a) || Number.isNaN(b) ? true : a >= b;
}

/**
 * Items matching a query that changed at or after `since` (a modify date), newest first. The date
 * window is added to the query (`AND OTModifyDate:[<day> TO *]`) and results are read sorted by
 * modify date, page by page, until one is older than `since`: the work grows with the number of
 * changed items, not with everything the query matches.
 */
export async function searchChangedSince(client: HttpClient, q: SearchQuery, since: string | undefined, opts: { pageSize?: number; maxItems?: number } = {}): Promise<NodeProps[]> {
  const where = since ? `(${q.where}) AND OTModifyDate:[${lqlDay(since)} TO *]` : q.where;
  const limit = opts.pageSize || 50;
  const max = opts.maxItems || 100000;
  const out: NodeProps[] = [];
  for (let page = 1; ; page++) {
    const p = await searchPage(client, { ...q, where, sort: 'desc_OTModifyDate' }, page, limit);
    let older = false;
    for (const item of p.items) {
      if (newerOrEqual(item, since)) out.push(item);
      else older = true;
    }
    if (older || p.items.length < limit || (p.pageTotal !== undefined && page >= p.pageTotal)) break;
    if (out.length > max) throw invalidInput(`search: more than ${max} changed items; narrow the query`);
  }
  return out;
}

// ---- what an ECM watch reads ----------------------------------------------------------------------

/** What the ECM watch polls. */
export type EcmWatchSource =
  | { kind: 'folder'; folderId: number; subfolders?: boolean; whereType?: number[] }
  | { kind: 'search'; where: string }
  | { kind: 'assignments' };

/** One item read by a watch poll, with what the de-duplication needs. */
export interface EcmChange {
  id: string | number;
  /** Changes with the item (its modify date; for an assignment, its id and due date). */
  fingerprint: string;
  /** The change time (modify date) of nodes; assignments have none. */
  time?: string;
  kind: 'node' | 'assignment';
  item: NodeProps | Assignment;
}

function nodeChange(p: NodeProps): EcmChange {
  const t = typeof p.modify_date === 'string' ? p.modify_date : undefined;
  return { id: p.id, fingerprint: `${t ?? ''}|${p.size ?? ''}`, time: t, kind: 'node', item: p };
}

/**
 * The items of a watch source changed at or after `since` (all of them when undefined): a folder's
 * children by modify date; a folder with its sub-folders, or a search, through the search API with
 * a modify-date window (`OTLocation:<folder>` for "anywhere below"); the user's workflow
 * assignments (all of them: the list holds only open tasks).
 */
export async function ecmChangesSince(client: HttpClient, source: EcmWatchSource, since: string | undefined): Promise<EcmChange[]> {
  if (source.kind === 'assignments') {
    return (await listAssignments(client)).map((a) => ({ id: a.id, fingerprint: `${a.date_due ?? ''}`, kind: 'assignment', item: a }));
  }
  if (source.kind === 'folder' && !source.subfolders) {
    return (await childrenChangedSince(client, source.folderId, since, { whereType: source.whereType })).map(nodeChange);
  }
  let where: string;
  if (source.kind === 'folder') {
    const types = source.whereType && source.whereType.length ? ` AND (${source.whereType.map((t) => `OTSubType:${t}`).join(' OR ')})` : '';
    where = `OTLocation:${source.folderId}${types}`;
  } else {
    where = source.where;
  }
  return (await searchChangedSince(client, { where }, since)).map(nodeChange);
}
