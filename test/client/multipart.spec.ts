/**
 * multipart() bodies: small ones held in memory go out as one buffer, byte for byte what
 * form-data would have streamed; anything with a stream in it, or larger, is streamed.
 */
import 'should';
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
  it('sends a small in-memory body as one buffer, the same bytes form-data streams', async () => {
    const body = multipart({ body: JSON.stringify({ type: 144, parent_id: 2000, name: 'ä.txt' }), skipped: undefined }, { file: { data: Buffer.from('hello wörld'), filename: 'ä.txt', contentType: 'text/plain', knownLength: 12 } });
    if (body.kind !== 'multipart') throw new Error('not multipart');
    body.buffer!.should.be.instanceOf(Buffer);
    const bytes = await streamed(body.form);
    body.buffer!.equals(bytes).should.be.true();
    body.buffer!.toString('utf8').should.match(/name="body"[\s\S]*"parent_id":2000[\s\S]*filename="ä.txt"[\s\S]*hello wörld/);
    body.buffer!.toString('utf8').should.not.match(/skipped/);
  });

  it('streams a body with a stream in it, and one larger than the limit', () => {
    const s = multipart({}, { file: { data: Readable.from([Buffer.from('x')]), filename: 'a.bin' } });
    if (s.kind !== 'multipart') throw new Error('not multipart');
    (s.buffer === undefined).should.be.true();
    const big = multipart({}, { file: { data: Buffer.alloc(MULTIPART_BUFFER_MAX + 1), filename: 'b.bin' } });
    if (big.kind !== 'multipart') throw new Error('not multipart');
    (big.buffer === undefined).should.be.true();
    const edge = multipart({}, { file: { data: Buffer.alloc(MULTIPART_BUFFER_MAX - 1024), filename: 'c.bin' } });
    if (edge.kind !== 'multipart') throw new Error('not multipart');
    edge.buffer!.length.should.be.above(MULTIPART_BUFFER_MAX - 1024);
  });
});
