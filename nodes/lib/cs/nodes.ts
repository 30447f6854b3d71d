/**
 * Content Server nodes over the shared HttpClient: get, children (paged, "return all"), folders and
 * folder paths, rename / move / copy / delete, versions, and content download (to a Buffer or
 * streamed to a file). Paths and fields: Content Server REST API 2.0.2 (opentext-api.md §2.4–2.5).
 */
import fs from 'fs';
import path from 'path';
import { Readable } from 'stream';
import { pipeline } from 'stream/promises';
import type { HttpClient, OtResponse, RequestOptions } from '../http';
import { csBody } from '../http';
import { isOtError, OtError, OtErrorCode } from '../errors';
import { safeTargetPath } from '../files';
import { collectPages, csPaging, PagingOptions } from '../paging';

export type Obj = Record<string, unknown>;

/** The `properties` of a node as Content Server returns them (id, name, type, dates, size...). */
export interface NodeProps {
  id: number;
  parent_id: number;
  name: string;
  type: number;
  type_name?: string;
  description?: string;
  create_date?: string;
  modify_date?: string;
  size?: number;
  mime_type?: string | null;
  container?: boolean;
  [key: string]: unknown;
}

export interface VersionInfo {
  version_number: number;
  file_name: string;
  file_size: number;
  mime_type: string;
  create_date?: string;
  description?: string;
  [key: string]: unknown;
}

export interface ListResult<T> {
  items: T[];
  totalCount?: number;
  pages: number;
  truncated: boolean;
}

export const SUBTYPE = { folder: 0, shortcut: 1, category: 131, compoundDocument: 136, url: 140, document: 144, businessWorkspace: 848 } as const;

export const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

/**
 * Content Server answers some refusals with HTTP 500 (per its API definition): an invalid action
 * for the node's subtype, an invalid category attribute, a node it cannot get. Those are the
 * caller's input, not a server failure, so they get the pack's input / not-found codes. A 400
 * "invalid parent_id N" names a container that does not exist: not found.
 */
const NOT_FOUND_500 = /Could not get a node for|could not be accessed|invalid ID/i;
const INPUT_500 = /invalid action '|Invalid attribute entry|Invalid specification|Invalid block size|is required|Invalid value for attribute/i;

export function remapCsError(e: unknown): unknown {
  if (!isOtError(e) || !e.apiMessage) return e;
  let code: OtErrorCode | undefined;
  if (e.code === 'OT_API' && e.statusCode === 500) code = NOT_FOUND_500.test(e.apiMessage) ? 'OT_NOT_FOUND' : INPUT_500.test(e.apiMessage) ? 'OT_INVALID_INPUT' : undefined;
  // "invalid parent_id 123" alone: the container does not exist.
  else if (e.code === 'OT_INVALID_INPUT' && e.statusCode === 400 && /invalid parent_id \d+\s*$/i.test(e.apiMessage)) code = 'OT_NOT_FOUND';
  if (!code) return e;
  return new OtError({ code, message: e.message, statusCode: e.statusCode, operation: e.operation, attempts: e.attempts, apiMessage: e.apiMessage, details: e.details });
}

/** client.request with Content Server's error remapping. */
export async function csRequest<T = Obj>(client: HttpClient, opts: RequestOptions): Promise<OtResponse<T>> {
  try {
    return await client.request<T>(opts);
  } catch (e) {
    throw remapCsError(e);
  }
}

/** Reads node properties from a v2 reply (`results.data.properties`) or a list entry. */
export function propsOf(data: unknown, operation: string): NodeProps {
  const d = obj(data);
  const results = d.results;
  const entry = Array.isArray(results) ? results[0] : results ?? d;
  const p = obj(obj(obj(entry).data).properties);
  if (typeof p.id !== 'number') throw new OtError({ code: 'OT_API', message: `${operation}: the reply has no node properties`, operation });
  return p as NodeProps;
}

function listPropsOf(data: unknown): NodeProps[] {
  const results = obj(data).results;
  if (!Array.isArray(results)) return [];
  return results.map((r) => obj(obj(obj(r).data).properties)).filter((p): p is NodeProps => typeof p.id === 'number');
}

