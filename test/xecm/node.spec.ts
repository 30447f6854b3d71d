/**
 * ot-node over real HTTP against the sandbox: every operation's success path (get, browse, search,
 * download to a Buffer and to a file, create folder / folder path, rename, move, copy, delete, add
 * version, get / set categories), msg.operation, and the error codes with bad input reaching Catch.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import should from 'should';
import { useSandbox } from '../support/sandbox';
import { useNodeRed, nextMessage, collect, until, TAB, xecmConfig, type FlowNode } from '../support/nr';
import { catcher, childNamed, childrenIn, csNode, csState, sha256, stored, type Obj } from './cs-support';

const xecmNode = require('../../nodes/xecm/ot-xecm');
const ecmNode = require('../../nodes/xecm/ot-node');

type Out = Obj & { payload: unknown; nodeId?: number };
interface Caught {
  error: { message: string; code?: string };
}

describe('ot-node', () => {
  const h = useSandbox();
  const helper = useNodeRed();
  let tmp = '';
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ot-node-test-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  async function load(settings: Obj, connection: Obj = {}) {
    await helper.unload();
    const cfg = xecmConfig(h.csUrl, { retries: 2, maxDelay: 0.2, ...connection });
    const flow: FlowNode[] = [TAB, cfg.node, { id: 'n1', type: 'ot-node', z: 'tab1', server: 'xecm1', operation: 'get', node: 'nodeId', nodeType: 'msg', ...settings, wires: [['out']] }, { id: 'out', type: 'helper', z: 'tab1' }, ...catcher()];
    await helper.load([xecmNode, ecmNode], flow, cfg.creds as never);
    return { n1: helper.getNode('n1'), out: helper.getNode('out'), caught: helper.getNode('caught') };
  }
  async function run(settings: Obj, msg: Obj): Promise<Out> {
    const { n1, out, caught } = await load(settings);
    const ok = nextMessage<Out>(out, 10000);
    const bad = nextMessage<Caught>(caught, 10000);
    n1.receive(msg);
    return Promise.race([ok, bad.then((c) => Promise.reject(new Error(`${c.error.code}: ${c.error.message}`)))]);
  }
  async function fail(settings: Obj, msg: Obj, connection: Obj = {}): Promise<Caught> {
    const { n1, out, caught } = await load(settings, connection);
    const bad = nextMessage<Caught>(caught, 10000);
    const ok = nextMessage<Out>(out, 10000);
    n1.receive(msg);
    return Promise.race([bad, ok.then(() => Promise.reject(new Error('expected an error, got output')))]);
  }

  describe('read', () => {
    it('get: properties and versions', async () => {
      const m = await run({ operation: 'get' }, { nodeId: 2201 });
      (m.payload as Obj).should.containEql({ id: 2201, name: 'Contract ACME 2024.pdf', type: 144, parent_id: 2200 });
      (m.versions as Obj[]).should.have.length(1);
      (m.versions as Obj[])[0].should.containEql({ version_number: 1, mime_type: 'application/pdf' });
      m.nodeId!.should.equal(2201);
    });

    it('browse: filter by subtype and name, sort, page, and return all (with its max items guard)', async () => {
      const docs = await run({ operation: 'children', whereType: '144', sort: 'desc_name', limit: 2 }, { nodeId: 2200 });
      (docs.payload as Obj[]).map((p) => p.name).should.eql(['Vendor agreement Globex.pdf', 'Invoice 10042.pdf']);
      docs.totalCount!.should.equal(5);
      const p2 = await run({ operation: 'children', whereType: '144', sort: 'desc_name', limit: 2 }, { nodeId: 2200, page: 3 });
      (p2.payload as Obj[]).map((p) => p.name).should.eql(['Board minutes 2023-11.pdf']);
      const all = await run({ operation: 'children', sort: 'asc_name', limit: 2, returnAll: true }, { nodeId: 2200 });
      (all.payload as Obj[]).should.have.length(5);
      const named = await run({ operation: 'children', whereName: 'agree', whereNameType: 'str' }, { nodeId: 2200 });
      (named.payload as Obj[]).map((p) => p.id).should.eql([2205]);
      const tooMany = await fail({ operation: 'children', limit: 2, returnAll: true, maxItems: 3 }, { nodeId: 2200 });
      tooMany.error.code!.should.equal('OT_INVALID_INPUT');
      tooMany.error.message.should.match(/more than 3 items/);
    });

    it('search: an LQL template filled from the message, msg.query when the dialog is empty, return all', async () => {
      const m = await run({ operation: 'search', query: 'OTName:"{{msg.prefix}}*" AND OTParentID:{{folder}}' }, { prefix: 'Contract', folder: 2200 });
      (m.payload as Obj[]).map((p) => p.id).should.eql([2201]);
      m.query!.should.equal('OTName:"Contract*" AND OTParentID:2200');
      const q = await run({ operation: 'search', query: '', sort: 'asc_OTName', limit: 2, returnAll: true }, { query: 'OTParentID:2200 AND OTSubType:144' });
      (q.payload as Obj[]).should.have.length(5);
      q.totalCount!.should.equal(5);
      const words = await run({ operation: 'search', query: 'board minutes', lookfor: 'allwords' }, {});
      (words.payload as Obj[]).map((p) => p.id).should.eql([2202]);
    });

    it('download to a Buffer (latest or a given version) with the file name and type', async () => {
      const m = await run({ operation: 'download' }, { nodeId: 2201 });
      Buffer.isBuffer(m.payload).should.be.true();
      (m.payload as Buffer).toString().should.equal('%PDF-1.4 contract ACME 2024');
      m.should.containEql({ filename: 'Contract ACME 2024.pdf', mimeType: 'application/pdf', size: 27 });
      await run({ operation: 'addVersion' }, { nodeId: 2201, payload: 'second', filename: 'contract-v2.pdf' });
      const v1 = await run({ operation: 'download', version: '1', versionType: 'num' }, { nodeId: 2201 });
      (v1.payload as Buffer).toString().should.equal('%PDF-1.4 contract ACME 2024');
      const latest = await run({ operation: 'download' }, { nodeId: 2201 });
      (latest.payload as Buffer).toString().should.equal('second');
      latest.filename!.should.equal('contract-v2.pdf');
    });

    it('download streamed to a file; an existing file is a conflict unless overwrite is set', async () => {
      const target = path.join(tmp, 'board.pdf');
      const m = await run({ operation: 'download', downloadTo: 'file', filePath: 'filename', filePathType: 'msg' }, { nodeId: 2202, filename: target });
      m.payload!.should.equal(target);
      fs.readFileSync(target, 'utf8').should.equal('%PDF-1.4 board minutes');
      m.contentName!.should.equal('Board minutes 2023-11.pdf');
      const c = await fail({ operation: 'download', downloadTo: 'file', filePath: target, filePathType: 'str' }, { nodeId: 2201 });
      c.error.code!.should.equal('OT_CONFLICT');
      fs.readFileSync(target, 'utf8').should.equal('%PDF-1.4 board minutes');
      await run({ operation: 'download', downloadTo: 'file', filePath: target, filePathType: 'str', overwrite: true }, { nodeId: 2201 });
      fs.readFileSync(target, 'utf8').should.equal('%PDF-1.4 contract ACME 2024');
      fs.readdirSync(tmp).filter((f) => f.endsWith('.part')).should.have.length(0);
      const dir = await fail({ operation: 'download', downloadTo: 'file', filePath: path.join(tmp, 'no', 'such', 'x.pdf'), filePathType: 'str' }, { nodeId: 2201 });
      dir.error.code!.should.equal('OT_INVALID_INPUT');
    });
  });

  describe('write', () => {
    it('create folder, and the real conflict for a taken name', async () => {
      const m = await run({ operation: 'createFolder', newName: 'Claims {{msg.year}}', newNameType: 'str', description: 'all claims', descriptionType: 'str' }, { nodeId: 2000, year: 2026 });
      (m.payload as Obj).should.containEql({ name: 'Claims 2026', parent_id: 2000, type: 0, description: 'all claims' });
      csNode(h, m.nodeId!).name.should.equal('Claims 2026');
      const c = await fail({ operation: 'createFolder', newName: 'claims 2026', newNameType: 'str' }, { nodeId: 2000 });
      c.error.code!.should.equal('OT_CONFLICT');
    });

    it('create folder path: creates what is missing, reuses what exists, and survives two flows creating it at once', async () => {
      const first = await run({ operation: 'createPath', folderPath: 'Cases/{{msg.year}}/C-100', folderPathType: 'str' }, { nodeId: 2000, year: 2026 });
      const cases = childNamed(h, 2000, 'Cases')!;
      const year = childNamed(h, cases.id, '2026')!;
      (first.payload as Obj).should.containEql({ name: 'C-100', parent_id: year.id });
      // concurrent: two messages at the same moment, same new path
      const { n1, out } = await load({ operation: 'createPath', folderPath: 'Cases/2026/C-200/Inbound', folderPathType: 'str' });
      const got = collect<Out>(out);
      n1.receive({ nodeId: 2000 });
      n1.receive({ nodeId: 2000 });
      await until(() => got.length === 2, 10000, 'two outputs');
      got[0].nodeId!.should.equal(got[1].nodeId!);
      childrenIn(h, year.id).filter((n) => n.name === 'C-200').should.have.length(1);
      const doc = await fail({ operation: 'createPath', folderPath: 'Records/Invoice 10042.pdf/x', folderPathType: 'str' }, { nodeId: 2000 });
      doc.error.code!.should.equal('OT_CONFLICT');
      const none = await fail({ operation: 'createPath', folderPath: ' / ', folderPathType: 'str' }, { nodeId: 2000 });
      none.error.code!.should.equal('OT_INVALID_INPUT');
    });

    it('rename, move and copy', async () => {
      const r = await run({ operation: 'rename', newName: 'Invoice {{msg.no}} (paid).pdf', newNameType: 'str' }, { nodeId: 2203, no: 10042 });
      (r.payload as Obj).name!.should.equal('Invoice 10042 (paid).pdf');
      const mv = await run({ operation: 'move' }, { nodeId: 2203, parentId: 2800 });
      (mv.payload as Obj).parent_id!.should.equal(2800);
      csNode(h, 2203).parent_id.should.equal(2800);
      const cp = await run({ operation: 'copy', dest: '2900', destType: 'num', newName: 'Copy of invoice.pdf', newNameType: 'str' }, { nodeId: 2203 });
      (cp.payload as Obj).should.containEql({ name: 'Copy of invoice.pdf', parent_id: 2900 });
      cp.originalId!.should.equal(2203);
      stored(h, cp.nodeId!).sha256.should.equal(sha256('%PDF-1.4 invoice 10042'));
      const clash = await fail({ operation: 'rename', newName: 'Contract ACME 2024.pdf', newNameType: 'str' }, { nodeId: 2202 });
      clash.error.code!.should.equal('OT_CONFLICT');
      const into = await fail({ operation: 'move' }, { nodeId: 2900, parentId: 2910 });
      into.error.code!.should.equal('OT_INVALID_INPUT');
    });

    it('delete, after which the node is not found', async () => {
      const d = await run({ operation: 'delete' }, { nodeId: 2204 });
      d.payload!.should.eql({ id: 2204, deleted: true });
      should.not.exist(csState(h).nodes.get(2204));
      const g = await fail({ operation: 'get' }, { nodeId: 2204 });
      g.error.code!.should.equal('OT_NOT_FOUND');
    });

    it('delete of an item under a legal hold is refused (OT_FORBIDDEN) and the item stays', async () => {
      const f = await fail({ operation: 'delete' }, { nodeId: 2205 });
      f.error.code!.should.equal('OT_FORBIDDEN');
      String(f.error.message).should.match(/under hold/);
      should.exist(csState(h).nodes.get(2205));
    });

    it('add a version from msg.payload and from a file', async () => {
      const v = await run({ operation: 'addVersion', description: 'signed', descriptionType: 'str' }, { nodeId: 2204, payload: Buffer.from('v2'), filename: 'policy.docx' });
      (v.payload as Obj).id!.should.equal(2204);
      csNode(h, 2204).versions.map((x) => [x.version_number, x.description]).should.eql([[1, undefined], [2, 'signed']]);
      const file = path.join(tmp, 'v3.docx');
      fs.writeFileSync(file, 'third');
      await run({ operation: 'addVersion', source: 'file', file: 'filename', fileType: 'msg' }, { nodeId: 2204, filename: file });
      stored(h, 2204).sha256.should.equal(sha256('third'));
      csNode(h, 2204).versions[2].file_name.should.equal('v3.docx');
      const folder = await fail({ operation: 'addVersion' }, { nodeId: 2200, payload: 'x', filename: 'x.txt' });
      folder.error.code!.should.equal('OT_INVALID_INPUT');
      const empty = await fail({ operation: 'addVersion' }, { nodeId: 2204, payload: '' });
      empty.error.code!.should.equal('OT_INVALID_INPUT');
    });

    it('set categories (apply a new one, update an applied one) and get them', async () => {
      await run({ operation: 'setCategories', categories: JSON.stringify({ 9850: { '9850_2': 'K-1', '9850_6': ['a'] } }), categoriesType: 'json' }, { nodeId: 2205 });
      const s = await run({ operation: 'setCategories', categories: '', categoriesType: 'json' }, { nodeId: 2205, categories: { '9850_3': 'Globex', '9830_6': 'C-9' } });
      const cats = s.payload as Array<{ id: number; name: string; values: Obj; attributes?: Obj }>;
      cats.map((c) => c.id).sort().should.eql([9830, 9850]);
      cats.find((c) => c.id === 9850)!.values.should.containEql({ '9850_2': 'K-1', '9850_3': 'Globex' });
      const g = await run({ operation: 'getCategories' }, { nodeId: 2205 });
      const contract = (g.payload as Array<{ id: number; name: string; values: Obj; attributes: Record<string, Obj> }>).find((c) => c.id === 9850)!;
      contract.name.should.equal('Contract');
      contract.values['9850_6']!.should.eql(['a']);
      contract.attributes['9850_2'].should.containEql({ name: 'Contract Number', required: true });
      csNode(h, 2205).categories['9830']['9830_6']!.should.equal('C-9');
      const bad = await fail({ operation: 'setCategories', categories: JSON.stringify({ '9850_4': 'lots' }), categoriesType: 'json' }, { nodeId: 2205 });
      bad.error.code!.should.equal('OT_INVALID_INPUT');
      const req = await fail({ operation: 'setCategories', categories: JSON.stringify({ '9840_3': 'letter' }), categoriesType: 'json' }, { nodeId: 2205 });
      req.error.code!.should.equal('OT_INVALID_INPUT');
      req.error.message.should.match(/Customer ID/);
      const none = await fail({ operation: 'setCategories', categories: '', categoriesType: 'json' }, { nodeId: 2205 });
      none.error.code!.should.equal('OT_INVALID_INPUT');
    });
  });

  describe('input and errors', () => {
    it('msg.operation overrides the dialog; an unknown operation is invalid input', async () => {
      const m = await run({ operation: 'delete' }, { nodeId: 2202, operation: 'get' });
      (m.payload as Obj).id!.should.equal(2202);
      should.exist(csState(h).nodes.get(2202));
      const c = await fail({ operation: 'get' }, { nodeId: 2202, operation: 'explode' });
      c.error.code!.should.equal('OT_INVALID_INPUT');
      c.error.message.should.match(/explode/);
    });

    it('missing or bad ids, a missing name, an empty or unreadable query: OT_INVALID_INPUT', async () => {
      const cases: Array<[Obj, Obj]> = [
        [{ operation: 'get' }, {}],
        [{ operation: 'get' }, { nodeId: 'abc' }],
        [{ operation: 'get' }, { nodeId: -3 }],
        [{ operation: 'move' }, { nodeId: 2201 }],
        [{ operation: 'rename', newName: '', newNameType: 'str' }, { nodeId: 2201 }],
        [{ operation: 'search', query: '' }, {}],
        [{ operation: 'search', query: 'OTName:"unclosed' }, {}],
        [{ operation: 'children', whereType: 'docs' }, { nodeId: 2200 }],
        [{ operation: 'children' }, { nodeId: 2201 }],
        [{ operation: 'download' }, { nodeId: 2200 }],
      ];
      for (const [settings, msg] of cases) {
        const c = await fail(settings, msg);
        c.error.code!.should.equal('OT_INVALID_INPUT', JSON.stringify([settings, msg]));
      }
    });

    it('transport failures: OT_TIMEOUT, OT_NETWORK, OT_RATE_LIMITED, OT_UNAVAILABLE (after the retries)', async function () {
      this.timeout(20000);
      const route = 'GET .*/v2/nodes/2201$';
      h.sb.app.setFaults({ rules: [{ route, probability: 1, kind: 'hang', ms: 5000 }] });
      (await fail({ operation: 'get' }, { nodeId: 2201 }, { timeout: 1, retries: 1 })).error.code!.should.equal('OT_TIMEOUT');
      h.sb.app.setFaults({ rules: [{ route, probability: 1, kind: 'reset' }] });
      (await fail({ operation: 'get' }, { nodeId: 2201 }, { retries: 2 })).error.code!.should.equal('OT_NETWORK');
      h.sb.app.setFaults({ rules: [{ route, probability: 1, kind: '429', retryAfter: 3600 }] });
      (await fail({ operation: 'get' }, { nodeId: 2201 })).error.code!.should.equal('OT_RATE_LIMITED');
      h.sb.app.setFaults({ rules: [{ route, probability: 1, kind: '503' }] });
      const before = h.sb.app.faultCounts['503'] || 0;
      (await fail({ operation: 'get' }, { nodeId: 2201 })).error.code!.should.equal('OT_UNAVAILABLE');
      ((h.sb.app.faultCounts['503'] || 0) - before).should.equal(2); // retried once
      h.sb.app.setFaults({ rules: [{ route, probability: 1, kind: 'expired' }] });
      // an expired ticket: one re-login, then the same answer again -> OT_AUTH
      (await fail({ operation: 'get' }, { nodeId: 2201 })).error.code!.should.equal('OT_AUTH');
    });

    it('unknown nodes: OT_NOT_FOUND for get, browse, download and categories', async () => {
      for (const operation of ['get', 'children', 'download', 'getCategories', 'delete']) {
        const c = await fail({ operation }, { nodeId: 999999 });
        c.error.code!.should.equal('OT_NOT_FOUND', operation);
      }
    });
  });
});
