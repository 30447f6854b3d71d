/**
 * Sandbox framework: the state kept in a file (`start({ stateFile })`, `ot-sandbox --state FILE`).
 * What one sandbox holds when it closes — nodes, document bytes (small ones in memory, large ones
 * in temporary files), records and holds, the simulated clock — is what the next one started on
 * the same file holds; new ids do not collide with saved ones; a reset goes back to the fixture.
 */
import 'should';
import crypto from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { start } from '../../sandbox';
import { cs, csLogin, props, type Obj } from './cs-support';

const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

describe('sandbox framework: the state kept in a file', function () {
  this.timeout(60000);
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ot-state-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a sandbox started on the saved file holds the nodes, contents, holds and clock of the one before', async () => {
    const file = path.join(dir, 'sandbox-state.json');
    const small = Buffer.from('%PDF-1.4\nsmall saved document\n%%EOF\n');
    const large = crypto.randomBytes(3 * 1024 * 1024); // above the sandbox's in-memory limit: a temporary file
    const first = await start({ port: 0, quiet: true, record: false, stateFile: file });
    let folderId: number, smallId: number, largeId: number, offset: number;
    try {
      const t = await csLogin(first.csUrl);
      folderId = Number(props(await cs(first.csUrl, 'v2/nodes', { ticket: t, body: { type: 0, parent_id: 2000, name: 'Kept across restarts' } })).id);
      const up = async (name: string, data: Buffer) => {
        const r = await cs(first.csUrl, 'v2/nodes', { ticket: t, body: { type: 144, parent_id: folderId, name }, multipart: { files: { file: { data, name, type: 'application/pdf' } } } });
        r.status.should.equal(200);
        return Number(props(r).id);
      };
      smallId = await up('small.pdf', small);
      largeId = await up('large.pdf', large);
      (await cs(first.csUrl, `v1/nodes/${smallId}/holds`, { ticket: t, form: { hold_id: 5001 } })).status.should.equal(200);
      (await fetch(`${first.url}/_sandbox/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: '3d' }) })).status.should.equal(200);
      offset = first.app.clockOffsetMs;
      offset.should.be.above(0);
    } finally {
      await first.close();
    }
    fs.existsSync(file).should.be.true();
    fs.readdirSync(`${file}.content`).length.should.be.above(1);

    const second = await start({ port: 0, quiet: true, record: false, stateFile: file });
    try {
      second.app.clockOffsetMs.should.equal(offset);
      const t = await csLogin(second.csUrl);
      const kids = await cs(second.csUrl, `v2/nodes/${folderId}/nodes`, { ticket: t });
      kids.status.should.equal(200);
      const names = ((kids.body.results as Obj[]) || []).map((r) => ((r.data as Obj).properties as Obj).name);
      names.should.containDeep(['small.pdf', 'large.pdf']);
      const a = await cs(second.csUrl, `v2/nodes/${smallId}/content`, { ticket: t });
      a.status.should.equal(200);
      a.buffer.equals(small).should.be.true();
      const holds = await cs(second.csUrl, `v1/nodes/${smallId}/holds`, { ticket: t });
      ((holds.body.data as Obj[]) || []).map((hd) => hd.hold_id).should.eql([5001]);
      const b = await cs(second.csUrl, `v2/nodes/${largeId}/content`, { ticket: t });
      b.status.should.equal(200);
      sha(b.buffer).should.equal(sha(large));
      // a new node gets an id of its own, and a new content does not replace a saved one
      const again = await cs(second.csUrl, 'v2/nodes', { ticket: t, body: { type: 144, parent_id: folderId, name: 'after.pdf' }, multipart: { files: { file: { data: Buffer.from('%PDF-1.4\nafter\n%%EOF\n'), name: 'after.pdf', type: 'application/pdf' } } } });
      Number(props(again).id).should.not.be.oneOf([folderId, smallId, largeId]);
      (await cs(second.csUrl, `v2/nodes/${smallId}/content`, { ticket: t })).buffer.equals(small).should.be.true();
      // a reset goes back to the fixture
      second.reset();
      const t2 = await csLogin(second.csUrl);
      (await cs(second.csUrl, `v2/nodes/${folderId}`, { ticket: t2 })).status.should.equal(404);
    } finally {
      await second.close();
    }
  });

  it('refuses a file that is not a saved state, and starts from the fixture when the file does not exist yet', async () => {
    const bad = path.join(dir, 'not-a-state.json');
    fs.writeFileSync(bad, JSON.stringify({ hello: 'world' }));
    await start({ port: 0, quiet: true, record: false, stateFile: bad }).should.be.rejectedWith(/not a saved sandbox state/);
    const fresh = path.join(dir, 'new-state.json');
    const sb = await start({ port: 0, quiet: true, record: false, stateFile: fresh });
    try {
      const t = await csLogin(sb.csUrl);
      (await cs(sb.csUrl, 'v2/nodes/2000', { ticket: t })).status.should.equal(200);
    } finally {
      await sb.close();
    }
    fs.existsSync(fresh).should.be.true();
  });
});
