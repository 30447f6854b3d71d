/**
 * A streaming multipart/form-data parser. Text fields are collected (bounded); file parts are
 * streamed into the content store chunk by chunk, so a 1 GiB upload never sits in memory.
 */
import { IncomingMessage } from 'http';
import { ContentStore, ContentWriter } from './content';

export interface UploadedFile {
  field: string;
  filename: string;
  contentType: string;
  size: number;
  /** Id of the bytes in the content store. */
  contentId: string;
}

export interface MultipartResult {
  fields: Record<string, string>;
  files: Record<string, UploadedFile>;
  /** Field names in arrival order with their kind (for recordings). */
  kinds: Record<string, 'text' | 'file'>;
}

const MAX_FIELD = 32 * 1024 * 1024;
const MAX_HEADER = 16 * 1024;

export class MultipartError extends Error {}

export async function parseMultipart(req: IncomingMessage, boundary: string, store: ContentStore): Promise<MultipartResult> {
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const result: MultipartResult = { fields: {}, files: {}, kinds: {} };
  // The body starts with "--boundary"; prefix CRLF so every delimiter looks the same.
  let buf: Buffer = Buffer.from('\r\n');
  let state: 'preamble' | 'headers' | 'body' | 'done' = 'preamble';
  let part: { name: string; filename?: string; contentType: string; chunks: Buffer[]; size: number; writer?: ContentWriter } | undefined;

  const finishPart = async () => {
    if (!part) return;
    if (part.writer) {
      const contentId = await part.writer.end();
      result.files[part.name] = { field: part.name, filename: part.filename || 'file', contentType: part.contentType, size: part.size, contentId };
      result.kinds[part.name] = 'file';
    } else {
      result.fields[part.name] = Buffer.concat(part.chunks).toString('utf8');
      result.kinds[part.name] = 'text';
    }
    part = undefined;
  };

  const write = async (data: Buffer) => {
    if (!part || data.length === 0) return;
    part.size += data.length;
    if (part.writer) await part.writer.write(data);
    else {
      if (part.size > MAX_FIELD) throw new MultipartError(`multipart field "${part.name}" is too large`);
      part.chunks.push(data);
    }
  };

  const process = async (final: boolean) => {
    for (;;) {
      if (state === 'done') {
        buf = Buffer.alloc(0);
        return;
      }
      if (state === 'preamble') {
        const i = buf.indexOf(delimiter);
        if (i < 0) {
          if (buf.length > delimiter.length) buf = buf.subarray(buf.length - delimiter.length);
          return;
        }
        buf = buf.subarray(i + delimiter.length);
        state = 'headers';
        continue;
      }
      if (state === 'headers') {
        if (buf.length < 2) return;
        if (buf.subarray(0, 2).toString() === '--') {
          state = 'done';
          continue;
        }
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) {
          if (buf.length > MAX_HEADER) throw new MultipartError('multipart part headers too large');
          return;
        }
        const head = buf.subarray(0, end).toString('utf8');
        buf = buf.subarray(end + 4);
        const headers: Record<string, string> = {};
        for (const line of head.split('\r\n')) {
          const c = line.indexOf(':');
          if (c > 0) headers[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
        }
        const disp = headers['content-disposition'] || '';
        const name = /\bname="([^"]*)"/i.exec(disp)?.[1];
        const fnMatch = /\bfilename\*?="?([^";]*)"?/i.exec(disp);
        if (name === undefined) throw new MultipartError('multipart part without a name');
        const filename = fnMatch ? decodeURIComponent(fnMatch[1].replace(/^UTF-8''/i, '')) : undefined;
        part = { name, filename, contentType: headers['content-type'] || (filename !== undefined ? 'application/octet-stream' : 'text/plain'), chunks: [], size: 0 };
        if (filename !== undefined) part.writer = store.writer();
        state = 'body';
        continue;
      }
      // body: everything up to the next delimiter belongs to the part
      const i = buf.indexOf(delimiter);
      if (i >= 0) {
        await write(buf.subarray(0, i));
        buf = buf.subarray(i + delimiter.length);
        await finishPart();
        state = 'headers';
        continue;
      }
      // keep a tail that could be the start of a delimiter
      const keep = final ? 0 : delimiter.length;
      if (buf.length > keep) {
        await write(buf.subarray(0, buf.length - keep));
        buf = buf.subarray(buf.length - keep);
      }
      return;
    }
  };

  try {
    for await (const chunk of req) {
      buf = buf.length ? Buffer.concat([buf, chunk as Buffer]) : (chunk as Buffer);
      await process(false);
    }
    await process(true);
  } catch (e) {
    if (part?.writer) part.writer.abort();
    throw e;
  }
  if ((state as string) !== 'done') {
    if (part?.writer) part.writer.abort();
    throw new MultipartError('multipart body ended before its closing boundary');
  }
  return result;
}
