/**
 * Uploading documents to Content Server: content from a Buffer, a string, a readable stream or a
 * file (always streamed, never read whole into memory), one multipart `POST v2/nodes` (JSON in
 * the `body` field + the `file` part) or, above a size threshold, a Large File Upload
 * (`v2/multipart` start / parts / complete, then create with `upload_key`); name-clash policies
 * (error, add a version, rename with " (2)", skip); new versions; and the upload target: a
 * container, or a business workspace found by business object or by type and name, with an
 * optional sub-folder path created where missing.
 */
import fs from 'fs';
import path from 'path';
import { Readable } from 'stream';
import type { HttpClient, RequestBody } from '../http';
import { csBody, form, multipart } from '../http';
import { invalidInput, isOtError, OtError } from '../errors';
import { baseName } from '../files';
import { csRequest, ensureFolderPath, findChildByName, getNode, listChildren, NodeProps, obj, Obj, propsOf, SUBTYPE } from './nodes';
import { CS_MIME_TYPES, mimeByExtension } from './mime';
import { findWorkspaceByBusinessObject, findWorkspaceByTypeAndName, WorkspaceRef } from './workspaces';

export const DEFAULT_CHUNK_THRESHOLD = 25 * 1024 * 1024;

/** The client's table: Content Server's, plus Markdown (which the client labels itself). */
export const MIME_TYPES: Record<string, string> = { ...CS_MIME_TYPES, md: 'text/markdown' };

/** MIME type from a file name's extension (application/octet-stream when unknown). */
export function mimeFromName(name: string): string {
  return mimeByExtension(name, MIME_TYPES);
}

// ---- content --------------------------------------------------------------------------------------

/** Bytes to upload, with what is known about them. */
export interface ContentSource {
  fileName: string;
  mimeType: string;
  /** Size in bytes when known (Buffer, file, or a size given for a stream). */
  size?: number;
  /** Whether the bytes can be sent again (Buffer and file yes; a stream only once). */
  replayable: boolean;
  /** All bytes, fresh for each call (a stream can be taken once). */
  open(): Buffer | Readable;
  /** Bytes [start, end) (files and Buffers, for Large File Upload parts). */
  slice?(start: number, end: number): Buffer | Readable;
  /** "file /path", "stream", "buffer": for messages. */
  label: string;
}

export interface ContentInput {
  /** A Buffer, a string (UTF-8) or a readable stream. */
  data?: unknown;
  /** A file to upload instead of data. */
  filePath?: string;
  /** The file name sent with the content (defaults to the file's own name). */
  fileName?: string;
  mimeType?: string;
  /** The size of a stream, when the caller knows it (enables Large File Upload for streams). */
  size?: number;
}

function isReadable(v: unknown): v is Readable {
  return v instanceof Readable || (!!v && typeof (v as Readable).pipe === 'function' && typeof (v as Readable).on === 'function' && typeof (v as Readable).read === 'function');
}

/** Reads the first chunk of a stream: undefined when it is empty, else an equivalent stream. */
async function nonEmpty(stream: Readable): Promise<Readable | undefined> {
  const it = stream[Symbol.asyncIterator]();
  let first: IteratorResult<unknown>;
  try {
    first = await it.next();
  } catch (e) {
    throw invalidInput(`the content stream failed: ${(e as Error).message}`);
  }
  if (first.done) return undefined;
  async function* rest(): AsyncGenerator<Buffer> {
    let done = false;
    try {
      yield Buffer.isBuffer(first.value) ? first.value : Buffer.from(first.value as Uint8Array);
      for (;;) {
        const r = await it.next();
        if (r.done) {
          done = true;
          return;
        }
        yield Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value as Uint8Array);
      }
    } finally {
      if (!done) await it.return?.();
    }
  }
  return Readable.from(rest(), { objectMode: false });
}

