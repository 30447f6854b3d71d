/**
 * Sandbox: Records Management holds — the hold lists (v1, paged v2), one hold by id or name,
 * creating a hold, holds of a node (direct and inherited), applying and removing a hold on one
 * node or many (bulk, with the plausible encodings of `ids`), and the items under a hold.
 * Many requests here are deliberately wrong, so this sandbox does not record.
 */
import should from 'should';
import { useSandbox } from '../support/sandbox';
import { cs as call, csLogin as login, Obj } from './cs-support';

describe('sandbox: Records Management holds', () => {
  const h = useSandbox({ record: false });
  let t = '';
  beforeEach(async () => {
    t = await login(h.csUrl);
  });
  const get = (path: string, q?: Record<string, string | number>) => call(h.csUrl, path, { ticket: t, query: q });
  const nodeHolds = async (id: number) => ((await get(`v1/nodes/${id}/holds`)).body.data as Obj[]).map((x) => `${x.hold_name}:${x.hold_appliedmethod}`);

  it('lists the holds (v1 array, v2 paged with page and limit required)', async () => {
    const v1 = await get('v1/holds');
    v1.status.should.equal(200);
    (v1.body as unknown as Obj[]).should.eql([
      { HoldID: 5001, HoldName: 'Litigation 2026', ActiveHold: true },
      { HoldID: 5002, HoldName: 'Audit FY2025', ActiveHold: true },
      { HoldID: 5003, HoldName: 'Regulatory Inquiry', ActiveHold: true },
    ]);
    const missing = await get('v2/holds', { page: 1 });
    missing.status.should.equal(400);
    missing.body.should.eql({ results: { ok: false, errMsg: "Missing required parameter 'limit'.", id: 0 } });
    const p2 = await get('v2/holds', { page: 2, limit: 2 });
    ((p2.body.collection as Obj).paging as Obj).should.containEql({ page: 2, limit: 2, page_total: 2, total_count: 3 });
    const holds = ((p2.body.results as Obj).data as Obj).holds as Obj[];
    holds.should.have.length(1);
    holds[0].should.containEql({ HoldID: 5003, HoldName: 'Regulatory Inquiry', HoldType: 'REGULATORY', ActiveHold: 1 });
  });

  it('gets one hold by id or by name', async () => {
    const byName = await get('v2/hold', { holdname: 'Audit FY2025' });
    (((byName.body.results as Obj).data as Obj).hold as Obj).should.containEql({ HoldID: 5002, HoldType: 'AUDIT' });
    const byId = await get('v2/holds/5001');
    (((byId.body.results as Obj).data as Obj).hold as Obj).should.containEql({ HoldName: 'Litigation 2026' });
    const none = await get('v2/hold', { holdname: 'Nope' });
    none.status.should.equal(400);
    none.body.should.eql({ results: { ok: false, errMsg: "Hold 'Nope' does not exist.", id: 0 } });
    (await get('v2/hold')).status.should.equal(400);
  });

  it('creates a hold with name, type and date_applied (query or form) and refuses duplicates', async () => {
    const missing = await call(h.csUrl, 'v1/holds', { ticket: t, form: { name: 'Case 42', type: 'LEGAL' } });
    missing.status.should.equal(400);
    missing.body.should.eql({ error: "Missing required parameter 'date_applied'." });
    const r = await call(h.csUrl, 'v1/holds', { ticket: t, form: { name: 'Case 42', type: 'legal', date_applied: '2026-02-01', comment: 'new matter' } });
    r.status.should.equal(200);
    const id = Number(r.body.holdID);
    id.should.be.above(5003);
    const q = await call(h.csUrl, 'v1/holds', { method: 'POST', ticket: t, query: { name: 'Case 43', type: 'AUDIT', date_applied: '2026-02-01' } });
    q.status.should.equal(200);
    const dup = await call(h.csUrl, 'v1/holds', { ticket: t, form: { name: 'case 42', type: 'LEGAL', date_applied: '2026-02-01' } });
    dup.status.should.equal(400);
    dup.body.should.eql({ error: "A Hold with the name 'case 42' already exists." });
    const badType = await call(h.csUrl, 'v1/holds', { ticket: t, form: { name: 'Case 44', type: 'FUN', date_applied: '2026-02-01' } });
    badType.status.should.equal(400);
    const jsmith = await login(h.csUrl, 'jsmith', 'sandbox-jsmith');
    (await call(h.csUrl, 'v1/holds', { ticket: jsmith, form: { name: 'Case 45', type: 'LEGAL', date_applied: '2026-02-01' } })).status.should.equal(403);
    (((await get('v2/holds/' + id)).body.results as Obj).data as Obj).hold!.should.containEql({ HoldName: 'Case 42', HoldType: 'LEGAL', HoldComment: 'new matter', DateApplied: '2026-02-01T00:00:00' });
  });

  it('applies and removes a hold on a node; containers pass their holds down', async () => {
    (await nodeHolds(2205)).should.eql(['Audit FY2025:Direct']);
    (await call(h.csUrl, 'v1/nodes/2201/holds', { ticket: t, form: { hold_id: 5001 } })).status.should.equal(200);
    (await call(h.csUrl, 'v1/nodes/2200/holds', { method: 'POST', ticket: t, query: { hold_id: 5003 } })).status.should.equal(200);
    (await nodeHolds(2201)).should.eql(['Litigation 2026:Direct', 'Regulatory Inquiry:Inherited']);
    const again = await call(h.csUrl, 'v1/nodes/2201/holds', { ticket: t, form: { hold_id: 5001 } });
    again.status.should.equal(400);
    again.body.should.eql({ error: 'Object already has this Hold' });
    const noHold = await call(h.csUrl, 'v1/nodes/2201/holds', { ticket: t, form: { other: 1 } });
    noHold.status.should.equal(400);
    noHold.body.should.eql({ error: 'Missing LLPARAMS_LIST' });
    (await call(h.csUrl, 'v1/nodes/2201/holds', { ticket: t, form: { hold_id: 9 } })).body.should.eql({ error: 'Invalid Hold ID 9.' });
    (await call(h.csUrl, 'v1/nodes/999999/holds', { ticket: t, form: { hold_id: 5001 } })).body.should.eql({ error: 'Could not get node for 999999' });
    (await call(h.csUrl, 'v1/nodes/2201/holds/5001', { method: 'DELETE', ticket: t })).status.should.equal(200);
    const notThere = await call(h.csUrl, 'v1/nodes/2201/holds/5001', { method: 'DELETE', ticket: t });
    notThere.status.should.equal(400);
    notThere.body.should.eql({ error: 'Object does not have this Hold' });
    (await nodeHolds(2201)).should.eql(['Regulatory Inquiry:Inherited']);
    const jsmith = await login(h.csUrl, 'jsmith', 'sandbox-jsmith');
    const denied = await call(h.csUrl, 'v1/nodes/2202/holds', { ticket: jsmith, form: { hold_id: 5001 } });
    denied.status.should.equal(403);
    denied.body.should.eql({ error: 'Accessibility error. Not enough permissions.' });
  });

  it('refuses to delete an item under hold, directly or through its folder, and deletes it once released', async () => {
    // 2205 carries "Audit FY2025" in the fixture
    const refused = await call(h.csUrl, 'v2/nodes/2205', { method: 'DELETE', ticket: t });
    refused.status.should.equal(403);
    String(refused.body.error).should.match(/under hold \('Audit FY2025'\)/);
    const folder = await call(h.csUrl, 'v2/nodes/2200', { method: 'DELETE', ticket: t });
    folder.status.should.equal(403);
    (await get('v2/nodes/2201')).status.should.equal(200);
    (await call(h.csUrl, 'v1/nodes/2205/holds/5002', { method: 'DELETE', ticket: t })).status.should.equal(200);
    (await call(h.csUrl, 'v2/nodes/2205', { method: 'DELETE', ticket: t })).status.should.equal(200);
    (await get('v2/nodes/2205')).status.should.equal(404);
  });

  it('applies and removes holds in bulk with every plausible ids encoding; an unknown id fails the whole request', async () => {
    (await call(h.csUrl, 'v1/rmclassifications/applyhold', { ticket: t, body: { ids: [2201, 2202], holdID: 5001 } })).status.should.equal(200);
    (await call(h.csUrl, 'v1/rmclassifications/applyhold', { ticket: t, form: { ids: [2203, 2204], holdID: 5002 } })).status.should.equal(200);
    (await call(h.csUrl, 'v1/rmclassifications/applyhold', { ticket: t, form: { ids: '[2203,2204]', holdID: 5003 } })).status.should.equal(200);
    (await call(h.csUrl, 'v1/rmclassifications/applyhold', { ticket: t, form: { 'ids[]': [2201, 2202], holdID: 5003 } })).status.should.equal(200);
    (await nodeHolds(2201)).should.eql(['Litigation 2026:Direct', 'Regulatory Inquiry:Direct']);
    (await nodeHolds(2204)).should.eql(['Audit FY2025:Direct', 'Regulatory Inquiry:Direct']);
    const unknown = await call(h.csUrl, 'v1/rmclassifications/applyhold', { ticket: t, body: { ids: [2205, 999999], holdID: 5001 } });
    unknown.status.should.equal(400);
    unknown.body.should.eql({ error: 'Could not get node for 999999' });
    (await nodeHolds(2205)).should.eql(['Audit FY2025:Direct']);
    const noHold = await call(h.csUrl, 'v1/rmclassifications/applyhold', { ticket: t, body: { ids: [2205] } });
    noHold.status.should.equal(404);
    noHold.body.should.eql({ error: 'Hold ID is not specified' });
    const noIds = await call(h.csUrl, 'v1/rmclassifications/applyhold', { ticket: t, body: { holdID: 5001 } });
    noIds.status.should.equal(404);
    (await call(h.csUrl, 'v1/rmclassifications/removehold', { ticket: t, form: { ids: '2201,2202', holdID: 5001, removeComments: 'settled' } })).status.should.equal(200);
    (await nodeHolds(2201)).should.eql(['Regulatory Inquiry:Direct']);
  });

  it('lists the items under a hold page by page', async () => {
    for (const id of [2201, 2202, 2203, 2204]) (await call(h.csUrl, `v1/nodes/${id}/holds`, { ticket: t, form: { hold_id: 5001 } })).status.should.equal(200);
    const first = await get('v2/holditems/5001', { limit: 3 });
    first.status.should.equal(200);
    ((first.body.collection as Obj).paging as Obj).should.containEql({ page: 1, limit: 3, page_total: 2, total_count: 4 });
    (first.body.results as Obj[]).map((i) => i.id).should.eql([2201, 2202, 2203]);
    (first.body.results as Obj[])[0].should.containEql({ name: 'Contract ACME 2024.pdf', type: 144, parent_id: 2200 });
    const second = await get('v2/holditems/5001/page', { page: 2, limit: 3 });
    (second.body.results as Obj[]).map((i) => i.id).should.eql([2204]);
    const sorted = await get('v2/holditems/5001', { limit: 10, sort: 'desc_name' });
    (sorted.body.results as Obj[])[0].should.containEql({ id: 2203 });
    const none = await get('v2/holditems/9');
    none.status.should.equal(400);
    String(none.body.error).should.match(/could not be accessed/);
    should.exist(none.body.error);
  });
});
