/**
 * The edit dialogs' drop-downs (nodes/lib/admin.ts): GET opentext/<config type>/lists/<list>
 * through a deployed connection, against the sandbox over real HTTP — workspace types and
 * templates, categories and their attributes, workflow maps, RM classifications, RSIs, holds,
 * Exstream domains and communications — and the answers for a connection that is not deployed,
 * an unknown list, a bad parameter and a failing server (no secret in any answer).
 */
import should from 'should';
import { useNodeRed, TAB, xecmConfig, type FlowNode } from '../support/nr';
import { useSandbox } from '../support/sandbox';
import { cs } from '../../sandbox/areas/cs-core';

const xecmNode = require('../../nodes/xecm/ot-xecm');
const otdsNode = require('../../nodes/otds/ot-otds');
const exstreamNode = require('../../nodes/exstream/ot-exstream');

interface ListAnswer {
  ok: boolean;
  items?: Array<{ value: string | number; label: string } & Record<string, unknown>>;
  code?: string;
  message?: string;
}

describe('editor drop-downs: admin list endpoints (nodes/lib/admin.ts)', () => {
  const helper = useNodeRed();
  const h = useSandbox();

  async function load(extra: FlowNode[] = [], credsExtra: Record<string, Record<string, string>> = {}) {
    const x = xecmConfig(h.csUrl);
    await helper.load(
      [xecmNode, otdsNode, exstreamNode],
      [
        TAB,
        x.node,
        { id: 'otds1', type: 'ot-otds', baseUrl: h.url, grant: 'client_credentials', timeout: 5, retries: 1 },
        { id: 'ex1', type: 'ot-exstream', baseUrl: h.url, family: 'orchestration', domain: 'sandbox', otds: 'otds1', timeout: 5, retries: 1, maxDelay: 1, concurrency: 4 },
        { id: 'otds2', type: 'ot-otds', baseUrl: h.url, tenant: 'sandbox', timeout: 5, retries: 1 },
        { id: 'ex2', type: 'ot-exstream', baseUrl: h.url, family: 'sgw', tenant: 'sandbox', otds: 'otds2', timeout: 5, retries: 1 },
        ...extra,
      ],
      { ...x.creds, otds1: { clientId: 'exstream-service', clientSecret: 'sandbox-exstream-secret' }, otds2: { username: 'exstream', password: 'sandbox-exstream' }, ...credsExtra },
    );
  }

  async function list(type: string, name: string, query: Record<string, string>): Promise<{ status: number; body: ListAnswer }> {
    const res = await helper.request().get(`/opentext/${type}/lists/${name}`).query(query);
    return { status: res.status, body: res.body as ListAnswer };
  }

  const labels = (a: ListAnswer) => (a.items || []).map((i) => i.label);
  const values = (a: ListAnswer) => (a.items || []).map((i) => i.value);

  it('workspace types: name as value, id in the label, templates with each', async () => {
    await load();
    const r = await list('ot-xecm', 'workspacetypes', { server: 'xecm1' });
    r.status.should.equal(200);
    r.body.ok.should.be.true();
    labels(r.body).should.eql(['Case (102)', 'Customer (101)', 'Department (103)']);
    values(r.body).should.eql(['Case', 'Customer', 'Department']);
    const customer = r.body.items!.find((i) => i.value === 'Customer')!;
    customer.should.have.property('id', 101);
    (customer.templates as unknown[]).should.eql([{ value: 3101, label: 'Customer Template (3101)' }]);
  });

  it('templates of one type (by name or id), or of every type', async () => {
    await load();
    const types = h.sb.app.area<{ types: Map<number, { wksp_type_name: string; templates: Array<{ id: number; name: string }> }> }>('bws').types;
    const caseType = [...types.values()].find((t) => t.wksp_type_name === 'Case')!;
    caseType.templates.length.should.be.above(0);
    (await list('ot-xecm', 'templates', { server: 'xecm1', type: 'case' })).body.items!.should.eql(caseType.templates.map((t) => ({ value: t.id, label: `${t.name} (${t.id})`, type: 'Case' })));
    (await list('ot-xecm', 'templates', { server: 'xecm1', type: '103' })).body.items!.map((i) => i.value).should.eql(types.get(103)!.templates.map((t) => t.id));
    const all = await list('ot-xecm', 'templates', { server: 'xecm1' });
    labels(all.body).should.containDeep(['Customer: Customer Template (3101)', 'Case: Case Template (3102)', 'Department: Department Template (3103)']);
    (await list('ot-xecm', 'templates', { server: 'xecm1', type: 'Vendor' })).body.items!.should.eql([]);
  });

  it('categories of the Categories volume, sorted, and the attributes of one (keys, types, required)', async () => {
    await load();
    const cats = await list('ot-xecm', 'categories', { server: 'xecm1' });
    cats.status.should.equal(200);
    const expected = [...cs(h.sb.app).categories.values()].map((c) => `${c.name} (${c.id})`).sort((a, b) => a.localeCompare(b));
    labels(cats.body).should.eql(expected);
    labels(cats.body).should.containDeep(['Customer Document (9840)', 'Fax Metadata (9830)']);

    const attrs = await list('ot-xecm', 'attributes', { server: 'xecm1', category: '9840' });
    attrs.status.should.equal(200);
    attrs.body.items!.slice(0, 4).should.eql([
      { value: '9840_2', label: 'Customer ID', type: 'string', multi: false, required: true },
      { value: '9840_3', label: 'Document Type', type: 'string', multi: false, required: false },
      { value: '9840_4', label: 'Tracking Status', type: 'string', multi: false, required: false, values: ['generated', 'sent', 'opened', 'completed'] },
      { value: '9840_5', label: 'Accepted', type: 'boolean', multi: false, required: false },
    ]);
    attrs.body.items!.find((i) => i.value === '9840_6')!.should.have.property('type', 'date');
    const contract = await list('ot-xecm', 'attributes', { server: 'xecm1', category: '9850', node: '2200' });
    contract.body.items!.find((i) => i.value === '9850_6')!.should.have.properties({ label: 'Keywords', multi: true });
    const parties = await list('ot-xecm', 'attributes', { server: 'xecm1', category: '9870' });
    parties.body.items!.find((i) => i.value === '9870_3')!.should.have.properties({ label: 'Parties', type: 'set' });
  });

  it('attributes: a missing or non-numeric category is a 400, an unknown one a 502 with the server code', async () => {
    await load();
    const none = await list('ot-xecm', 'attributes', { server: 'xecm1' });
    none.status.should.equal(400);
    none.body.should.eql({ ok: false, code: 'OT_INVALID_INPUT', message: 'the parameter "category" is required' });
    const bad = await list('ot-xecm', 'attributes', { server: 'xecm1', category: 'Contract' });
    bad.status.should.equal(400);
    bad.body.message!.should.match(/must be a node id/);
    const unknown = await list('ot-xecm', 'attributes', { server: 'xecm1', category: '424242' });
    unknown.status.should.equal(502);
    unknown.body.ok.should.be.false();
    should(unknown.body.code).be.oneOf('OT_NOT_FOUND', 'OT_INVALID_INPUT', 'OT_API');
  });

  it('workflow maps, found by search (subtype 128)', async () => {
    await load();
    const r = await list('ot-xecm', 'workflowmaps', { server: 'xecm1' });
    r.status.should.equal(200);
    labels(r.body).should.containDeep(['Fax Approval (3902)', 'Records Declaration Approval (3901)', 'Document Review (3908)']);
    r.body.items!.length.should.equal(8);
    r.body.items!.find((i) => i.value === 3902)!.should.have.property('name', 'Fax Approval');
  });

  it('RM classifications of the file plan (grouping levels left out), RSIs by name, holds by name (active first)', async () => {
    await load();
    const cls = await list('ot-xecm', 'rmclassifications', { server: 'xecm1' });
    cls.status.should.equal(200);
    labels(cls.body).should.eql(['FAX-400 Fax Records (3004)', 'FIN-100 Invoices (3001)', 'GOV-500 Board Minutes (3005)', 'HR-300 Personnel (3003)', 'LEG-200 Contracts (3002)']);
    const rsis = await list('ot-xecm', 'rsis', { server: 'xecm1' });
    values(rsis.body).should.containDeep(['INV-7Y', 'CON-10Y', 'FAX-3Y', 'REV-30D', 'GOV-PERM']);
    labels(rsis.body).should.containEql('INV-7Y – Invoices: 7 years after the record date');
    const holds = await list('ot-xecm', 'holds', { server: 'xecm1' });
    holds.status.should.equal(200);
    holds.body.items!.find((i) => i.value === 'Litigation 2026')!.should.have.properties({ label: 'Litigation 2026 (LEGAL)', id: 5001, active: true });
  });

  it('Exstream: domains and approved communications with their driver names; a service-gateway connection is refused', async () => {
    await load();
    const d = await list('ot-exstream', 'domains', { server: 'ex1' });
    d.status.should.equal(200);
    values(d.body).should.eql(['sandbox']);
    const c = await list('ot-exstream', 'communications', { server: 'ex1' });
    c.status.should.equal(200);
    const statement = c.body.items!.find((i) => i.label === 'Customer Statement')!;
    statement.value.should.equal('1a9024ab-d875-45ff-99fa-2db39bc27879');
    (statement.driverDataSources as string[]).length.should.be.above(0);
    const other = await list('ot-exstream', 'communications', { server: 'ex1', domain: 'nowhere' });
    other.status.should.equal(502);
    other.body.ok.should.be.false();
    const sgw = await list('ot-exstream', 'communications', { server: 'ex2' });
    sgw.status.should.equal(400);
    sgw.body.message!.should.match(/service gateway/);
  });

  it('a connection that is not deployed, of another type, or missing: 404 NOT_DEPLOYED', async () => {
    await load();
    const r = await list('ot-xecm', 'holds', { server: 'nope' });
    r.status.should.equal(404);
    r.body.should.eql({ ok: false, code: 'NOT_DEPLOYED', message: 'the connection nope is not deployed: deploy it first' });
    (await list('ot-xecm', 'holds', { server: 'ex1' })).status.should.equal(404);
    (await list('ot-xecm', 'holds', {})).body.should.eql({ ok: false, code: 'NOT_DEPLOYED', message: 'no connection selected' });
  });

  it('an unknown list is a 404 naming the lists', async () => {
    await load();
    const r = await list('ot-xecm', 'printers', { server: 'xecm1' });
    r.status.should.equal(404);
    r.body.message!.should.match(/^no list "printers"; lists: workspacetypes, templates, categories, attributes, workflowmaps, rmclassifications, rsis, holds$/);
  });

  it('a failed login answers 502 OT_AUTH without the password', async () => {
    await load([], { xecm1: { username: 'Admin', password: 'wrong-secret-4711' } });
    const r = await list('ot-xecm', 'workspacetypes', { server: 'xecm1' });
    r.status.should.equal(502);
    r.body.should.have.properties({ ok: false, code: 'OT_AUTH' });
    JSON.stringify(r.body).should.not.containEql('wrong-secret-4711');
  });

  it('an unreachable server answers 502 with a network code', async () => {
    await load([{ id: 'xecm2', type: 'ot-xecm', baseUrl: 'http://127.0.0.1:1/otcs/cs.exe/api', authMode: 'password', timeout: 2, retries: 1 }], { xecm2: { username: 'Admin', password: 'sandbox-admin' } });
    const r = await list('ot-xecm', 'workflowmaps', { server: 'xecm2' });
    r.status.should.equal(502);
    should(r.body.code).be.oneOf('OT_NETWORK', 'OT_UNAVAILABLE');
  });
});
