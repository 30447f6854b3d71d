/**
 * ot-upload over real HTTP against the sandbox: Buffers, text, files and streams (a 50 MiB stream
 * that the sandbox receives while it is still being produced), Large File Upload above the
 * threshold, every name-clash policy, categories and classifications, workspaces found by business
 * object or by type and name with a sub-folder path created on the way, and every error code with
 * bad input reaching Catch.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import crypto from 'crypto';
import { Readable } from 'stream';
import should from 'should';
import { useSandbox } from '../support/sandbox';
import { useNodeRed, nextMessage, TAB, xecmConfig, type FlowNode } from '../support/nr';
import { catcher, childNamed, childrenIn, csNode, csState, sha256, stored, type Obj } from './cs-support';

const xecmNode = require('../../nodes/xecm/ot-xecm');
const uploadNode = require('../../nodes/xecm/ot-upload');

interface OutMsg {
  payload: Obj & { id: number; name: string; parent_id: number };
  nodeId: number;
  upload: { action: string; chunked: boolean; parentId: number; workspaceId?: number; name: string };
}
interface Caught {
  error: { message: string; code?: string; source?: Obj };
  otError?: Obj;
}

describe('ot-upload', () => {
  const h = useSandbox({ settings: { csLargeUploadPartSize: 256 * 1024 } });
  const helper = useNodeRed();
  let tmp = '';
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ot-upload-test-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  async function load(settings: Obj = {}, creds?: Record<string, Record<string, string>>) {
    await helper.unload(); // several loads in one test
    const cfg = xecmConfig(h.csUrl, { retries: 2, maxDelay: 0.2 });
    const flow: FlowNode[] = [
      TAB,
      cfg.node,
      { id: 'up1', type: 'ot-upload', z: 'tab1', server: 'xecm1', target: 'parent', parent: '2300', parentType: 'num', onClash: 'error', chunkMiB: 25, ...settings, wires: [['out']] },
      { id: 'out', type: 'helper', z: 'tab1' },
      ...catcher(),
    ];
    await helper.load([xecmNode, uploadNode], flow, (creds || cfg.creds) as never);
    return { up: helper.getNode('up1'), out: helper.getNode('out'), caught: helper.getNode('caught') };
  }

  /** Loads the node, sends one message and resolves with the output message (or rejects with the caught one). */
  async function run(settings: Obj, msg: Obj): Promise<OutMsg> {
    const { up, out, caught } = await load(settings);
    const ok = nextMessage<OutMsg>(out, 20000);
    const bad = nextMessage<Caught>(caught, 20000);
    up.receive(msg);
    return Promise.race([ok, bad.then((c) => Promise.reject(Object.assign(new Error(c.error.message), { caught: c })))]);
  }

  /** Sends one message and resolves with what reached Catch (fails when it is output instead). */
  async function fail(settings: Obj, msg: Obj, creds?: Record<string, Record<string, string>>): Promise<Caught> {
    const { up, out, caught } = await load(settings, creds);
    const bad = nextMessage<Caught>(caught, 20000);
    const ok = nextMessage<OutMsg>(out, 20000);
    up.receive(msg);
    return Promise.race([bad, ok.then((m) => Promise.reject(new Error(`expected an error, got output ${JSON.stringify(m.payload).slice(0, 200)}`)))]);
  }

  describe('content', () => {
    it('uploads a Buffer named by msg.filename, with the MIME type from the extension', async () => {
      const bytes = crypto.randomBytes(5000);
      const m = await run({}, { payload: bytes, filename: '/var/spool/fax/scan-0001.pdf' });
      m.payload.should.containEql({ name: 'scan-0001.pdf', parent_id: 2300, type: 144, size: 5000, mime_type: 'application/pdf' });
      m.nodeId.should.equal(m.payload.id);
      m.upload.should.containEql({ action: 'created', chunked: false, parentId: 2300 });
      stored(h, m.nodeId).should.eql({ size: 5000, sha256: sha256(bytes) });
    });

    it('uploads text under a templated name with a description and an explicit MIME type', async () => {
      const m = await run({ docName: 'Note {{msg.caseId}}.txt', docNameType: 'str', description: 'case {{msg.caseId}}', descriptionType: 'str', mimeType: 'text/markdown', mimeTypeType: 'str' }, { payload: 'héllo wörld', caseId: 'C-7' });
      m.payload.should.containEql({ name: 'Note C-7.txt', description: 'case C-7', mime_type: 'text/markdown' });
      stored(h, m.nodeId).sha256.should.equal(sha256(Buffer.from('héllo wörld', 'utf8')));
    });

    it('streams a file from disk into msg.parentId when the folder setting is empty', async () => {
      const file = path.join(tmp, 'invoice 77.pdf');
      const bytes = crypto.randomBytes(40000);
      fs.writeFileSync(file, bytes);
      const m = await run({ parent: '', parentType: 'num', source: 'file', file: 'filename', fileType: 'msg' }, { filename: file, parentId: 2800, payload: 'ignored' });
      m.payload.should.containEql({ name: 'invoice 77.pdf', parent_id: 2800, size: 40000 });
      stored(h, m.nodeId).sha256.should.equal(sha256(bytes));
    });

    it('streams a 50 MiB stream: the sandbox receives it while it is still being produced, and stores every byte', async function () {
      this.timeout(120000);
      const total = 50 * 1024 * 1024;
      const chunk = 64 * 1024;
      const hash = crypto.createHash('sha256');
      // count what the sandbox's content store receives while the stream is still producing
      const store = h.sb.app.content;
      const original = store.writer.bind(store);
      let received = 0;
      store.writer = () => {
        const w = original();
        return { ...w, write: (c: Buffer) => ((received += c.length), w.write(c)) };
      };
      let produced = 0;
      let receivedWhenProduced = -1;
      const stream = new Readable({
        read() {
          if (produced >= total) {
            receivedWhenProduced = received;
            this.push(null);
            return;
          }
          const b = crypto.randomBytes(Math.min(chunk, total - produced));
          produced += b.length;
          hash.update(b);
          this.push(b);
        },
      });
      try {
        const m = await run({ docName: 'big stream.bin', docNameType: 'str' }, { payload: stream });
        m.upload.chunked.should.be.false(); // a stream's size is unknown: one streamed request
        stored(h, m.nodeId).should.eql({ size: total, sha256: hash.digest('hex') });
        // had the node read the stream into memory first, the sandbox would have received ~0 bytes by then
        receivedWhenProduced.should.be.above(total / 2);
      } finally {
        store.writer = original;
      }
    });

    it('uses Large File Upload above the threshold (Buffer and file), sending the parts the server asks for', async () => {
      const bytes = crypto.randomBytes(1024 * 1024 + 333);
      const m = await run({ chunkMiB: 0.5, docName: 'large.bin', docNameType: 'str' }, { payload: bytes });
      m.upload.chunked.should.be.true();
      stored(h, m.nodeId).should.eql({ size: bytes.length, sha256: sha256(bytes) });
      const file = path.join(tmp, 'large-file.pdf');
      fs.writeFileSync(file, bytes.subarray(0, 700000));
      const f = await run({ chunkMiB: 0.5, source: 'file', file: file, fileType: 'str' }, {});
      f.upload.chunked.should.be.true();
      f.payload.should.containEql({ name: 'large-file.pdf', mime_type: 'application/pdf' });
      stored(h, f.nodeId).sha256.should.equal(sha256(bytes.subarray(0, 700000)));
      (h.sb.state('cs-nodes') as { largeUploads: unknown[] }).largeUploads.should.have.length(0);
    });
  });

  describe('name clashes', () => {
    const up = (onClash: string, payload: string) => run({ onClash, docName: 'Report.pdf', docNameType: 'str', parent: '2900', parentType: 'num' }, { payload });

    it('fail: OT_CONFLICT reaches Catch and nothing changes', async () => {
      const first = await up('error', 'one');
      const c = await fail({ onClash: 'error', docName: 'report.PDF', docNameType: 'str', parent: '2900', parentType: 'num' }, { payload: 'two' });
      c.error.code!.should.equal('OT_CONFLICT');
      c.error.message.should.match(/already exists/);
      csNode(h, first.nodeId).versions.should.have.length(1);
      childrenIn(h, 2900).filter((n) => n.type === 144).should.have.length(1);
    });

    it('add a version: the existing document gets the new content as version 2', async () => {
      const first = await up('version', 'one');
      first.upload.action.should.equal('created');
      const second = await up('version', 'two');
      second.upload.action.should.equal('versioned');
      second.nodeId.should.equal(first.nodeId);
      csNode(h, first.nodeId).versions.map((v) => v.version_number).should.eql([1, 2]);
      stored(h, first.nodeId).sha256.should.equal(sha256('two'));
    });

    it('rename: stores "Report (2).pdf", then "Report (3).pdf"', async () => {
      await up('rename', 'one');
      const b = await up('rename', 'two');
      b.payload.name.should.equal('Report (2).pdf');
      b.upload.action.should.equal('renamed');
      const c = await up('rename', 'three');
      c.payload.name.should.equal('Report (3).pdf');
      stored(h, c.nodeId).sha256.should.equal(sha256('three'));
    });

    it('skip: returns the existing document and uploads nothing', async () => {
      const first = await up('skip', 'one');
      const second = await up('skip', 'two');
      second.upload.action.should.equal('skipped');
      second.nodeId.should.equal(first.nodeId);
      csNode(h, first.nodeId).versions.should.have.length(1);
      stored(h, first.nodeId).sha256.should.equal(sha256('one'));
    });

    it('add a version refuses a folder of that name with OT_CONFLICT', async () => {
      const c = await fail({ onClash: 'version', docName: 'Dead Letters', docNameType: 'str', parent: '2900', parentType: 'num' }, { payload: 'x' });
      c.error.code!.should.equal('OT_CONFLICT');
      c.error.message.should.match(/only be added to a document/);
    });
  });

  describe('metadata', () => {
    it('stores categories from the dialog (nested) merged with msg.categories (flat, wins), and classifications', async () => {
      const m = await run(
        { categories: JSON.stringify({ 9830: { '9830_2': '+1 555 0100', 7: 3 }, 9840: {} }), categoriesType: 'json', classifications: '501, 502', classificationsType: 'str' },
        { payload: 'fax', filename: 'fax.pdf', categories: { '9830_7': 4, '9840_2': 'C-1001' } },
      );
      const n = csNode(h, m.nodeId);
      n.categories['9830'].should.containEql({ '9830_2': '+1 555 0100', '9830_7': 4 });
      n.categories['9840'].should.containEql({ '9840_2': 'C-1001' });
      n.classifications.should.eql([501, 502]);
    });

    it('refuses invalid category JSON, unknown attributes and missing required values (OT_INVALID_INPUT) and stores nothing', async () => {
      const before = csState(h).nodes.size;
      const json = await fail({ categories: '{"9830": ', categoriesType: 'str' }, { payload: 'x', filename: 'a.txt' });
      json.error.code!.should.equal('OT_INVALID_INPUT');
      json.error.message.should.match(/not valid JSON/);
      const key = await fail({}, { payload: 'x', filename: 'a.txt', categories: { 'Case ID': 'x' } });
      key.error.code!.should.equal('OT_INVALID_INPUT');
      key.error.message.should.match(/"Case ID" is not a category attribute key/);
      const attr = await fail({}, { payload: 'x', filename: 'a.txt', categories: { '9830_99': 'x' } });
      attr.error.code!.should.equal('OT_INVALID_INPUT');
      attr.error.message.should.match(/Invalid attribute entry found/);
      const req = await fail({}, { payload: 'x', filename: 'a.txt', categories: { '9840_3': 'letter' } });
      req.error.code!.should.equal('OT_INVALID_INPUT');
      req.error.message.should.match(/Customer ID.*is required/);
      const type = await fail({}, { payload: 'x', filename: 'a.txt', categories: { '9830_7': 'many' } });
      type.error.code!.should.equal('OT_INVALID_INPUT');
      csState(h).nodes.size.should.equal(before);
    });
  });

  describe('bad input and errors', () => {
    it('no folder: OT_INVALID_INPUT', async () => {
      const c = await fail({ parent: '', parentType: 'num' }, { payload: 'x', filename: 'a.txt' });
      c.error.code!.should.equal('OT_INVALID_INPUT');
      c.error.message.should.match(/Folder is required|ot-upload.label.parent is required/);
    });

    it('unknown folder: OT_NOT_FOUND, for a Buffer and for a stream', async () => {
      (await fail({ parent: '987654', parentType: 'num' }, { payload: 'x', filename: 'a.txt' })).error.code!.should.equal('OT_NOT_FOUND');
      (await fail({ parent: '987654', parentType: 'num' }, { payload: Readable.from([Buffer.from('x')]), filename: 'a.txt' })).error.code!.should.equal('OT_NOT_FOUND');
    });

    it('a document as the folder: OT_INVALID_INPUT', async () => {
      const c = await fail({ parent: '2201', parentType: 'num' }, { payload: 'x', filename: 'a.txt' });
      c.error.code!.should.equal('OT_INVALID_INPUT');
      c.error.message.should.match(/not a container/);
    });

    it('empty content, no content, an empty stream, a missing file, no name, an object payload: OT_INVALID_INPUT', async () => {
      const cases: Array<[Obj, Obj, RegExp]> = [
        [{}, { payload: Buffer.alloc(0), filename: 'a.txt' }, /content is empty/],
        [{}, { payload: '', filename: 'a.txt' }, /content is empty/],
        [{}, { filename: 'a.txt' }, /no content/],
        [{}, { payload: Readable.from([]), filename: 'a.txt' }, /stream is empty/],
        [{ source: 'file', file: 'filename', fileType: 'msg' }, { filename: path.join(tmp, 'nope.pdf') }, /does not exist/],
        [{}, { payload: 'x' }, /document name is empty|ot-upload.errors.noName/],
        [{}, { payload: { a: 1 }, filename: 'a.txt' }, /must be a Buffer, text, a readable stream/],
        [{ classifications: 'abc', classificationsType: 'str' }, { payload: 'x', filename: 'a.txt' }, /classification id/],
      ];
      for (const [settings, msg, re] of cases) {
        const c = await fail(settings, msg);
        c.error.code!.should.equal('OT_INVALID_INPUT', String(re));
        c.error.message.should.match(re);
      }
    });

    it('wrong credentials: OT_AUTH without the password in the error', async () => {
      const c = await fail({}, { payload: 'x', filename: 'a.txt' }, { xecm1: { username: 'Admin', password: 'sandbox-wrong-secret' } });
      c.error.code!.should.equal('OT_AUTH');
      JSON.stringify(c).should.not.containEql('sandbox-wrong-secret');
    });

    it('a server that stays unavailable: OT_UNAVAILABLE after the retries, and nothing stored', async () => {
      h.sb.app.setFaults({ rules: [{ route: 'POST .*/v2/nodes$', probability: 1, kind: '503' }] });
      const c = await fail({}, { payload: 'x', filename: 'unavailable.txt' });
      c.error.code!.should.equal('OT_UNAVAILABLE');
      should.not.exist(childNamed(h, 2300, 'unavailable.txt'));
      (h.sb.app.faultCounts['503'] || 0).should.be.aboveOrEqual(2);
    });

    it('a failing Large File Upload is cancelled: no document, no upload session left', async () => {
      h.sb.app.setFaults({ rules: [{ route: 'POST .*/v2/multipart/[^/]+/2$', probability: 1, kind: '500' }] });
      const c = await fail({ chunkMiB: 0.5, docName: 'half.bin', docNameType: 'str' }, { payload: crypto.randomBytes(600000) });
      c.error.code!.should.equal('OT_API');
      should.not.exist(childNamed(h, 2300, 'half.bin'));
      (h.sb.state('cs-nodes') as { largeUploads: unknown[] }).largeUploads.should.have.length(0);
    });
  });

  describe('workspaces', () => {
    it('uploads into the workspace of a business object, creating a sub-folder path that did not exist', async () => {
      const settings = { target: 'bo', extSystem: 'SAP', extSystemType: 'str', boType: 'KNA1', boTypeType: 'str', boId: 'boId', boIdType: 'msg', subPath: 'Faxes/{{msg.year}}', subPathType: 'str' };
      const m = await run(settings, { payload: 'fax 1', filename: 'fax1.pdf', boId: 'C-1001', year: 2026 });
      m.upload.workspaceId!.should.equal(25010);
      const faxes = childNamed(h, 25010, 'Faxes')!;
      should.exist(faxes);
      faxes.type.should.equal(0);
      const year = childNamed(h, faxes.id, '2026')!;
      m.payload.parent_id.should.equal(year.id);
      // the second upload reuses the folders
      const m2 = await run(settings, { payload: 'fax 2', filename: 'fax2.pdf', boId: 'C-1001', year: 2026 });
      m2.payload.parent_id.should.equal(year.id);
      childrenIn(h, 25010).filter((n) => n.name === 'Faxes').should.have.length(1);
    });

    it('uploads into a workspace found by type name and name, into an existing folder', async () => {
      const m = await run({ target: 'workspace', wsType: 'Customer', wsTypeType: 'str', wsName: 'Globex Inc', wsNameType: 'str', subPath: 'Statements', subPathType: 'str' }, { payload: 'statement', filename: 'statement.pdf' });
      m.upload.workspaceId!.should.equal(25020);
      m.payload.parent_id.should.equal(childNamed(h, 25020, 'Statements')!.id);
    });

    it('an unknown business object or workspace: OT_NOT_FOUND; a document in the sub-folder path: OT_CONFLICT', async () => {
      const bo = await fail({ target: 'bo', extSystem: 'SAP', extSystemType: 'str', boType: 'KNA1', boTypeType: 'str', boId: 'C-9999', boIdType: 'str' }, { payload: 'x', filename: 'a.txt' });
      bo.error.code!.should.equal('OT_NOT_FOUND');
      bo.error.message.should.match(/C-9999/);
      const ws = await fail({ target: 'workspace', wsType: '101', wsTypeType: 'str', wsName: 'Nobody Ltd', wsNameType: 'str' }, { payload: 'x', filename: 'a.txt' });
      ws.error.code!.should.equal('OT_NOT_FOUND');
      const doc = await fail({ parent: '2000', parentType: 'num', subPath: 'Records/Invoice 10042.pdf/x', subPathType: 'str' }, { payload: 'x', filename: 'a.txt' });
      doc.error.code!.should.equal('OT_CONFLICT');
      const noBo = await fail({ target: 'bo', extSystem: 'SAP', extSystemType: 'str', boType: 'KNA1', boTypeType: 'str', boId: 'boId', boIdType: 'msg' }, { payload: 'x', filename: 'a.txt' });
      noBo.error.code!.should.equal('OT_INVALID_INPUT');
    });
  });
});
