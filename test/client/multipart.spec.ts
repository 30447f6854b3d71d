/**
 * multipart() bodies: small ones held in memory are made as one buffer, byte for byte what
 * form-data would have streamed; anything with a stream in it, or larger, is streamed by form-data.
 */
import 'should';
import FormData from 'form-data';
import { Readable, Writable } from 'stream';
import { multipart, MULTIPART_BUFFER_MAX } from '../../nodes/lib/http';

function streamed(form: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  return new Promise((resolve, reject) => {
    form.on('error', reject);
    form.pipe(
      new Writable({
        write(chunk, _enc, cb) {
          parts.push(Buffer.from(chunk));
          cb();
        },
        final(cb) {
          resolve(Buffer.concat(parts));
          cb();
        },
      }),
    );
  });
}

describe('client: multipart bodies', () => {
  it('makes a small in-memory body as one buffer, the same bytes form-data streams', async () => {
    const fields = { body: JSON.stringify({ type: 144, parent_id: 2000, name: 'ä "q".txt' }), description: 'line 1\r\nline 2', skipped: undefined };
    const file = { data: Buffer.from('hello wörld'), filename: 'dir/ä "q".txt', contentType: 'text/plain' };
    const body = multipart(fields, { file });
    if (body.kind !== 'multipart' || !body.buffer) throw new Error('not a buffered multipart body');
    (body.form === undefined).should.be.true();
    const boundary = /^multipart\/form-data; boundary=(-{26}[0-9a-f]{24})$/.exec(body.contentType!)![1];
    // form-data with the same boundary streams exactly these bytes
    const fd = new FormData();
    fd.setBoundary(boundary);
    fd.append('body', fields.body);
    fd.append('description', fields.description);
    fd.append('file', file.data, { filename: file.filename, contentType: file.contentType });
    const bytes = await streamed(fd);
    body.buffer.toString('latin1').should.equal(bytes.toString('latin1'));
    body.buffer.toString('utf8').should.match(/filename="ä %22q%22.txt"/);
    body.buffer.toString('utf8').should.not.match(/skipped/);
    // a text-only body, and text content, too
    const textOnly = multipart({ a: '1' }, { f: { data: 'plain text', filename: 'n.txt' } });
    if (textOnly.kind !== 'multipart' || !textOnly.buffer) throw new Error('not buffered');
    const b2 = /boundary=(.*)$/.exec(textOnly.contentType!)![1];
    const fd2 = new FormData();
    fd2.setBoundary(b2);
    fd2.append('a', '1');
    fd2.append('f', Buffer.from('plain text'), { filename: 'n.txt', contentType: 'application/octet-stream' });
    textOnly.buffer.equals(await streamed(fd2)).should.be.true();
  });

  it('keeps line breaks of a content type (it may come from msg.mimeType) out of the part headers', async () => {
    const evil = 'text/plain\r\nX-Injected: 1';
    const small = multipart({}, { file: { data: Buffer.from('x'), filename: 'a.txt', contentType: evil } });
    if (small.kind !== 'multipart' || !small.buffer) throw new Error('not buffered');
    small.buffer.toString().should.containEql('Content-Type: text/plain X-Injected: 1\r\n');
    small.buffer.toString().should.not.match(/\r\nX-Injected/);
    const streamedBody = multipart({}, { file: { data: Readable.from([Buffer.from('x')]), filename: 'a.txt', contentType: evil } });
    if (streamedBody.kind !== 'multipart' || !streamedBody.form) throw new Error('not streamed');
    (await streamed(streamedBody.form)).toString().should.not.match(/\r\nX-Injected/);
  });

  it('streams a body with a stream in it, and one larger than the limit', () => {
    const s = multipart({}, { file: { data: Readable.from([Buffer.from('x')]), filename: 'a.bin' } });
    if (s.kind !== 'multipart') throw new Error('not multipart');
    (s.buffer === undefined).should.be.true();
    s.form!.should.be.instanceOf(FormData);
    const big = multipart({}, { file: { data: Buffer.alloc(MULTIPART_BUFFER_MAX + 1), filename: 'b.bin' } });
    if (big.kind !== 'multipart') throw new Error('not multipart');
    (big.buffer === undefined).should.be.true();
    const edge = multipart({}, { file: { data: Buffer.alloc(MULTIPART_BUFFER_MAX - 1024), filename: 'c.bin' } });
    if (edge.kind !== 'multipart') throw new Error('not multipart');
    edge.buffer!.length.should.be.above(MULTIPART_BUFFER_MAX - 1024);
  });
});
