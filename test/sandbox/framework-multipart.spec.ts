/**
 * Sandbox framework: the streaming multipart/form-data parser and the content store — boundaries
 * split across chunks, large file parts going to a temporary file with the right SHA-256, and
 * truncated or broken bodies answered with 400.
 */
import crypto from 'crypto';
import fs from 'fs';
import http, { IncomingMessage } from 'http';
import { Readable } from 'stream';
import should from 'should';
import { useSandbox } from '../support/sandbox';
import { until } from '../support/nr';
import { ContentStore } from '../../sandbox/content';
import { parseMultipart, MultipartError, UploadedFile } from '../../sandbox/multipart';

const BOUNDARY = '----otSandboxBoundary7MA4YWxkTrZu0gW';

function part(name: string, value: string | Buffer, filename?: string, type?: string): Buffer {
  const head = filename === undefined ? `Content-Disposition: form-data; name="${name}"\r\n\r\n` : `Content-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: ${type || 'application/octet-stream'}\r\n\r\n`;
  return Buffer.concat([Buffer.from(`--${BOUNDARY}\r\n${head}`), Buffer.isBuffer(value) ? value : Buffer.from(value), Buffer.from('\r\n')]);
}
const close = () => Buffer.from(`--${BOUNDARY}--\r\n`);

function streamOf(chunks: Buffer[]): IncomingMessage {
  return Readable.from(chunks) as unknown as IncomingMessage;
}

const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

/** Posts raw bytes in the given chunks (Nagle off, a pause between writes so they arrive apart). */
function postChunks(url: string, contentType: string, chunks: Buffer[], pauseMs = 5): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = http.request({ method: 'POST', hostname: u.hostname, port: u.port, path: u.pathname, headers: { 'content-type': contentType, 'transfer-encoding': 'chunked' }, agent: false });
    req.on('error', reject);
    req.on('response', (res) => {
      const data: Buffer[] = [];
      res.on('data', (c: Buffer) => data.push(c));
      res.on('end', () => resolve({ status: res.statusCode || 0, body: JSON.parse(Buffer.concat(data).toString('utf8') || '{}') as Record<string, unknown> }));
    });
    req.on('socket', (s) => s.setNoDelay(true));
    (async () => {
      for (const c of chunks) {
        req.write(c);
        await new Promise((r) => setTimeout(r, pauseMs));
      }
      req.end();
    })().catch(reject);
  });
}