/** Checks the content and describes it; an empty content is OT_INVALID_INPUT. */
export async function prepareContent(input: ContentInput): Promise<ContentSource> {
  const given = input.fileName ? baseName(input.fileName) : undefined;
  if (input.filePath !== undefined && input.filePath !== '') {
    const file = path.resolve(String(input.filePath));
    let st: fs.Stats;
    try {
      st = await fs.promises.stat(file);
    } catch {
      throw invalidInput(`the file ${file} does not exist or cannot be read`);
    }
    if (!st.isFile()) throw invalidInput(`${file} is not a file`);
    if (st.size === 0) throw invalidInput(`the file ${file} is empty`);
    const fileName = given || baseName(file);
    return {
      fileName,
      mimeType: input.mimeType || mimeFromName(fileName),
      size: st.size,
      replayable: true,
      open: () => fs.createReadStream(file),
      slice: (start, end) => fs.createReadStream(file, { start, end: end - 1 }),
      label: `file ${file}`,
    };
  }
  const data = input.data;
  const fileName = given || 'document';
  const mimeType = input.mimeType || mimeFromName(fileName);
  if (data === undefined || data === null) throw invalidInput('there is no content: give msg.payload (Buffer, text or stream) or a file path');
  if (Buffer.isBuffer(data) || typeof data === 'string') {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (buf.length === 0) throw invalidInput('the content is empty');
    return { fileName, mimeType, size: buf.length, replayable: true, open: () => buf, slice: (s, e) => buf.subarray(s, e), label: 'buffer' };
  }
  if (isReadable(data)) {
    const stream = await nonEmpty(data);
    if (!stream) throw invalidInput('the content stream is empty');
    let taken = false;
    return {
      fileName,
      mimeType,
      size: input.size !== undefined && Number.isFinite(input.size) && input.size > 0 ? input.size : undefined,
      replayable: false,
      open: () => {
        if (taken) throw new OtError({ code: 'OT_API', message: 'upload document: the content stream was already sent and cannot be read again' });
        taken = true;
        return stream;
      },
      label: 'stream',
    };
  }
  throw invalidInput(`the content must be a Buffer, text, a readable stream or a file path, not ${Array.isArray(data) ? 'an array' : typeof data}`);
}

/** Reads exactly n bytes at a time from a one-shot stream (for Large File Upload parts). */
class PartReader {
  private readonly it: AsyncIterator<unknown>;
  private buf: Buffer = Buffer.alloc(0);
  private total = 0;
  constructor(stream: Readable) {
    this.it = stream[Symbol.asyncIterator]();
  }
  async read(n: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let have = 0;
    while (have < n) {
      if (this.buf.length === 0) {
        const r = await this.it.next();
        if (r.done) throw invalidInput(`upload document: the content stream ended after ${this.total + have} bytes, before the size that was given`);
        this.buf = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value as Uint8Array);
        continue;
      }
      const take = Math.min(n - have, this.buf.length);
      parts.push(this.buf.subarray(0, take));
      this.buf = this.buf.subarray(take);
      have += take;
    }
    this.total += n;
    return Buffer.concat(parts);
  }
  async end(): Promise<void> {
    if (this.buf.length) throw invalidInput('upload document: the content stream is longer than the size that was given');
    const r = await this.it.next();
    if (!r.done) {
      await this.it.return?.();
      throw invalidInput('upload document: the content stream is longer than the size that was given');
    }
  }
}

// ---- Large File Upload ----------------------------------------------------------------------------

/** `DELETE v2/multipart/{key}`: best effort (used after a failure). */
export async function cancelLargeUpload(client: HttpClient, key: string): Promise<void> {
  await csRequest(client, { operation: 'cancel large file upload', method: 'DELETE', path: `v2/multipart/${encodeURIComponent(key)}`, maxAttempts: 1 }).catch(() => undefined);
}

/**
 * Large File Upload: start a session for the content's size, send the parts the server asks for
 * (files and Buffers part by part from their bytes; a stream one part in memory at a time), and
 * complete it. Returns the upload key to create a document or a version with.
 */
