/**
 * ot-workspace ("business workspace") over real HTTP against the sandbox: find by business object,
 * by type and name, get, create from a template, find-or-create (repeated and concurrent, on one
 * connection and across two), and every error code the node produces.
 */
import should from 'should';
import type { Node } from 'node-red';
import { useSandbox } from '../support/sandbox';
import { useNodeRed, nextMessage, collect, until, TAB, xecmConfig, type FlowNode } from '../support/nr';

const workspaceNode = require('../../nodes/xecm/ot-workspace');
const xecmNode = require('../../nodes/xecm/ot-xecm');

type Obj = Record<string, unknown>;

interface Details {
  id: number;
  name: string;
  typeId: number;
  typeName: string;
  parentId: number;
  businessObjects: Array<{ extSystemId: string; boType: string; boId: string }>;
  children: Array<{ id: number; name: string; type: number }>;
  folders: Record<string, number>;
  created?: boolean;
}
interface Out {
  payload: Details | null;
  workspaceId?: number;
  [k: string]: unknown;
}
interface Caught {
  error: { message: string; code: string; source: { id: string } };
  [k: string]: unknown;
}
interface BwsSnapshot {
  created: number;
  workspaces: Array<{ id: number; name: string; parent_id: number; wksp_type_id: number; template_id: number; bo: Obj[]; folders: Array<{ name: string }>; categories: Record<string, Record<string, unknown>> }>;
}

const DEFAULTS: Obj = {
  operation: 'findByBo',
  extSystemId: '',
  extSystemIdType: 'str',
  boType: '',
  boTypeType: 'str',
  boId: 'payload',
  boIdType: 'msg',
  workspaceType: '',
  workspaceTypeType: 'str',
  template: '',
  templateType: 'str',
  wsName: '',
  wsNameType: 'str',
  description: '',
  descriptionType: 'str',
  parentId: '',
  parentIdType: 'str',
  categories: '',
  categoriesType: 'json',
  workspaceId: 'workspaceId',
  workspaceIdType: 'msg',
  notFound: 'error',
};

