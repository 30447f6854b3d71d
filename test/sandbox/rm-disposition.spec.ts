/**
 * Sandbox: Records Management disposition — the disposition searches of the Dispositions
 * workspace, running a search into a snapshot over the simulated clock, the snapshot's items,
 * review decisions, performing the actions (items under a hold are blocked and untouched) and
 * finishing the review. Many requests here are deliberately wrong, so this sandbox does not record.
 */
import should from 'should';
import { useSandbox } from '../support/sandbox';
import { cs as call, csLogin as login, Obj } from './cs-support';
import { until } from '../support/nr';

describe('sandbox: Records Management disposition', () => {
  const h = useSandbox({ record: false });
  let t = '';
  beforeEach(async () => {
    t = await login(h.csUrl);
  });
  const get = (path: string, q?: Record<string, string | number>) => call(h.csUrl, path, { ticket: t, query: q });
  const snapshots = async (id: number) => ((await get(`v2/snapshottable/${id}`)).body.data as Obj[]).map((d) => d.data as Obj);
  const run = async (id: number): Promise<string> => {
    const before = (await snapshots(id)).length;
    const r = await call(h.csUrl, `v1/nodes/${id}/startdispsearch`, { method: 'POST', ticket: t });
    r.status.should.equal(200);
    await until(async () => {
      const s = await snapshots(id);
      return s.length > before && s[0].snapshot_status === 'Completed';
    }, 5000, 'snapshot');
    return String((await snapshots(id))[0].qdate);
  };
  const items = async (id: number, qdate: string) => ((await get(`v2/nodes/${id}/disposition-snapshots/qdate/${encodeURIComponent(qdate)}`, { limit: 100 })).body.results as Obj).data as Obj[];
  const itemsData = async (id: number, qdate: string) => (await items(id, qdate)).map((i) => i.data as Obj);
  const bodyDate = (qdate: string) => 'D/' + qdate.replace('T', ':');

  it('lists the disposition searches of the Dispositions workspace', async () => {
    const r = await get('v2/dispositionscontainer/0');
    r.status.should.equal(200);
    (r.body.data as Obj[]).map((d) => (d.data as Obj).name).should.eql(['Annual Disposition', 'Fax Disposition']);
    (r.body.paging as Obj).should.containEql({ total_count: 2 });
    const jsmith = await login(h.csUrl, 'jsmith', 'sandbox-jsmith');
    (await call(h.csUrl, 'v2/dispositionscontainer/0', { ticket: jsmith })).status.should.equal(400);
    (await get('v2/dispositionscontainer/42')).body.should.eql({ error: "Insufficient See-Content access permissions to Disposition's Container object" });
  });

  it('runs a search into a snapshot of the records due by the simulated clock', async () => {
    const r = await call(h.csUrl, 'v1/nodes/6001/startdispsearch', { method: 'POST', ticket: t });
    r.status.should.equal(200);
    const running = await snapshots(6001);
    running[0].should.containEql({ snapshot_status: 'Running', record_count: 0 });
    const again = await call(h.csUrl, 'v1/nodes/6001/startdispsearch', { method: 'POST', ticket: t });
    again.status.should.equal(400);
    await until(async () => (await snapshots(6001))[0].snapshot_status === 'Completed', 5000, 'snapshot');
    const snap = (await snapshots(6001))[0];
    snap.should.containEql({ snapshot_status: 'Completed', review_status: 'Not Reviewed', record_count: 3 });
    String(snap.qdate).should.match(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    const list = await itemsData(6001, String(snap.qdate));
    list.map((i) => i.id).should.eql([2203, 2204, 2205]);
    list[0].should.containEql({ disp_action: '32', stage_count: 1, review_decision: 0, action_performed: 0, class_id: 3001 });
    list[1].should.containEql({ disp_action: '1', action_info: 'REVIEW' });
    (await get('v1/nodes/999/startdispsearch')).status.should.equal(400);
    (await call(h.csUrl, 'v1/nodes/999/startdispsearch', { method: 'POST', ticket: t })).body.should.eql({ error: 'Could not get node for 999' });
    (await get('v2/snapshottable/999')).body.should.eql({ error: 'Could not get snapshots' });
  });

  it('moves with the simulated clock: later runs find more due records', async () => {
    const q1 = await run(6001);
    (await itemsData(6001, q1)).should.have.length(3);
    const c = await fetch(`${h.url}/_sandbox/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: `${9 * 366}d` }) });
    c.status.should.equal(200);
    t = await login(h.csUrl); // the old ticket's idle time ran out with the clock
    const q2 = await run(6001);
    q2.should.not.equal(q1);
    (await itemsData(6001, q2)).map((i) => i.id).should.eql([2201, 2203, 2204, 2205]);
    const fax = await run(6002);
    (await itemsData(6002, fax)).should.eql([]);
  });

  it('performs approved actions: destroys, changes status, and blocks items under hold', async () => {
    const q = await run(6001);
    const missing = await call(h.csUrl, 'v1/members/1000/disposition/changereviewdecision', { ticket: t, form: { dispNodeID: 6001, decision: 'approve', applyTo: 'allPages' } });
    missing.status.should.equal(400);
    missing.body.should.eql({ error: "Missing required parameter 'qDate'." });
    const noList = await call(h.csUrl, 'v1/members/1000/disposition/changereviewdecision', { ticket: t, form: { dispNodeID: 6001, qDate: bodyDate(q), decision: 'approve' } });
    noList.status.should.equal(400);
    const badItem = await call(h.csUrl, 'v1/members/1000/disposition/changereviewdecision', { ticket: t, body: { dispNodeID: 6001, qDate: bodyDate(q), decision: 'approve', objIdList: ['2201_1'] } });
    badItem.status.should.equal(400);
    badItem.body.should.eql({ error: "Item '2201_1' is not in this disposition snapshot." });
    const noMember = await call(h.csUrl, 'v1/members/424242/disposition/changereviewdecision', { ticket: t, body: { dispNodeID: 6001, qDate: bodyDate(q), decision: 'approve', applyTo: 'allPages' } });
    noMember.body.should.eql({ error: 'Could not get a member for 424242' });
    const approve = await call(h.csUrl, 'v1/members/1000/disposition/changereviewdecision', { ticket: t, body: { dispNodeID: 6001, qDate: bodyDate(q), decision: 'approve', applyTo: 'thisPage', objIdList: ['2203_1', '2204_1', '2205_1'] } });
    approve.status.should.equal(200);
    (await itemsData(6001, q)).map((i) => i.review_decision).should.eql([1, 1, 1]);
    const perform = await call(h.csUrl, 'v1/members/1000/disposition/performactions', { ticket: t, form: { dispNodeID: 6001, qdate: bodyDate(q), applyto: 'allPages' } });
    perform.status.should.equal(200);
    const after = await itemsData(6001, q);
    after.map((i) => `${i.id}:${i.action_performed}`).should.eql(['2203:1', '2204:1', '2205:0']);
    // destroyed: the node is gone
    (await get('v1/nodes/2203/rmclassifications')).body.should.eql({ error: 'Could not get node for 2203' });
    // status changed by the REVIEW stage
    const r2204 = ((await get('v1/nodes/2204/rmclassifications')).body.data as Obj[])[0];
    r2204.should.containEql({ status: 'REVIEW' });
    // the held item is untouched
    ((await get('v1/nodes/2205/rmclassifications')).body.data as Obj[])[0].should.containEql({ status: 'ACTIVE', rmclassification_id: 3002 });
    const snap = (await snapshots(6001))[0];
    snap.should.containEql({ actioned_count: 2, review_status: 'In Review' });
    (await call(h.csUrl, 'v1/members/1000/disposition/finishreview', { ticket: t, form: { dispNodeID: 6001, qdate: bodyDate(q) } })).status.should.equal(200);
    (await snapshots(6001))[0].should.containEql({ review_status: 'Review Complete' });
  });

  it('does not act on rejected or pending items, and a hold on a container blocks its records', async () => {
    const q = await run(6001);
    (await call(h.csUrl, 'v1/nodes/2200/holds', { ticket: t, form: { hold_id: 5001 } })).status.should.equal(200);
    await call(h.csUrl, 'v1/members/1000/disposition/changereviewdecision', { ticket: t, body: { dispNodeID: 6001, qDate: q, decision: 'reject', objIdList: ['2204_1'] } });
    await call(h.csUrl, 'v1/members/1000/disposition/changereviewdecision', { ticket: t, body: { dispNodeID: 6001, qDate: q, decision: 'approve', objIdList: ['2203_1'] } });
    (await call(h.csUrl, 'v1/members/1000/disposition/performactions', { ticket: t, body: { dispNodeID: 6001, qdate: q, applyto: 'thisPage', objIdList: ['2203_1', '2204_1', '2205_1'] } })).status.should.equal(200);
    (await itemsData(6001, q)).map((i) => i.action_performed).should.eql([0, 0, 0]);
    should.exist(((await get('v1/nodes/2203/rmclassifications')).body.data as Obj[])[0]);
  });
});
