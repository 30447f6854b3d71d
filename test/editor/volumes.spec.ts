/**
 * The sandbox's Content Server volumes (sandbox/areas/cs-volumes.ts), which the editor's category
 * and RM classification drop-downs read: GET api/v2/volumes/{subtype} and .../nodes, with the real
 * API's rejections (no ticket 401, a non-integer subtype 400, an unknown subtype 500, bad paging 400).
 */
import should from 'should';
import { useSandbox } from '../support/sandbox';
import { cs } from '../../sandbox/areas/cs-core';

type Obj = Record<string, unknown>;

async function call(csUrl: string, path: string, opts: { ticket?: string; query?: Record<string, string | number>; form?: Record<string, string> } = {}): Promise<{ status: number; body: Obj }> {
  const u = new URL(`${csUrl}/${path}`);
  for (const [k, v] of Object.entries(opts.query || {})) u.searchParams.append(k, String(v));
  const headers: Record<string, string> = {};
  if (opts.ticket) headers.otcsticket = opts.ticket;
  let body: string | undefined;
  if (opts.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(opts.form).toString();
  }
  const r = await fetch(u, { method: opts.form ? 'POST' : 'GET', headers, body });
  return { status: r.status, body: (await r.json()) as Obj };
}

const props = (b: Obj): Obj => ((b.results as Obj).data as Obj).properties as Obj;
const list = (b: Obj): Obj[] => (b.results as Obj[]).map((r) => (r.data as Obj).properties as Obj);

describe('sandbox: Content Server volumes (GET v2/volumes/{subtype}[/nodes])', () => {
  const h = useSandbox({ record: false });
  let t = '';
  beforeEach(async () => {
    const r = await call(h.csUrl, 'v1/auth', { form: { username: 'Admin', password: 'sandbox-admin' } });
    t = String(r.body.ticket);
  });

  it('the Enterprise Workspace (141) is the root of the node tree; its children are the tree', async () => {
    const r = await call(h.csUrl, 'v2/volumes/141', { ticket: t });
    r.status.should.equal(200);
    props(r.body).should.containDeep({ id: 2000, name: 'Enterprise', type: 141, container: true });
    const kids = await call(h.csUrl, 'v2/volumes/141/nodes', { ticket: t, query: { where_type: 0, limit: 3, page: 1 } });
    kids.status.should.equal(200);
    const expected = cs(h.sb.app).children.get(2000)!.map((id) => cs(h.sb.app).nodes.get(id)!).filter((n) => n.type === 0).map((n) => n.name).sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
    list(kids.body).map((p) => p.name).should.eql(expected.slice(0, 3));
    (kids.body.collection as Obj).paging!.should.containDeep({ page: 1, limit: 3, total_count: expected.length, page_total: Math.ceil(expected.length / 3) });
  });

  it('the Categories volume (133) lists every category definition (subtype 131), filterable by name', async () => {
    const v = await call(h.csUrl, 'v2/volumes/133', { ticket: t });
    v.status.should.equal(200);
    const vol = props(v.body);
    vol.should.containDeep({ name: 'Categories', type: 133, container: true });
    should(cs(h.sb.app).nodes.has(vol.id as number)).be.false();
    const all = await call(h.csUrl, 'v2/volumes/133/nodes', { ticket: t });
    const names = list(all.body).map((p) => p.name);
    names.should.eql([...cs(h.sb.app).categories.values()].map((c) => c.name).sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
    for (const p of list(all.body)) p.should.containDeep({ type: 131, parent_id: vol.id, container: false });
    const some = await call(h.csUrl, 'v2/volumes/133/nodes', { ticket: t, query: { where_name: 'fax', sort: 'desc_name' } });
    list(some.body).map((p) => p.name).should.eql(['Fax Metadata']);
  });

  it('the Classifications volume (198) lists the RM file plan: selectable classifications and grouping levels', async () => {
    const v = await call(h.csUrl, 'v2/volumes/198', { ticket: t });
    props(v.body).should.containDeep({ id: 3000, name: 'Classifications', type: 198 });
    const kids = list((await call(h.csUrl, 'v2/volumes/198/nodes', { ticket: t })).body);
    kids.find((p) => p.id === 3001)!.should.containDeep({ name: 'FIN-100 Invoices', type: 551, parent_id: 3000 });
    kids.find((p) => p.id === 3010)!.should.containDeep({ name: 'FIN Finance', type: 196 });
    const rmOnly = list((await call(h.csUrl, 'v2/volumes/198/nodes', { ticket: t, query: { where_type: 551 } })).body);
    rmOnly.map((p) => p.id).should.not.containEql(3010);
  });

  it('rejects like Content Server: no ticket 401, a non-integer subtype 400, an unknown subtype 500, bad paging 400', async () => {
    const anon = await call(h.csUrl, 'v2/volumes/133');
    anon.status.should.equal(401);
    anon.body.should.have.property('error');
    const word = await call(h.csUrl, 'v2/volumes/categories', { ticket: t });
    word.status.should.equal(400);
    word.body.error!.should.equal("Invalid datatype specified for argument 'volume_subtype'.");
    const unknown = await call(h.csUrl, 'v2/volumes/999/nodes', { ticket: t });
    unknown.status.should.equal(500);
    unknown.body.error!.should.equal('Subtype 999 not registered');
    (await call(h.csUrl, 'v2/volumes/133/nodes', { ticket: t, query: { limit: 0 } })).status.should.equal(400);
    (await call(h.csUrl, 'v2/volumes/133/nodes', { ticket: t, query: { where_type: 'x' } })).status.should.equal(400);
    (await call(h.csUrl, 'v2/volumes/133/nodes', { ticket: t, query: { sort: 'asc_colour' } })).status.should.equal(400);
  });
});
