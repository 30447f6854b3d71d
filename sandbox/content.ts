/**
 * Where the sandbox keeps document bytes: small contents in memory, large ones in temporary files
 * (so a 1 GiB upload does not live in memory). Every content has a size and a SHA-256.
 */
import crypto from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { Readable } from 'stream';

const MEMORY_LIMIT = 1024 * 1024;

export interface StoredContent {
  id: string;
  size: number;
  sha256: string;
  buffer?: Buffer;
  file?: string;
}

/** The contents' list in a saved state file (the bytes are files beside it). */
export interface SavedContent {
  seq: number;
  items: Array<{ id: string; size: number; sha256: string }>;
}

export interface ContentWriter {
  write(chunk: Buffer): Promise<void>;
  end(): Promise<string>;
  abort(): void;
}

export class ContentStore {
  private readonly items = new Map<string, StoredContent>();
  private dir?: string;
  private seq = 0;

  private tempDir(): string {
    if (!this.dir) this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ot-sandbox-'));
    return this.dir;
  }

  private nextId(): string {
    return `c${++this.seq}`;
  }

  put(data: Buffer | string): string {
    const buffer = Buffer.isBuffer(data) ? data : Buffer.from(data);
    const id = this.nextId();
    this.items.set(id, { id, size: buffer.length, sha256: crypto.createHash('sha256').update(buffer).digest('hex'), buffer });
    return id;
  }

  writer(): ContentWriter {
    const hash = crypto.createHash('sha256');
    const chunks: Buffer[] = [];
    let size = 0;
    let file: string | undefined;
    let fd: number | undefined;
    return {
      write: async (chunk: Buffer) => {
        hash.update(chunk);
        size += chunk.length;
        if (fd === undefined && size <= MEMORY_LIMIT) {
          chunks.push(Buffer.from(chunk));
          return;
        }
        if (fd === undefined) {
          file = path.join(this.tempDir(), `${process.pid}-${Date.now()}-${crypto.randomBytes(4).toString('hex')}`);
          fd = fs.openSync(file, 'w');
          for (const c of chunks) fs.writeSync(fd, c);
          chunks.length = 0;
        }
        await new Promise<void>((resolve, reject) => fs.write(fd!, chunk, (err) => (err ? reject(err) : resolve())));
      },
      end: async () => {
        const id = this.nextId();
        if (fd !== undefined) {
          fs.closeSync(fd);
          this.items.set(id, { id, size, sha256: hash.digest('hex'), file });
        } else {
          this.items.set(id, { id, size, sha256: hash.digest('hex'), buffer: Buffer.concat(chunks) });
        }
        return id;
      },
      abort: () => {
        if (fd !== undefined) {
          try {
            fs.closeSync(fd);
            if (file) fs.unlinkSync(file);
          } catch {
            /* already gone */
          }
        }
      },
    };
  }

  /** Joins several contents (chunked upload parts) into one. */
  async concat(ids: string[]): Promise<string> {
    const w = this.writer();
    for (const id of ids) {
      for await (const chunk of this.stream(id)) await w.write(chunk as Buffer);
    }
    return w.end();
  }

  info(id: string): StoredContent | undefined {
    return this.items.get(id);
  }

  stream(id: string): Readable {
    const c = this.items.get(id);
    if (!c) throw new Error(`no content ${id}`);
    if (c.buffer) return Readable.from([c.buffer]);
    return fs.createReadStream(c.file!);
  }

  async buffer(id: string, max = 64 * 1024 * 1024): Promise<Buffer> {
    const c = this.items.get(id);
    if (!c) throw new Error(`no content ${id}`);
    if (c.buffer) return c.buffer;
    if (c.size > max) throw new Error(`content ${id} is too large to read into memory`);
    return fs.promises.readFile(c.file!);
  }

  delete(id: string): void {
    const c = this.items.get(id);
    if (!c) return;
    this.items.delete(id);
    if (c.file) fs.rm(c.file, { force: true }, () => undefined);
  }

  clear(): void {
    for (const id of [...this.items.keys()]) this.delete(id);
  }

  /**
   * Saves every content into `dir` (one file per content, named by its id) and returns the list
   * that `load` reads back.
   */
  save(dir: string): SavedContent {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const items: SavedContent['items'] = [];
    for (const c of this.items.values()) {
      const target = path.join(dir, c.id);
      if (c.buffer) fs.writeFileSync(target, c.buffer);
      else fs.copyFileSync(c.file!, target);
      items.push({ id: c.id, size: c.size, sha256: c.sha256 });
    }
    return { seq: this.seq, items };
  }

  /** Replaces the contents with those `save` wrote into `dir`. */
  load(saved: SavedContent, dir: string): void {
    this.clear();
    for (const it of saved.items) {
      const src = path.join(dir, path.basename(it.id));
      if (it.size <= MEMORY_LIMIT) {
        this.items.set(it.id, { id: it.id, size: it.size, sha256: it.sha256, buffer: fs.readFileSync(src) });
      } else {
        const file = path.join(this.tempDir(), `${process.pid}-${Date.now()}-${crypto.randomBytes(4).toString('hex')}`);
        fs.copyFileSync(src, file);
        this.items.set(it.id, { id: it.id, size: it.size, sha256: it.sha256, file });
      }
    }
    this.seq = Math.max(this.seq, saved.seq);
  }

  close(): void {
    this.clear();
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}