describe('ot-workspace: business workspace', () => {
  const helper = useNodeRed();
  const h = useSandbox();
  const bws = () => h.sb.state('bws') as BwsSnapshot;

  async function load(ws: Obj, opts: { creds?: Obj; noServer?: boolean } = {}) {
    const cfg = xecmConfig(h.csUrl);
    const flow: FlowNode[] = [
      TAB,
      cfg.node,
      { id: 'w1', type: 'ot-workspace', z: 'tab1', server: opts.noServer ? '' : 'xecm1', ...DEFAULTS, ...ws, wires: [['out']] },
      { id: 'out', type: 'helper', z: 'tab1' },
      { id: 'c1', type: 'catch', z: 'tab1', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'tab1' },
    ];
    await helper.load([xecmNode, workspaceNode], flow, { xecm1: { ...cfg.creds.xecm1, ...(opts.creds || {}) } });
    return { w: helper.getNode('w1'), out: helper.getNode('out'), caught: helper.getNode('caught') };
  }

  async function run(w: Node, out: Node, msg: Obj): Promise<Out> {
    const wait = nextMessage<Out>(out);
    w.receive(msg);
    return wait;
  }

  async function expectError(w: Node, caught: Node, msg: Obj, code: string, re?: RegExp): Promise<Caught> {
    const wait = nextMessage<Caught>(caught);
    w.receive(msg);
    const c = await wait;
    c.error.code.should.equal(code, c.error.message);
    c.error.source.id.should.equal('w1');
    if (re) c.error.message.should.match(re);
    JSON.stringify(c).should.not.containEql('sandbox-admin');
    return c;
  }

  describe('find by business object', () => {
    it('finds the workspace of an SAP customer and outputs its id and first-level folders', async () => {
      const { w, out } = await load({ extSystemId: 'SAP', boType: 'KNA1' });
      const m = await run(w, out, { payload: 'C-1001', topic: 'keep me' });
      m.workspaceId!.should.equal(25010);
      const p = m.payload!;
      p.should.have.properties({ id: 25010, name: 'Acme Corporation', typeId: 101, typeName: 'Customer', parentId: 2500 });
      p.folders.should.eql({ Contracts: 25013, Correspondence: 25012, Statements: 25011 });
      p.children.map((c) => c.name).sort().should.eql(['Contracts', 'Correspondence', 'Statements']);
      p.businessObjects.should.containEql({ extSystemId: 'SAP', boType: 'KNA1', boId: 'C-1001' });
      m.topic!.should.equal('keep me');
    });

    it('takes every business object field from the message when configured so', async () => {
      const { w, out } = await load({ extSystemId: 'bo.system', extSystemIdType: 'msg', boType: 'bo.type', boTypeType: 'msg', boId: 'bo.id', boIdType: 'msg' });
      const m = await run(w, out, { bo: { system: 'CRM', type: 'CASE', id: 'CASE-2026-002' } });
      m.payload!.id.should.equal(26020);
      m.payload!.folders.should.have.keys('Inbound', 'Outbound', 'Confirmations');
    });

    it('renders mustache in plain-text fields', async () => {
      const { w, out } = await load({ extSystemId: 'SAP', boType: 'ORGUNIT', boId: '{{department}}', boIdType: 'str' });
      (await run(w, out, { department: 'HR' })).payload!.name.should.equal('HR');
    });

    it('reports nothing found as OT_NOT_FOUND, or passes on with a null payload', async () => {
      const a = await load({ extSystemId: 'SAP', boType: 'KNA1' });
      await expectError(a.w, a.caught, { payload: 'C-9999' }, 'OT_NOT_FOUND', /C-9999/);
      await helper.unload();
      const b = await load({ extSystemId: 'SAP', boType: 'KNA1', notFound: 'pass' });
      const m = await run(b.w, b.out, { payload: 'C-9999', workspaceId: 5 });
      should(m.payload).be.null();
      m.should.not.have.property('workspaceId');
    });

    it('refuses a missing business object field with OT_INVALID_INPUT', async () => {
      const { w, caught } = await load({ extSystemId: 'SAP', boType: '' });
      await expectError(w, caught, { payload: 'C-1001' }, 'OT_INVALID_INPUT', /business object type is required/);
      await expectError(w, caught, { payload: { not: 'text' } }, 'OT_INVALID_INPUT');
    });
  });

  describe('find by type and name', () => {
    it('finds a department workspace by the type name', async () => {
      const { w, out } = await load({ operation: 'findByName', workspaceType: 'Department', wsName: 'payload', wsNameType: 'msg' });
      const m = await run(w, out, { payload: 'Customer Service' });
      m.payload!.should.have.properties({ id: 27040, name: 'Customer Service', typeName: 'Department' });
      m.payload!.folders.should.have.keys('Inbox', 'Faxes');
    });

    it('finds by type id, and reports a misspelt type and a missing type', async () => {
      const a = await load({ operation: 'findByName', workspaceType: '102', wsName: 'CASE-2026-003' });
      (await run(a.w, a.out, {})).payload!.id.should.equal(26030);
      await helper.unload();
      const b = await load({ operation: 'findByName', workspaceType: 'Departmnt', wsName: 'HR' });
      await expectError(b.w, b.caught, {}, 'OT_NOT_FOUND', /workspace type "Departmnt" not found; known types: Customer \(101\), Case \(102\), Department \(103\)/);
      await helper.unload();
      const c = await load({ operation: 'findByName', wsName: 'HR' });
      await expectError(c.w, c.caught, {}, 'OT_INVALID_INPUT', /needs its workspace type/);
    });
  });

  describe('get', () => {
    it('gets a workspace by msg.workspaceId', async () => {
      const { w, out } = await load({ operation: 'get' });
      const m = await run(w, out, { workspaceId: 27050 });
      m.payload!.should.have.properties({ id: 27050, name: 'General', typeId: 103 });
    });

    it('answers OT_INVALID_INPUT for a bad id or a node that is not a workspace, OT_NOT_FOUND for an unknown one', async () => {
      const { w, caught } = await load({ operation: 'get' });
      await expectError(w, caught, { workspaceId: 'abc' }, 'OT_INVALID_INPUT', /workspace id must be a positive whole number/);
      await expectError(w, caught, {}, 'OT_INVALID_INPUT', /workspace id is required/);
      await expectError(w, caught, { workspaceId: 2500 }, 'OT_INVALID_INPUT', /not a business workspace/);
      await expectError(w, caught, { workspaceId: 999999 }, 'OT_NOT_FOUND');
    });
  });

  describe('create', () => {
    const customer = { operation: 'create', workspaceType: 'Customer', wsName: '{{payload.name}}', extSystemId: 'SAP', boType: 'KNA1', boId: 'payload.number', boIdType: 'msg', categories: 'payload.categories', categoriesType: 'msg', description: 'Customer {{payload.number}}' };

    it('creates a workspace from the type template with categories and business object', async () => {
      const { w, out } = await load(customer);
      const m = await run(w, out, { payload: { name: 'Wayne Enterprises', number: 'C-2000', categories: { '9901': { '9901_2': 'C-2000', '9901_4': 'Business' } } } });
      const p = m.payload!;
      p.created!.should.be.true();
      p.name.should.equal('Wayne Enterprises');
      p.parentId.should.equal(2500);
      Object.keys(p.folders).sort().should.eql(['Contracts', 'Correspondence', 'Statements']);
      const ws = bws().workspaces.find((x) => x.id === p.id)!;
      ws.should.have.properties({ template_id: 3101, wksp_type_id: 101 });
      ws.bo.should.eql([{ ext_system_id: 'SAP', bo_type: 'KNA1', bo_id: 'C-2000' }]);
      ws.categories['9901'].should.have.properties({ '9901_2': 'C-2000', '9901_4': 'Business' });
      bws().created.should.equal(1);
    });

    it('accepts flat category keys, a parent and a template; names come from the business object when empty', async () => {
      const { w, out } = await load({ operation: 'create', template: '3102', parentId: 'parent', parentIdType: 'msg', extSystemId: 'CRM', boType: 'CASE', boId: 'payload', categories: '{"9911_2":"CASE-2026-200","9911_6":true}', categoriesType: 'json' });
      const m = await run(w, out, { payload: 'CASE-2026-200', parent: 26010 });
      m.payload!.should.have.properties({ name: 'CASE-2026-200', parentId: 26010, typeId: 102 });
      Object.keys(m.payload!.folders).sort().should.eql(['Confirmations', 'Inbound', 'Outbound']);
    });

    it('reports a duplicate as OT_CONFLICT and a missing required category attribute as OT_INVALID_INPUT', async () => {
      const { w, out, caught } = await load(customer);
      const msg = () => ({ payload: { name: 'Wayne Enterprises', number: 'C-2000', categories: { '9901_2': 'C-2000' } } });
      (await run(w, out, msg())).payload!.created!.should.be.true();
      await expectError(w, caught, msg(), 'OT_CONFLICT', /already exists/);
      await expectError(w, caught, { payload: { name: 'Bruce', number: 'C-2001' } }, 'OT_INVALID_INPUT', /Customer Number.*required/);
      await expectError(w, caught, { payload: { name: 'Bruce', number: 'C-2001', categories: '{oops' } }, 'OT_INVALID_INPUT', /categories is not valid JSON/);
      await expectError(w, caught, { payload: { name: 'Bruce', number: 'C-2001', categories: { Customer: 'x' } } }, 'OT_INVALID_INPUT', /neither a category id/);
      bws().created.should.equal(1);
    });

    it('asks for a template when the type has several, and needs a name or business object', async () => {
      const { w, caught } = await load({ operation: 'create', workspaceType: 'Case', wsName: 'Loose case', boId: '', boIdType: 'str' });
      await expectError(w, caught, {}, 'OT_INVALID_INPUT', /has 2 templates \(Case Template = 3102, Case Template \(short\) = 3104\)/);
      await helper.unload();
      const b = await load({ operation: 'create', workspaceType: 'Case', template: '3104', boId: '', boIdType: 'str' });
      await expectError(b.w, b.caught, {}, 'OT_INVALID_INPUT', /name is required/);
    });
  });

  describe('find or create', () => {
    const caseWs = { operation: 'findOrCreate', extSystemId: 'CRM', boType: 'CASE', boId: 'payload.caseId', boIdType: 'msg', categories: '{"9911": {"9911_2": "{{payload.caseId}}"}}', categoriesType: 'str' };

    it('is idempotent: a second identical message returns the same workspace', async () => {
      // categories as text: a mustache template that renders to JSON
      const { w, out } = await load(caseWs);
      const first = await run(w, out, { payload: { caseId: 'CASE-2026-300' } });
      first.payload!.created!.should.be.true();
      const second = await run(w, out, { payload: { caseId: 'CASE-2026-300' } });
      second.payload!.created!.should.be.false();
      second.workspaceId!.should.equal(first.workspaceId!);
      bws().created.should.equal(1);
      should(bws().workspaces.find((x) => x.id === first.workspaceId)!.categories['9911']['9911_2']).equal('CASE-2026-300');
      const existing = await run(w, out, { payload: { caseId: 'CASE-2026-001' } });
      existing.payload!.should.have.properties({ id: 26010, created: false });
      bws().created.should.equal(1);
    });

    it('creates one workspace for simultaneous identical messages on one connection', async () => {
      const { w, out } = await load(caseWs);
      const got = collect<Out>(out);
      for (let i = 0; i < 5; i++) w.receive({ payload: { caseId: 'CASE-2026-400' }, n: i });
      await until(() => got.length === 5, 5000, 'five outputs');
      new Set(got.map((m) => m.workspaceId)).size.should.equal(1);
      got.filter((m) => m.payload!.created).should.have.length(1);
      bws().created.should.equal(1);
      bws().workspaces.filter((x) => x.name === 'CASE-2026-400').should.have.length(1);
    });

    it('creates one workspace for simultaneous messages on two connections (the loser of the race finds the winner)', async () => {
      const c1 = xecmConfig(h.csUrl);
      const c2 = xecmConfig(h.csUrl, { id: 'xecm2' });
      const flow: FlowNode[] = [
        TAB,
        c1.node,
        { ...c2.node, id: 'xecm2' },
        { id: 'w1', type: 'ot-workspace', z: 'tab1', server: 'xecm1', ...DEFAULTS, ...caseWs, wires: [['out']] },
        { id: 'w2', type: 'ot-workspace', z: 'tab1', server: 'xecm2', ...DEFAULTS, ...caseWs, wires: [['out']] },
        { id: 'out', type: 'helper', z: 'tab1' },
        { id: 'c1', type: 'catch', z: 'tab1', scope: null, uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper', z: 'tab1' },
      ];
      await helper.load([xecmNode, workspaceNode], flow, { xecm1: c1.creds.xecm1, xecm2: c1.creds.xecm1 });
      const got = collect<Out>(helper.getNode('out'));
      const errors = collect<Caught>(helper.getNode('caught'));
      for (let i = 0; i < 3; i++) {
        helper.getNode('w1').receive({ payload: { caseId: 'CASE-2026-500' } });
        helper.getNode('w2').receive({ payload: { caseId: 'CASE-2026-500' } });
      }
      await until(() => got.length + errors.length === 6, 5000, 'six results');
      errors.should.have.length(0);
      new Set(got.map((m) => m.workspaceId)).size.should.equal(1);
      got.filter((m) => m.payload!.created).should.have.length(1);
      bws().workspaces.filter((x) => x.name === 'CASE-2026-500').should.have.length(1);
    });

    it('finds or creates by type and name when no business object is set', async () => {
      const { w, out } = await load({ operation: 'findOrCreate', workspaceType: 'Department', wsName: 'payload', wsNameType: 'msg', boId: '', boIdType: 'str', categories: '{"9921_2":"LEGAL"}' });
      const got = collect<Out>(out);
      w.receive({ payload: 'Legal' });
      w.receive({ payload: 'Legal' });
      await until(() => got.length === 2, 5000, 'two outputs');
      got[0].workspaceId!.should.equal(got[1].workspaceId!);
      got.map((m) => m.payload!.created).sort().should.eql([false, true]);
      (await run(w, out, { payload: 'HR' })).payload!.should.have.properties({ id: 27020, created: false });
      bws().created.should.equal(1);
    });

    it('needs a business object or a name', async () => {
      const { w, caught } = await load({ operation: 'findOrCreate', workspaceType: 'Department', boId: '', boIdType: 'str' });
      await expectError(w, caught, {}, 'OT_INVALID_INPUT', /needs a business object, or a workspace name/);
    });
  });

  describe('connection problems', () => {
    it('reports a wrong password as OT_AUTH without the password', async () => {
      const { w, caught } = await load({ extSystemId: 'SAP', boType: 'KNA1' }, { creds: { password: 'wrong-secret-123' } });
      const c = await expectError(w, caught, { payload: 'C-1001' }, 'OT_AUTH');
      JSON.stringify(c).should.not.containEql('wrong-secret-123');
    });

    it('reports a missing connection as OT_INVALID_INPUT', async () => {
      const { w, caught } = await load({ extSystemId: 'SAP', boType: 'KNA1' }, { noServer: true });
      await expectError(w, caught, { payload: 'C-1001' }, 'OT_INVALID_INPUT', /no Extended ECM connection/);
    });
  });
});