// ---- get / children -------------------------------------------------------------------------------

/** `GET v2/nodes/{id}`: the node's properties. */
export async function getNode(client: HttpClient, id: number): Promise<NodeProps> {
  const res = await csRequest(client, { operation: 'get node', method: 'GET', path: `v2/nodes/${id}`, query: { fields: 'properties' } });
  return propsOf(res.data, 'get node');
}

/** `GET v2/nodes/{id}?fields=properties&fields=versions`: properties and the version list. */
export async function getNodeWithVersions(client: HttpClient, id: number): Promise<{ properties: NodeProps; versions: VersionInfo[] }> {
  const res = await csRequest(client, { operation: 'get node', method: 'GET', path: `v2/nodes/${id}?fields=properties&fields=versions` });
  const data = obj(obj(obj(res.data).results).data);
  return { properties: propsOf(res.data, 'get node'), versions: Array.isArray(data.versions) ? (data.versions as VersionInfo[]) : [] };
}

export interface ChildrenQuery {
  /** Subtypes to keep (e.g. [144] documents, [0] folders; -1 = any container). */
  whereType?: number[];
  /** Name contains (case-insensitive). */
  whereName?: string;
  /** asc_/desc_ + name, modify_date, create_date, size, type. */
  sort?: string;
}

/** One page of `GET v2/nodes/{id}/nodes`. */
export async function childrenPage(client: HttpClient, parentId: number, q: ChildrenQuery, page: number, limit: number): Promise<{ items: NodeProps[]; pageTotal?: number; totalCount?: number }> {
  const where = (q.whereType || []).map((t) => `where_type=${encodeURIComponent(String(t))}`).join('&');
  const res = await csRequest(client, {
    operation: 'list children',
    method: 'GET',
    path: `v2/nodes/${parentId}/nodes${where ? `?${where}` : ''}`,
    query: { where_name: q.whereName || undefined, sort: q.sort || undefined, page, limit, fields: 'properties' },
  });
  return { items: listPropsOf(res.data), ...csPaging(res.data) };
}

/** The children of a container: one page, or every page with "return all" (bounded by maxItems). */
export async function listChildren(client: HttpClient, parentId: number, q: ChildrenQuery = {}, paging: PagingOptions = {}): Promise<ListResult<NodeProps>> {
  return collectPages((page, limit) => childrenPage(client, parentId, q, page, limit), { limit: 100, ...paging });
}

/** The child with exactly this name (case-insensitive, as Content Server's uniqueness), if any. */
export async function findChildByName(client: HttpClient, parentId: number, name: string): Promise<NodeProps | undefined> {
  const wanted = name.trim().toLowerCase();
  const all = await listChildren(client, parentId, { whereName: name.trim() }, { returnAll: true, limit: 100, maxItems: 100000 });
  return all.items.find((n) => n.name.toLowerCase() === wanted);
}

// ---- folders --------------------------------------------------------------------------------------

export interface CreateOptions {
  description?: string;
  /** Category values in the flat v2 form ({"9830_2": "x"}, "9830_1": {} for defaults). */
  categories?: Obj;
}

/** `POST v2/nodes` type 0: a folder. */
export async function createFolder(client: HttpClient, parentId: number, name: string, opts: CreateOptions = {}): Promise<NodeProps> {
  const body: Obj = { type: SUBTYPE.folder, parent_id: parentId, name };
  if (opts.description) body.description = opts.description;
  if (opts.categories && Object.keys(opts.categories).length) body.roles = { categories: opts.categories };
  const res = await csRequest(client, { operation: 'create folder', method: 'POST', path: 'v2/nodes', body: csBody(body) });
  return propsOf(res.data, 'create folder');
}

/** Splits "a/b/c" (or an array) into folder names; empty segments are dropped. */
export function splitPath(p: string | string[]): string[] {
  const parts = Array.isArray(p) ? p : p.split('/');
  return parts.map((s) => String(s).trim()).filter((s) => s !== '');
}

/**
 * Walks (and creates where missing) a folder path below a container and returns the last folder.
 * Tolerant of a concurrent creator: when creating says "already exists", it reads the folder
 * again. A document (or any non-container) in the way is an OT_CONFLICT.
 */
