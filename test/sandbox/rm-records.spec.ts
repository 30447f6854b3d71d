/**
 * Sandbox: Records Management classifications (declare, update, undeclare) with the metadata
 * token, policy refusals, finalization (direct and through the RM queue), RSIs and RM codes.
 * Many requests here are deliberately wrong, so this sandbox does not record.
 */
import should from 'should';
import { useSandbox } from '../support/sandbox';
import { cs as call, csLogin as login, Obj } from './cs-support';
import { until } from '../support/nr';

describe('sandbox: Records Management classifications', () => {
  const h = useSandbox({ record: false });
  let t = '';
  beforeEach(async () => {
    t = await login(h.csUrl);
  });
  const get = (path: string, q?: Record<string, string | number>) => call(h.csUrl, path, { ticket: t, query: q });
  const rmOf = async (id: number) => (await get(`v1/nodes/${id}/rmclassifications`)).body;
  const tokenOf = async (id: number) => String((await rmOf(id)).rm_metadataToken);
  const state = async () => (await (await fetch(`${h.url}/_sandbox/state/rm`)).json()) as { records: Record<string, { class_id: number; fields: Obj; finalized: boolean }>; log: Obj[]; queues: Obj[] };

  it('answers 401 without a ticket and the RM 400 for an unknown node', async () => {
    (await call(h.csUrl, 'v1/nodes/2201/rmclassifications')).status.should.equal(401);
    const r = await get('v1/nodes/999999/rmclassifications');
    r.status.should.equal(400);
    r.body.should.eql({ error: 'Could not get node for 999999' });
  });

  it('reads the classification, flags and a metadata token (also for an unclassified node)', async () => {
    const c = await rmOf(2203);
    c.rm_metadataToken!.should.be.a.String().and.match(/^[0-9a-f]{32}$/);
    c.should.containEql({ canRMClassify: true, canFinalize: true, classVolumeID: 3000, multiClass: false });
    const row = (c.data as Obj[])[0];
    row.should.containEql({ rmclassification_id: 3001, name: 'FIN-100 Invoices', file_number: 'FIN-100', rsi: 'INV-7Y', status: 'ACTIVE', record_officer_id: 1001, record_officer_name: 'rmanager', records_manager_id: 2001, records_manager_name: 'Records Managers' });
    const u = await rmOf(2100);
    (u.data as Obj[]).should.eql([]);
    String(u.rm_metadataToken).should.have.length(32);
  });

  it('declares a record with the body convention and rotates the token', async () => {
    const before = await tokenOf(2100);
    // a document to declare: the Declaration Requests folder itself is a folder, so use the HR class (any type)
    const r = await call(h.csUrl, 'v1/nodes/2100/rmclassifications', { ticket: t, body: { class_id: 3003, rm_metadataToken: before, subject: 'Requests' } });
    r.status.should.equal(200);
    const after = await rmOf(2100);
    String(after.rm_metadataToken).should.not.equal(before);
    (after.data as Obj[])[0].should.containEql({ rmclassification_id: 3003, rsi: 'REV-30D', subject: 'Requests', status: 'ACTIVE', record_officer_id: 1006 });
    // plain form fields work too (update with a fresh token)
    const u = await call(h.csUrl, 'v1/nodes/2100/rmclassifications', { method: 'PUT', ticket: t, form: { rm_metadataToken: String(after.rm_metadataToken), storage: 'PAPER', official: 'true' } });
    u.status.should.equal(200);
    ((await rmOf(2100)).data as Obj[])[0].should.containEql({ storage: 'PAPER', official: true, subject: 'Requests' });
  });

  it('ignores a JSON request body as Content Server does (class_id missing)', async () => {
    const r = await call(h.csUrl, 'v1/nodes/2100/rmclassifications', { ticket: t, json: { class_id: 3003, rm_metadataToken: await tokenOf(2100) } });
    r.status.should.equal(400);
    r.body.should.eql({ error: "Missing required parameter 'class_id'." });
  });

  it('refuses a missing token (400) and a stale token (409, the edit conflict)', async () => {
    const missing = await call(h.csUrl, 'v1/nodes/2100/rmclassifications', { ticket: t, body: { class_id: 3003 } });
    missing.status.should.equal(400);
    missing.body.should.eql({ error: "Missing required parameter 'rm_metadataToken'." });
    const stale = await tokenOf(2100);
    (await call(h.csUrl, 'v1/nodes/2100/rmclassifications', { ticket: t, body: { class_id: 3003, rm_metadataToken: stale } })).status.should.equal(200);
    const again = await call(h.csUrl, 'v1/nodes/2100/rmclassifications', { method: 'PUT', ticket: t, body: { rm_metadataToken: stale, subject: 'x' } });
    again.status.should.equal(409);
    again.body.should.eql({ error: 'Could not update metadata (edit conflict).' });
  });

  it('simulates another user editing between read and write (conflict hook)', async () => {
    const hook = await fetch(`${h.url}/_sandbox/rm/conflict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ nodeId: 2203, count: 1 }) });
    hook.status.should.equal(200);
    const token = await tokenOf(2203);
    const r = await call(h.csUrl, 'v1/nodes/2203/rmclassifications', { method: 'PUT', ticket: t, body: { rm_metadataToken: token, subject: 'Invoice' } });
    r.status.should.equal(409);
    const fresh = await tokenOf(2203);
    (await call(h.csUrl, 'v1/nodes/2203/rmclassifications', { method: 'PUT', ticket: t, body: { rm_metadataToken: fresh, subject: 'Invoice' } })).status.should.equal(200);
    const ops = (await state()).log.filter((e) => e.node === 2203).map((e) => `${e.op}${e.token ? `:${e.token}` : ''}`);
    ops.should.eql(['read token', 'concurrent edit (hook)', 'update:stale', 'read token', 'update:current']);
  });

  it('refuses a declaration without the classification’s required metadata and applies nothing', async () => {
    const token = await tokenOf(2100);
    const r = await call(h.csUrl, 'v1/nodes/2100/rmclassifications', { ticket: t, body: { class_id: 3001, rm_metadataToken: token, record_date: '2026-01-15' } });
    r.status.should.equal(400);
    r.body.should.eql({ error: "The RM Classification 'FIN-100 Invoices' cannot be applied: the following required fields are missing: Status." });
    should.not.exist((await state()).records['2100']);
    (await tokenOf(2100)).should.equal(token);
    const ok = await call(h.csUrl, 'v1/nodes/2100/rmclassifications', { ticket: t, body: { class_id: 3001, rm_metadataToken: token, record_date: '2026-01-15', status: 'ACTIVE' } });
    ok.status.should.equal(200);
    (await state()).records['2100'].fields.should.containEql({ record_date: '2026-01-15', status: 'ACTIVE', rsi: 'INV-7Y' });
  });

  it('refuses classifications not allowed for the type, the location, or a non-selectable level', async () => {
    const onFolder = await call(h.csUrl, 'v1/nodes/2300/rmclassifications', { ticket: t, body: { class_id: 3004, rm_metadataToken: await tokenOf(2300), received_date: '2026-01-02' } });
    onFolder.status.should.equal(400);
    onFolder.body.should.eql({ error: "The RM Classification 'FAX-400 Fax Records' is not allowed for items of type Folder." });
    const elsewhere = await call(h.csUrl, 'v1/nodes/2201/rmclassifications', { ticket: t, body: { class_id: 3004, rm_metadataToken: await tokenOf(2201), received_date: '2026-01-02' } });
    elsewhere.status.should.equal(400);
    elsewhere.body.should.eql({ error: "The RM Classification 'FAX-400 Fax Records' is not allowed in this location." });
    const level = await call(h.csUrl, 'v1/nodes/2401/rmclassifications', { ticket: t, body: { class_id: 3010, rm_metadataToken: await tokenOf(2401) } });
    level.status.should.equal(400);
    String(level.body.error).should.match(/not selectable/);
    const unknown = await call(h.csUrl, 'v1/nodes/2401/rmclassifications', { ticket: t, body: { class_id: 9999, rm_metadataToken: await tokenOf(2401) } });
    unknown.status.should.equal(400);
    unknown.body.should.eql({ error: 'Invalid RM Classification ID 9999.' });
  });

  it('refuses a second, different classification and a user without RM rights', async () => {
    const other = await call(h.csUrl, 'v1/nodes/2203/rmclassifications', { ticket: t, body: { class_id: 3002, rm_metadataToken: await tokenOf(2203), subject: 's', addressee: 'a', originator: 'o' } });
    other.status.should.equal(400);
    other.body.should.eql({ error: "The item is already classified with the RM Classification 'FIN-100 Invoices'. Remove it before applying another one." });
    const jsmith = await login(h.csUrl, 'jsmith', 'sandbox-jsmith');
    const c = await call(h.csUrl, 'v1/nodes/2100/rmclassifications', { ticket: jsmith });
    c.body.should.containEql({ canRMClassify: false });
    const r = await call(h.csUrl, 'v1/nodes/2100/rmclassifications', { ticket: jsmith, body: { class_id: 3003, rm_metadataToken: String(c.body.rm_metadataToken) } });
    r.status.should.equal(403);
    r.body.should.eql({ error: 'Accessibility error. You do not have permission to classify this item.' });
  });

  it('validates record fields: dates, codes, RSI and cycle period', async () => {
    const token = await tokenOf(2203);
    const cases: Array<[Obj, string]> = [
      [{ record_date: '15.01.2026' }, "Invalid date '15.01.2026' specified for 'record_date'. Use the format YYYY-MM-DD."],
      [{ record_date: '2026-02-30' }, "Invalid date '2026-02-30' specified for 'record_date'. Use the format YYYY-MM-DD."],
      [{ status: 'NOPE' }, "Invalid Status 'NOPE' specified."],
      [{ rsi: 'NOPE' }, 'Incorrect RSI specified.'],
      [{ cycle_period: 5 }, 'Incorrect Cycle Period specified.'],
      [{ status: '' }, "The RM Classification 'FIN-100 Invoices' cannot be applied: the following required fields are missing: Status."],
    ];
    for (const [fields, error] of cases) {
      const r = await call(h.csUrl, 'v1/nodes/2203/rmclassifications', { method: 'PUT', ticket: t, body: { rm_metadataToken: token, ...fields } });
      r.status.should.equal(400);
      r.body.should.eql({ error });
    }
  });

  it('undeclares with the token in the query, but never an item under hold', async () => {
    const r = await call(h.csUrl, 'v1/nodes/2203/rmclassifications/3001', { method: 'DELETE', ticket: t, query: { rm_metadataToken: await tokenOf(2203) } });
    r.status.should.equal(200);
    ((await rmOf(2203)).data as Obj[]).should.eql([]);
    const held = await call(h.csUrl, 'v1/nodes/2205/rmclassifications/3002', { method: 'DELETE', ticket: t, query: { rm_metadataToken: await tokenOf(2205) } });
    held.status.should.equal(400);
    held.body.should.eql({ error: "The item is under hold ('Audit FY2025'): its RM Classification cannot be removed." });
    const wrong = await call(h.csUrl, 'v1/nodes/2201/rmclassifications/3001', { method: 'DELETE', ticket: t, query: { rm_metadataToken: await tokenOf(2201) } });
    wrong.status.should.equal(400);
    const stale = await call(h.csUrl, 'v1/nodes/2201/rmclassifications/3002', { method: 'DELETE', ticket: t, query: { rm_metadataToken: 'abc' } });
    stale.status.should.equal(409);
  });

  it('finalizes records with ids in any plausible encoding; a finalized record cannot change', async () => {
    (await call(h.csUrl, 'v1/rmclassifications/finalizerecords', { method: 'PUT', ticket: t, body: { ids: [2201] } })).status.should.equal(200);
    (await call(h.csUrl, 'v1/rmclassifications/finalizerecords', { method: 'PUT', ticket: t, form: { ids: [2202, 2203] } })).status.should.equal(200);
    (await call(h.csUrl, 'v1/rmclassifications/finalizerecords', { method: 'PUT', ticket: t, form: { ids: '2204,2205' } })).status.should.equal(200);
    const s = await state();
    for (const id of ['2201', '2202', '2203', '2204', '2205']) s.records[id].should.containEql({ finalized: true });
    s.records['2201'].fields.status!.should.equal('FINAL');
    const c = await rmOf(2201);
    c.should.containEql({ canFinalize: false });
    const upd = await call(h.csUrl, 'v1/nodes/2201/rmclassifications', { method: 'PUT', ticket: t, body: { rm_metadataToken: String(c.rm_metadataToken), subject: 'x' } });
    upd.status.should.equal(400);
    upd.body.should.eql({ error: 'The record is finalized: its record details cannot be changed.' });
    const missing = await call(h.csUrl, 'v1/rmclassifications/finalizerecords', { method: 'PUT', ticket: t, form: { other: 1 } });
    missing.status.should.equal(404);
    missing.body.should.eql({ error: 'ID is not an integer or is missing' });
    const notRecord = await call(h.csUrl, 'v1/rmclassifications/finalizerecords', { method: 'PUT', ticket: t, body: { ids: [2100] } });
    notRecord.status.should.equal(400);
  });

  it('finalizes through the RM queue after the simulated delay', async () => {
    const r = await call(h.csUrl, 'v1/rmqueues', { method: 'POST', ticket: t, query: { task_name: 'rm_FinalizeRecord', id: 2203 } });
    r.status.should.equal(200);
    r.body.should.containEql({ task_status: 'pending', location: 'api/v1/rmqueues/1' });
    (await state()).records['2203'].finalized.should.be.false();
    await fetch(`${h.url}/_sandbox/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: '2s' }) });
    const q = await get('v1/rmqueues/1');
    q.body.should.containEql({ task_status: 'complete', errMsg: '' });
    (await state()).records['2203'].finalized.should.be.true();
    const bad = await call(h.csUrl, 'v1/rmqueues', { method: 'POST', ticket: t, query: { task_name: 'rm_Other', id: 2203 } });
    bad.status.should.equal(400);
    bad.body.should.eql({ error: "Task name 'rm_Other' is not supported" });
    const gone = await call(h.csUrl, 'v1/rmqueues', { method: 'POST', ticket: t, query: { task_name: 'rm_FinalizeRecord', id: 999999 } });
    gone.status.should.equal(404);
    gone.body.should.eql({ error: 'The object does not exist' });
    (await get('v1/rmqueues/77')).body.should.eql({ error: 'Error retrieving cache' });
    const notRecord = await call(h.csUrl, 'v1/rmqueues', { method: 'POST', ticket: t, query: { task_name: 'rm_FinalizeRecord', id: 2100 } });
    const loc = String(notRecord.body.location).split('/').pop();
    await until(async () => (await get(`v1/rmqueues/${loc}`)).body.task_status !== 'pending', 5000, 'queue task');
    (await get(`v1/rmqueues/${loc}`)).body.should.containEql({ task_status: 'error' });
  });

  it('lists RSIs with schedules, the RSIs of a node, and the calculated retention dates', async () => {
    const all = await get('v2/rsis', { page: 1, limit: 2 });
    all.status.should.equal(200);
    ((all.body.collection as Obj).paging as Obj).should.containEql({ page: 1, limit: 2, total_count: 5, page_total: 3 });
    const rows = ((all.body.results as Obj).data as Obj).rsis as Obj[];
    rows.map((r) => r.RSI).should.eql(['CON-10Y', 'FAX-3Y']);
    rows[0].should.containEql({ RSIID: 4002, RetYears: 10, ActionCode: '32', DateToUse: 'Record Date' });
    const one = await get('v2/rsis/4004');
    (((one.body.results as Obj).data as Obj).rsis as Obj[])[0].should.containEql({ RSI: 'REV-30D', RetDays: 30, ActionCode: '1' });
    (await get('v2/rsis/9')).body.should.eql({ results: { ok: false, errMsg: 'RSI 9 does not exist.', id: 0 } });
    (await get('v1/nodes/2203/rsis')).body.should.eql({ data: [{ class_id: 3001, rsi: 'INV-7Y' }], definitions: {} });
    const details = await get('v1/nodes/2203/rsi/INV-7Y/GetRSIDetails');
    const d = (details.body.data as Obj[])[0];
    const recordDate = String(((await rmOf(2203)).data as Obj[])[0].record_date);
    const expected = new Date(recordDate + 'T00:00:00Z');
    expected.setUTCFullYear(expected.getUTCFullYear() + 7);
    d.should.containEql({ Stage: 'DESTROY', ActionToPerform: 32, CalculatedDate: expected.toISOString().slice(0, 10), DateToUseValue: recordDate });
    const names = await get('v1/rsis');
    (names.body['fast:codes'] as Obj[]).map((x) => x.name).should.eql(['CON-10Y', 'FAX-3Y', 'GOV-PERM', 'INV-7Y', 'REV-30D']);
  });

  it('assigns an RSI by name and lists RSI items and classified items', async () => {
    const bad = await call(h.csUrl, 'v1/nodes/2203/rmclassifications/3001/rsis', { method: 'POST', ticket: t, query: { rsi: 'NOPE' } });
    bad.status.should.equal(400);
    bad.body.should.eql({ error: 'Incorrect RSI specified.' });
    (await call(h.csUrl, 'v1/nodes/2203/rmclassifications/3001/rsis', { method: 'POST', ticket: t, query: { rsi: 'REV-30D' } })).status.should.equal(200);
    const items = await get('v2/rsiitems/4004', { limit: 1 });
    ((items.body.collection as Obj).paging as Obj).should.containEql({ total_count: 2, page_total: 2 });
    (items.body.results as Obj[]).map((i) => i.id).should.eql([2203]);
    const page2 = await get('v2/rsiitems/4004/page', { page: 2, limit: 1 });
    (page2.body.results as Obj[]).map((i) => i.id).should.eql([2204]);
    const classified = await get('v2/classifieditems/3002');
    ((classified.body.results as Obj).contents as Obj[]).map((i) => i.id).should.eql([2201, 2205]);
    (await get('v2/classifieditems/1')).status.should.equal(400);
  });

  it('lists the RM codes and the classification volume', async () => {
    const codes = await get('v2/recordsmanagement/rmcodes');
    const data = (codes.body.results as Obj).data as Record<string, { values: Obj[] }>;
    data.status.values.map((v) => v.code).should.containEql('FINAL');
    data.hold_type.values.map((v) => v.code).should.eql(['LEGAL', 'AUDIT', 'REGULATORY']);
    (await get('v2/classificationvolume')).body.should.eql({ id: 3000, name: 'Classifications', type: 198 });
  });
});