export async function largeUpload(client: HttpClient, content: ContentSource): Promise<string> {
  const size = content.size;
  if (size === undefined) throw invalidInput('large file upload: the size of the content is not known');
  const start = await csRequest(client, { operation: 'start large file upload', method: 'POST', path: 'v2/multipart', body: form({ file_name: content.fileName, file_size: size, mime_type: content.mimeType }) });
  const d = obj(start.data);
  const info = d.upload_key ? d : obj(d.results);
  const key = typeof info.upload_key === 'string' ? info.upload_key : undefined;
  const partSize = Number(info.part_size);
  if (!key || !(partSize > 0)) throw new OtError({ code: 'OT_API', message: 'start large file upload: the reply has no upload_key / part_size', operation: 'start large file upload' });
  const parts = Number(info.num_parts) || Math.ceil(size / partSize);
  try {
    const reader = content.slice ? undefined : new PartReader(content.open() as Readable);
    for (let n = 1; n <= parts; n++) {
      const s = (n - 1) * partSize;
      const e = Math.min(size, n * partSize);
      const bytes = reader ? await reader.read(e - s) : undefined;
      const body = (): RequestBody => multipart({}, { part_content: { data: bytes ?? content.slice!(s, e), filename: content.fileName, contentType: 'application/octet-stream', knownLength: e - s } });
      try {
        await csRequest(client, { operation: `upload part ${n} of ${parts}`, method: 'POST', path: `v2/multipart/${encodeURIComponent(key)}/${n}`, body, idempotent: true });
      } catch (err) {
        // a retried part that did arrive the first time
        if (!(isOtError(err) && /has already been uploaded/i.test(err.apiMessage || ''))) throw err;
      }
    }
    if (reader) await reader.end();
    await csRequest(client, { operation: 'complete large file upload', method: 'POST', path: `v2/multipart/${encodeURIComponent(key)}` });
    return key;
  } catch (e) {
    await cancelLargeUpload(client, key);
    throw e;
  }
}

// ---- documents and versions -----------------------------------------------------------------------

export type ClashPolicy = 'error' | 'version' | 'rename' | 'skip';

export interface DocumentOptions {
  parentId: number;
  /** The document's name in Content Server. */
  name: string;
  content: ContentSource;
  description?: string;
  /** Category values, flat v2 form. */
  categories?: Obj;
  /** Classification ids (roles.classifications). */
  classifications?: number[];
  /** What to do when the name is taken (default "error": OT_CONFLICT). */
  onClash?: ClashPolicy;
  /** Use Large File Upload above this many bytes (default 25 MiB). */
  chunkThreshold?: number;
}

export interface UploadResult {
  node: NodeProps;
  /** created, renamed (created under a free name), versioned (added a version), skipped. */
  action: 'created' | 'renamed' | 'versioned' | 'skipped';
  /** Whether Large File Upload was used. */
  chunked: boolean;
}

function useLarge(content: ContentSource, threshold: number | undefined): boolean {
  const t = threshold !== undefined && threshold > 0 ? threshold : DEFAULT_CHUNK_THRESHOLD;
  return content.size !== undefined && content.size > t;
}

function filePart(content: ContentSource) {
  return { data: content.open(), filename: content.fileName, contentType: content.mimeType, knownLength: content.size };
}

/** One body per attempt when the content can be read again; a stream gives one body only. */
function bodyFor(content: ContentSource, make: () => RequestBody): RequestBody | (() => RequestBody) {
  return content.replayable ? make : make();
}