export async function ensureFolderPath(client: HttpClient, parentId: number, segments: string[]): Promise<NodeProps> {
  let current: NodeProps | undefined;
  let currentId = parentId;
  for (const name of splitPath(segments)) {
    let child = await findChildByName(client, currentId, name);
    if (!child) {
      try {
        child = await createFolder(client, currentId, name);
      } catch (e) {
        if (!isOtError(e) || e.code !== 'OT_CONFLICT') throw e;
        child = await findChildByName(client, currentId, name);
        if (!child) throw e;
      }
    }
    if (child.container === false) {
      throw new OtError({ code: 'OT_CONFLICT', message: `ensure folder path: "${name}" in node ${currentId} is a ${child.type_name || `subtype ${child.type}`} (${child.id}), not a folder`, details: { parentId: currentId, nodeId: child.id } });
    }
    current = child;
    currentId = child.id;
  }
  return current ?? getNode(client, parentId);
}

// ---- update / copy / delete -----------------------------------------------------------------------

/** `PUT v2/nodes/{id}`: rename, move (new parent) and/or change the description. */
export async function updateNode(client: HttpClient, id: number, changes: { name?: string; description?: string; parentId?: number }, operation = 'update node'): Promise<NodeProps> {
  const body: Obj = {};
  if (changes.name !== undefined) body.name = changes.name;
  if (changes.description !== undefined) body.description = changes.description;
  if (changes.parentId !== undefined) body.parent_id = changes.parentId;
  const res = await csRequest(client, { operation, method: 'PUT', path: `v2/nodes/${id}`, body: csBody(body) });
  try {
    return propsOf(res.data, operation);
  } catch {
    return getNode(client, id);
  }
}

/** `POST v2/nodes` with original_id: copies a node (with its sub-items) into a container. */
export async function copyNode(client: HttpClient, id: number, parentId: number, name?: string): Promise<NodeProps> {
  const body: Obj = { original_id: id, parent_id: parentId };
  if (name) body.name = name;
  const res = await csRequest(client, { operation: 'copy node', method: 'POST', path: 'v2/nodes', body: csBody(body) });
  return propsOf(res.data, 'copy node');
}

/** `DELETE v2/nodes/{id}`. */
export async function deleteNode(client: HttpClient, id: number): Promise<void> {
  await csRequest(client, { operation: 'delete node', method: 'DELETE', path: `v2/nodes/${id}` });
}

// ---- versions and content -------------------------------------------------------------------------

/** `GET v2/nodes/{id}/versions`. */
export async function listVersions(client: HttpClient, id: number): Promise<VersionInfo[]> {
  const res = await csRequest(client, { operation: 'list versions', method: 'GET', path: `v2/nodes/${id}/versions` });
  const results = obj(res.data).results;
  return Array.isArray(results) ? results.map((r) => obj(obj(r).data).versions as VersionInfo).filter((v) => v && typeof v.version_number === 'number') : [];
}

export interface DownloadInfo {
  fileName?: string;
  mimeType?: string;
  size?: number;
}

function header(h: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/** File name from Content-Disposition (RFC 6266 filename* first). */
export function fileNameFromDisposition(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const star = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(value);
  if (star) {
    try {
      return decodeURIComponent(star[2].trim().replace(/^"|"$/g, ''));
    } catch {
      /* fall through */
    }
  }
  const plain = /filename\s*=\s*("([^"]*)"|[^;]+)/i.exec(value);
  return plain ? (plain[2] ?? plain[1]).trim() : undefined;
}

/** `GET v2/nodes/{id}/content` (or `/versions/{n}/content`) as a stream with its name and type. */
export async function downloadStream(client: HttpClient, id: number, version?: number): Promise<DownloadInfo & { stream: Readable }> {
  const res = await csRequest<Readable>(client, {
    operation: 'download content',
    method: 'GET',
    path: version ? `v2/nodes/${id}/versions/${version}/content` : `v2/nodes/${id}/content`,
    responseType: 'stream',
  });
  const len = Number(header(res.headers, 'content-length'));
  return {
    stream: res.data,
    fileName: fileNameFromDisposition(header(res.headers, 'content-disposition')),
    mimeType: header(res.headers, 'content-type')?.split(';')[0].trim(),
    size: Number.isFinite(len) ? len : undefined,
  };
}