describe('sandbox framework: multipart parser (chunking)', () => {
  // file content that looks like boundaries and CRLFs, to catch a parser that cuts too early
  const CONTENT = `hello --world\r\n--${BOUNDARY.slice(0, 20)}\r\n--not-a-boundary\r\n`;
  const body = Buffer.concat([part('body', JSON.stringify({ type: 144, parent_id: 2000, name: 'a.txt' })), part('file', CONTENT, 'a.txt', 'text/plain'), part('note', ''), close()]);

  it('parses the same result wherever the body is cut into two chunks', async () => {
    const store = new ContentStore();
    try {
      for (let cut = 1; cut < body.length; cut++) {
        const r = await parseMultipart(streamOf([body.subarray(0, cut), body.subarray(cut)]), BOUNDARY, store);
        r.fields.should.eql({ body: JSON.stringify({ type: 144, parent_id: 2000, name: 'a.txt' }), note: '' }, `cut at ${cut}`);
        r.kinds.should.eql({ body: 'text', file: 'file', note: 'text' });
        const f = r.files.file;
        f.should.containDeep({ field: 'file', filename: 'a.txt', contentType: 'text/plain', size: Buffer.byteLength(CONTENT) });
        (await store.buffer(f.contentId)).toString('utf8').should.equal(CONTENT);
        store.delete(f.contentId);
      }
    } finally {
      store.close();
    }
  });

  it('parses a body that arrives one byte at a time', async () => {
    const store = new ContentStore();
    try {
      const chunks: Buffer[] = [];
      for (let i = 0; i < body.length; i++) chunks.push(body.subarray(i, i + 1));
      const r = await parseMultipart(streamOf(chunks), BOUNDARY, store);
      (await store.buffer(r.files.file.contentId)).toString('utf8').should.equal(CONTENT);
      r.fields.note.should.equal('');
    } finally {
      store.close();
    }
  });

  it('rejects a body without its closing boundary, and a part without a name', async () => {
    const store = new ContentStore();
    try {
      const truncated = body.subarray(0, body.length - close().length - 10);
      const e1 = await parseMultipart(streamOf([truncated]), BOUNDARY, store).then(() => undefined, (e: unknown) => e);
      e1!.should.be.instanceOf(MultipartError).and.have.property('message').match(/ended before its closing boundary/);
      const nameless = Buffer.concat([Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\nx\r\n`), close()]);
      const e2 = await parseMultipart(streamOf([nameless]), BOUNDARY, store).then(() => undefined, (e: unknown) => e);
      e2!.should.be.instanceOf(MultipartError).and.have.property('message').match(/without a name/);
    } finally {
      store.close();
    }
  });
});

describe('sandbox framework: multipart over HTTP and the content store', () => {
  const h = useSandbox();
  const files: Record<string, UploadedFile> = {};

  before(() => {
    // A probe route under /_sandbox (the contract checker ignores it) that shows what was parsed.
    h.sb.app.route('POST', '/_sandbox/test/multipart-probe', (ctx) => {
      Object.assign(files, ctx.files);
      return { status: 200, body: { fields: ctx.form, files: ctx.files, kinds: ctx.record.fields } };
    });
  });

  it('parses a body whose boundary is split across TCP chunks', async () => {
    const body = Buffer.concat([part('name', 'Invoice 1.pdf'), part('file', '%PDF-1.4 tiny', 'Invoice 1.pdf', 'application/pdf'), close()]);
    const at = body.indexOf(BOUNDARY, 10) + 7; // inside the second boundary
    const r = await postChunks(`${h.url}/_sandbox/test/multipart-probe`, `multipart/form-data; boundary=${BOUNDARY}`, [body.subarray(0, at), body.subarray(at, at + 3), body.subarray(at + 3)]);
    r.status.should.equal(200);
    r.body.fields!.should.eql({ name: 'Invoice 1.pdf' });
    r.body.kinds!.should.eql({ name: 'text', file: 'file' });
    const f = (r.body.files as Record<string, UploadedFile>).file;
    f.should.containDeep({ filename: 'Invoice 1.pdf', contentType: 'application/pdf', size: 13 });
    (await h.sb.app.content.buffer(f.contentId)).toString().should.equal('%PDF-1.4 tiny');
    const info = h.sb.app.content.info(f.contentId)!;
    should.exist(info.buffer);
    should(info.file).be.undefined();
  });

  it('streams a file part larger than 1 MiB into a temporary file with the right size and SHA-256', async () => {
    const data = crypto.randomBytes(1024 * 1024 + 300 * 1024);
    const body = Buffer.concat([part('body', '{"name":"big.bin"}'), part('file', data, 'big.bin'), close()]);
    const chunks: Buffer[] = [];
    for (let i = 0; i < body.length; i += 64 * 1024 + 17) chunks.push(body.subarray(i, i + 64 * 1024 + 17));
    const r = await postChunks(`${h.url}/_sandbox/test/multipart-probe`, `multipart/form-data; boundary="${BOUNDARY}"`, chunks, 1);
    r.status.should.equal(200);
    const f = (r.body.files as Record<string, UploadedFile>).file;
    f.size.should.equal(data.length);
    const info = h.sb.app.content.info(f.contentId)!;
    should(info.buffer).be.undefined();
    should.exist(info.file);
    fs.existsSync(info.file!).should.be.true();
    fs.statSync(info.file!).size.should.equal(data.length);
    info.size.should.equal(data.length);
    info.sha256.should.equal(sha256(data));
    (await h.sb.app.content.buffer(f.contentId)).equals(data).should.be.true();
    // a reset drops the contents and removes the temporary file
    h.sb.reset();
    should(h.sb.app.content.info(f.contentId)).be.undefined();
    await until(() => !fs.existsSync(info.file!), 3000, 'the temporary file to be removed');
  });

  it('answers 400 for a truncated body and for a missing boundary (JSON error outside Content Server)', async () => {
    const body = Buffer.concat([part('name', 'x'), part('file', 'abc', 'x.txt')]); // no closing boundary
    const r = await postChunks(`${h.url}/_sandbox/test/multipart-probe`, `multipart/form-data; boundary=${BOUNDARY}`, [body]);
    r.status.should.equal(400);
    r.body.message!.should.match(/ended before its closing boundary/);
    const nb = await postChunks(`${h.url}/_sandbox/test/multipart-probe`, 'multipart/form-data', [Buffer.concat([part('name', 'x'), close()])]);
    nb.status.should.equal(400);
    nb.body.message!.should.match(/without a boundary/);
  });
});

describe('sandbox framework: truncated multipart on a Content Server path', () => {
  // not recorded: the request is incomplete on purpose
  const h = useSandbox({ record: false });

  it("answers 400 with Content Server's error body", async () => {
    const body = Buffer.concat([part('username', 'Admin'), part('password', 'sandbox-admin').subarray(0, 30)]);
    const r = await postChunks(`${h.csUrl}/v1/auth`, `multipart/form-data; boundary=${BOUNDARY}`, [body]);
    r.status.should.equal(400);
    Object.keys(r.body).should.eql(['error']);
    (r.body.error as string).should.match(/closing boundary/);
    ((h.sb.state('cs') as { logins: number }).logins).should.equal(0);
  });
});