async function createDocument(client: HttpClient, o: DocumentOptions, name: string): Promise<{ node: NodeProps; chunked: boolean }> {
  const meta: Obj = { type: SUBTYPE.document, parent_id: o.parentId, name };
  if (o.description) meta.description = o.description;
  const roles: Obj = {};
  if (o.categories && Object.keys(o.categories).length) roles.categories = o.categories;
  if (o.classifications && o.classifications.length) roles.classifications = { create_id: [], id: o.classifications };
  if (Object.keys(roles).length) meta.roles = roles;
  if (useLarge(o.content, o.chunkThreshold)) {
    const key = await largeUpload(client, o.content);
    try {
      const res = await csRequest(client, { operation: 'upload document', method: 'POST', path: 'v2/nodes', body: csBody({ ...meta, upload_key: key }) });
      return { node: propsOf(res.data, 'upload document'), chunked: true };
    } catch (e) {
      await cancelLargeUpload(client, key);
      throw e;
    }
  }
  const res = await csRequest(client, {
    operation: 'upload document',
    method: 'POST',
    path: 'v2/nodes',
    body: bodyFor(o.content, () => multipart({ body: JSON.stringify(meta) }, { file: filePart(o.content) })),
  });
  return { node: propsOf(res.data, 'upload document'), chunked: false };
}

/** Adds a version to a document (`POST v2/nodes/{id}/versions`, multipart or upload_key). */
export async function addVersion(client: HttpClient, nodeId: number, content: ContentSource, opts: { description?: string; chunkThreshold?: number } = {}): Promise<{ node: NodeProps; chunked: boolean }> {
  let res;
  let chunked = false;
  if (useLarge(content, opts.chunkThreshold)) {
    const key = await largeUpload(client, content);
    chunked = true;
    try {
      res = await csRequest(client, { operation: 'add version', method: 'POST', path: `v2/nodes/${nodeId}/versions`, body: form({ upload_key: key, description: opts.description || undefined }) });
    } catch (e) {
      await cancelLargeUpload(client, key);
      throw e;
    }
  } else {
    res = await csRequest(client, {
      operation: 'add version',
      method: 'POST',
      path: `v2/nodes/${nodeId}/versions`,
      body: bodyFor(content, () => multipart({ description: opts.description || undefined }, { file: filePart(content) })),
    });
  }
  let node: NodeProps;
  try {
    node = propsOf(res.data, 'add version');
  } catch {
    node = await getNode(client, nodeId);
  }
  return { node, chunked };
}

/** "Name (2).ext", "Name (3).ext"...: the first name not taken in the container. */
export async function freeName(client: HttpClient, parentId: number, name: string): Promise<string> {
  const m = /^(.*?)(\.[A-Za-z0-9]{1,10})?$/.exec(name)!;
  const stem = m[1] || name;
  const ext = m[1] ? m[2] || '' : '';
  const taken = new Set((await listChildren(client, parentId, { whereName: stem }, { returnAll: true, limit: 100, maxItems: 100000 })).items.map((n) => n.name.toLowerCase()));
  for (let i = 2; i < 100000; i++) {
    const candidate = `${stem} (${i})${ext}`;
    if (!taken.has(candidate.toLowerCase())) return candidate;
  }
  throw new OtError({ code: 'OT_CONFLICT', message: `upload document: no free name for "${name}" in ${parentId}` });
}

/**
 * Uploads a document into a container with a name-clash policy. Nothing half-stored is left: the
 * metadata (description, categories, classifications) travels in the same request as the content,
 * and a failed Large File Upload is cancelled.
 */