/** Downloads content into memory, refusing more than maxBytes (use downloadToFile for big files). */
export async function downloadToBuffer(client: HttpClient, id: number, opts: { version?: number; maxBytes?: number } = {}): Promise<DownloadInfo & { data: Buffer }> {
  const max = opts.maxBytes ?? 512 * 1024 * 1024;
  const d = await downloadStream(client, id, opts.version);
  if (d.size !== undefined && d.size > max) {
    d.stream.destroy();
    throw new OtError({ code: 'OT_INVALID_INPUT', message: `download content: node ${id} has ${d.size} bytes, more than the ${max} allowed in memory; download to a file instead`, operation: 'download content' });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of d.stream) {
    const b = Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array);
    size += b.length;
    if (size > max) {
      d.stream.destroy();
      throw new OtError({ code: 'OT_INVALID_INPUT', message: `download content: node ${id} is larger than the ${max} bytes allowed in memory; download to a file instead`, operation: 'download content' });
    }
    chunks.push(b);
  }
  return { ...d, data: Buffer.concat(chunks), size };
}

/**
 * Streams content to a file (written to a temporary name beside it, then renamed, so a failed
 * download never leaves a partial file under the target name).
 */
export async function downloadToFile(client: HttpClient, id: number, target: string, opts: { version?: number; overwrite?: boolean } = {}): Promise<DownloadInfo & { path: string }> {
  const file = safeTargetPath(target, 'download content');
  if (!opts.overwrite && fs.existsSync(file)) throw new OtError({ code: 'OT_CONFLICT', message: `download content: ${file} exists (allow overwriting to replace it)`, operation: 'download content' });
  const dir = path.dirname(file);
  if (!fs.existsSync(dir)) throw new OtError({ code: 'OT_INVALID_INPUT', message: `download content: the folder ${dir} does not exist`, operation: 'download content' });
  const d = await downloadStream(client, id, opts.version);
  const tmp = `${file}.${process.pid}.${Date.now()}.part`;
  let size = 0;
  try {
    await pipeline(d.stream, fs.createWriteStream(tmp, { flags: 'wx' }));
    size = (await fs.promises.stat(tmp)).size;
    if (d.size !== undefined && size !== d.size) throw new OtError({ code: 'OT_NETWORK', message: `download content: got ${size} of ${d.size} bytes`, operation: 'download content' });
    await fs.promises.rename(tmp, file);
  } catch (e) {
    await fs.promises.rm(tmp, { force: true });
    if (isOtError(e)) throw e;
    throw new OtError({ code: 'OT_NETWORK', message: `download content: writing ${file} failed: ${(e as Error).message}`, operation: 'download content' });
  }
  return { fileName: d.fileName, mimeType: d.mimeType, size, path: file };
}

/**
 * Children of a folder changed at or after `since` (a modify date), newest first: pages of
 * `sort=desc_modify_date` are read until one item is older, so the work grows with the number of
 * changed items, not with the size of the folder.
 */
export async function childrenChangedSince(client: HttpClient, folderId: number, since: string | undefined, opts: { whereType?: number[]; pageSize?: number } = {}): Promise<NodeProps[]> {
  const limit = opts.pageSize || 50;
  const sinceMs = since ? Date.parse(since) : NaN;
  const out: NodeProps[] = [];
  for (let page = 1; ; page++) {
    const p = await childrenPage(client, folderId, { whereType: opts.whereType, sort: 'desc_modify_date' }, page, limit);
    let older = false;
    for (const item of p.items) {
      const t = Date.parse(String(item.modify_date || ''));
      if (!Number.isNaN(sinceMs) && !Number.isNaN(t) && t < sinceMs) older = true;
      else out.push(item);
    }
    if (older || p.items.length < limit || (p.pageTotal !== undefined && page >= p.pageTotal)) break;
  }
  return out;
}