export async function uploadDocument(client: HttpClient, o: DocumentOptions): Promise<UploadResult> {
  const name = String(o.name ?? '').trim();
  if (!name) throw invalidInput('upload document: the document name is empty');
  const policy: ClashPolicy = o.onClash || 'error';
  // A stream can be sent only once: check the target (and refresh the session) before sending it.
  if (!o.content.replayable) await getNode(client, o.parentId);

  const onExisting = async (existing: NodeProps, attempted: string): Promise<UploadResult | string> => {
    if (policy === 'skip') return { node: existing, action: 'skipped', chunked: false };
    if (policy === 'version') {
      if (existing.type !== SUBTYPE.document) {
        throw new OtError({ code: 'OT_CONFLICT', message: `upload document: "${attempted}" in ${o.parentId} is a ${existing.type_name || `subtype ${existing.type}`} (${existing.id}); a version can only be added to a document`, details: { nodeId: existing.id } });
      }
      const v = await addVersion(client, existing.id, o.content, { description: o.description, chunkThreshold: o.chunkThreshold });
      return { node: v.node, action: 'versioned', chunked: v.chunked };
    }
    return freeName(client, o.parentId, name);
  };

  let target = name;
  if (policy !== 'error') {
    const existing = await findChildByName(client, o.parentId, name);
    if (existing) {
      const r = await onExisting(existing, name);
      if (typeof r !== 'string') return r;
      target = r;
    }
  }
  for (let attempt = 1; ; attempt++) {
    try {
      const { node, chunked } = await createDocument(client, o, target);
      return { node, action: target === name ? 'created' : 'renamed', chunked };
    } catch (e) {
      if (!isOtError(e) || e.code !== 'OT_CONFLICT' || policy === 'error') throw e;
      // Someone created the name between the check and the upload.
      const existing = await findChildByName(client, o.parentId, target);
      if (!existing || attempt >= 5) throw e;
      if (!o.content.replayable && policy !== 'skip') {
        throw new OtError({ code: 'OT_CONFLICT', message: `upload document: "${target}" was created in ${o.parentId} by someone else during the upload, and the content (a stream) cannot be sent again`, details: { nodeId: existing.id } });
      }
      const r = await onExisting(existing, target);
      if (typeof r !== 'string') return r;
      target = r;
    }
  }
}

// ---- upload targets -------------------------------------------------------------------------------

export type UploadTarget =
  | { kind: 'parent'; parentId: number; path?: string[] }
  | { kind: 'businessObject'; extSystemId: string; boType: string; boId: string; path?: string[] }
  | { kind: 'workspace'; typeId?: number; typeName?: string; name: string; path?: string[] };

export interface ResolvedTarget {
  parentId: number;
  workspace?: WorkspaceRef;
}

/** Finds the container to upload into (a workspace lookup, then the sub-folder path). */
export async function resolveTarget(client: HttpClient, t: UploadTarget): Promise<ResolvedTarget> {
  let base: number;
  let workspace: WorkspaceRef | undefined;
  if (t.kind === 'parent') {
    base = t.parentId;
  } else if (t.kind === 'businessObject') {
    workspace = await findWorkspaceByBusinessObject(client, { extSystemId: t.extSystemId, boType: t.boType, boId: t.boId });
    if (!workspace) throw new OtError({ code: 'OT_NOT_FOUND', message: `upload document: no business workspace for business object ${t.extSystemId} / ${t.boType} / ${t.boId}`, details: { extSystemId: t.extSystemId, boType: t.boType, boId: t.boId } });
    base = workspace.id;
  } else {
    workspace = await findWorkspaceByTypeAndName(client, { typeId: t.typeId, typeName: t.typeName, name: t.name });
    if (!workspace) throw new OtError({ code: 'OT_NOT_FOUND', message: `upload document: no business workspace "${t.name}" of type ${t.typeId ?? t.typeName}`, details: { name: t.name, typeId: t.typeId, typeName: t.typeName } });
    base = workspace.id;
  }
  if (t.path && t.path.length) {
    const folder = await ensureFolderPath(client, base, t.path);
    return { parentId: folder.id, workspace };
  }
  return { parentId: base, workspace };
}

/** Resolves the target, then uploads (the one operation of the upload node). */
export async function uploadToTarget(client: HttpClient, target: UploadTarget, o: Omit<DocumentOptions, 'parentId'>): Promise<UploadResult & ResolvedTarget> {
  const where = await resolveTarget(client, target);
  const r = await uploadDocument(client, { ...o, parentId: where.parentId });
  return { ...r, ...where };
}


