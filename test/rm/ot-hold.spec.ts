/**
 * ot-hold ("legal hold") over real HTTP against the sandbox: a hold applied to three nodes of which
 * one does not exist (two held, one reported, Catch fired, successes stay), bulk application,
 * removal, the holds of a node, hold items across pages, listing, getting and creating holds,
 * calls against one hold never in parallel, and bad input.
 */
import should from 'should';
import { useSandbox } from '../support/sandbox';
import { useNodeRed, TAB, xecmConfig, type FlowNode } from '../support/nr';
import { sendAndCollect, type Obj } from './support';

const xecmNode = require('../../nodes/xecm/ot-xecm');
const holdNode = require('../../nodes/rm/ot-hold');

interface HoldResult {
  hold: { id: number; name: string };
  action: string;
  method: string;
  succeeded: Array<{ id: number; ok: boolean; already?: boolean }>;
  failed: Array<{ id: number; ok: boolean; error: { code: string; message: string } }>;
}

describe('ot-hold (legal hold)', () => {
  const h = useSandbox();
  const helper = useNodeRed();

  const rmState = async () => (await (await fetch(`${h.url}/_sandbox/state/rm`)).json()) as { nodeHolds: Record<string, Array<{ hold_id: number }>>; log: Array<{ op: string; node?: number; status: number }>; holds: Array<{ id: number; name: string }> };
  const heldBy = async (holdId: number) =>
    Object.entries((await rmState()).nodeHolds)
      .filter(([, l]) => l.some((x) => x.hold_id === holdId))
      .map(([k]) => Number(k))
      .sort();

  async function load(settings: Obj) {
    const cfg = xecmConfig(h.csUrl);
    const flow: FlowNode[] = [
      TAB,
      cfg.node,
      { id: 'h1', type: 'ot-hold', z: 'tab1', server: 'xecm1', operation: 'apply', hold: '', holdType: 'str', nodes: 'payload', nodesType: 'msg', bulk: true, returnAll: true, limit: 100, maxItems: 10000, ...settings, wires: [['out']] },
      { id: 'out', type: 'helper', z: 'tab1' },
      { id: 'c1', type: 'catch', z: 'tab1', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'tab1' },
    ];
    await helper.load([xecmNode, holdNode], flow, cfg.creds as never);
    return { h1: helper.getNode('h1'), out: helper.getNode('out'), caught: helper.getNode('caught') };
  }

  /** Sends a message; resolves after `settle` ms with everything that came out and everything caught. */
  const send = (n: Awaited<ReturnType<typeof load>>, msg: Obj, settle = 300) => sendAndCollect(n.h1, n, msg, settle, 10000);

  it('applies a hold to three nodes of which one does not exist: two held, one reported, Catch fired', async () => {
    const n = await load({ hold: 'Litigation 2026' });
    const r = await send(n, { payload: [2201, 999999, 2202], topic: 'matter 42' });
    r.out.should.have.length(1);
    const p = r.out[0].payload as HoldResult;
    p.hold.should.eql({ id: 5001, name: 'Litigation 2026' });
    p.method.should.equal('single');
    p.succeeded.map((s) => s.id).should.eql([2201, 2202]);
    p.failed.should.have.length(1);
    p.failed[0].should.containEql({ id: 999999, ok: false });
    p.failed[0].error.code.should.equal('OT_NOT_FOUND');
    r.out[0].topic!.should.equal('matter 42');
    // also raised to Catch, with the failures listed
    r.caught.should.have.length(1);
    r.caught[0].error.code.should.equal('OT_NOT_FOUND');
    r.caught[0].error.message.should.match(/1 of 3 node\(s\) failed \(999999: Could not get node for 999999\); 2 succeeded and stay held/);
    r.caught[0].otError.details.should.containEql({ succeeded: [2201, 2202] });
    ((r.caught[0].otError.details.failed as Obj[])[0] as Obj).should.containEql({ id: 999999 });
    // successes stay applied
    (await heldBy(5001)).should.eql([2201, 2202]);
    const ops = (await rmState()).log.map((e) => e.op).filter((o) => /hold/.test(o));
    ops.should.eql(['apply hold 5001', 'apply hold 5001']); // the bulk call was refused (nothing applied), then one by one
  });

  it('applies a hold in one bulk call, and counts a node that already has it as held', async () => {
    const n = await load({ hold: '5003', holdType: 'num' });
    const r = await send(n, { payload: [2201, 2202, 2203] });
    r.caught.should.have.length(0);
    const p = r.out[0].payload as HoldResult;
    p.method.should.equal('bulk');
    p.succeeded.map((s) => s.id).should.eql([2201, 2202, 2203]);
    (await heldBy(5003)).should.eql([2201, 2202, 2203]);
    const one = await send(n, { payload: 2201 });
    (one.out[0].payload as HoldResult).succeeded.should.eql([{ id: 2201, ok: true, already: true }]);
    const text = await send(n, { payload: '2204, 2205' });
    (text.out[0].payload as HoldResult).succeeded.map((s) => s.id).should.eql([2204, 2205]);
    await helper.unload();
    // released in one bulk call as well
    const rel = await load({ operation: 'remove', hold: '5003', holdType: 'num', comment: 'released' });
    const r2 = await send(rel, { payload: [2201, 2202, 2203] });
    (r2.out[0].payload as HoldResult).should.containEql({ action: 'remove', method: 'bulk' });
    (await heldBy(5003)).should.eql([2204, 2205]);
  });

  it('sends nothing on when every node fails, but Catch gets it', async () => {
    const n = await load({ hold: 'Audit FY2025', bulk: false });
    const r = await send(n, { payload: [999998] });
    r.out.should.have.length(0);
    r.caught.should.have.length(1);
    r.caught[0].error.code.should.equal('OT_NOT_FOUND');
    ((r.caught[0] as Obj).payload as HoldResult).failed[0].id.should.equal(999998);
  });

  it('removes a hold (release) and lists the holds of a node', async () => {
    const n = await load({ operation: 'remove', hold: 'Audit FY2025', comment: 'audit closed' });
    const r = await send(n, { payload: [2205] });
    (r.out[0].payload as HoldResult).should.containEql({ action: 'remove' });
    (await heldBy(5002)).should.eql([]);
    const again = await send(n, { payload: 2205 });
    (again.out[0].payload as HoldResult).succeeded.should.eql([{ id: 2205, ok: true, already: true }]);
    await helper.unload();
    const a = await load({ hold: 'Regulatory Inquiry' });
    await send(a, { payload: 2200 });
    await helper.unload();
    const list = await load({ operation: 'nodeHolds' });
    const l = await send(list, { payload: 2203 });
    (l.out[0].payload as Obj[]).should.eql([{ hold_id: 5003, hold_name: 'Regulatory Inquiry', hold_type: 'REGULATORY', applied: 'Inherited', on: 2200, date_applied: (l.out[0].payload as Obj[])[0].date_applied, applied_by: 'Admin', removable: false }]);
    l.out[0].nodeId!.should.equal(2203);
  });

  it('lists the items under a hold across pages', async () => {
    const a = await load({ hold: 'Litigation 2026', bulk: false });
    await send(a, { payload: [2201, 2202, 2203, 2204, 2205] });
    await helper.unload();
    const n = await load({ operation: 'items', hold: 'Litigation 2026', limit: 2 });
    const r = await send(n, {});
    (r.out[0].payload as Obj[]).map((i) => i.id).should.eql([2201, 2202, 2203, 2204, 2205]);
    r.out[0].totalCount!.should.equal(5);
    (r.out[0].hold as Obj).should.containEql({ id: 5001, name: 'Litigation 2026' });
    await helper.unload();
    const one = await load({ operation: 'items', hold: 'Litigation 2026', limit: 2, returnAll: false });
    const p3 = await send(one, { page: 3 });
    (p3.out[0].payload as Obj[]).map((i) => i.id).should.eql([2205]);
  });

  it('lists all holds (paged, return all), gets one and creates one', async () => {
    const n = await load({ operation: 'list', limit: 2 });
    const r = await send(n, {});
    (r.out[0].payload as Obj[]).map((x) => x.name).should.eql(['Litigation 2026', 'Audit FY2025', 'Regulatory Inquiry']);
    (r.out[0].payload as Obj[])[1].should.containEql({ id: 5002, type: 'AUDIT', active: true });
    await helper.unload();
    const g = await load({ operation: 'get', hold: 'payload', holdType: 'msg' });
    ((await send(g, { payload: 'Regulatory Inquiry' })).out[0].payload as Obj).should.containEql({ id: 5003, type: 'REGULATORY' });
    ((await send(g, { payload: 5001 })).out[0].payload as Obj).should.containEql({ name: 'Litigation 2026' });
    (await send(g, { payload: 'No such hold' })).caught[0].error.code.should.equal('OT_NOT_FOUND');
    await helper.unload();
    const c = await load({ operation: 'create', holdName: '{{payload.matter}}', kind: 'LEGAL', comment: 'opened by flow' });
    const created = await send(c, { payload: { matter: 'Matter 77' } });
    const hold = created.out[0].payload as Obj;
    hold.should.containEql({ name: 'Matter 77', type: 'LEGAL', comment: 'opened by flow', active: true });
    (await rmState()).holds.map((x) => x.name).should.containEql('Matter 77');
    const dup = await send(c, { payload: { matter: 'Matter 77' } });
    dup.caught[0].error.code.should.equal('OT_CONFLICT');
  });

  it('never runs calls against the same hold in parallel, also from two messages', async () => {
    await fetch(`${h.url}/_sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rules: [{ route: 'POST .*/v1/nodes/\\d+/holds$', probability: 1, kind: 'latency', ms: 80 }] }) });
    const n = await load({ hold: 'Litigation 2026', bulk: false });
    const outs: Obj[] = [];
    n.out.on('input', (m: Obj) => outs.push(m));
    const t0 = Date.now();
    n.h1.receive({ payload: [2201, 2202] });
    n.h1.receive({ payload: [2203, 2204] });
    const end = Date.now() + 10000;
    while (outs.length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    outs.should.have.length(2);
    // each call waits 80 ms in the sandbox: one after the other, the four take at least 320 ms
    // (two at a time would take 160 ms); a lower bound, so a loaded machine cannot make it fail
    (Date.now() - t0).should.be.aboveOrEqual(4 * 80 - 5);
    // the messages do not interleave; which goes first depends on its hold name lookup
    const order = (await rmState()).log.filter((e) => e.op === 'apply hold 5001').map((e) => e.node);
    order.should.be.oneOf([2201, 2202, 2203, 2204], [2203, 2204, 2201, 2202]);
  });

  it('rejects bad input', async () => {
    const noHold = await load({ hold: '' });
    const a = await send(noHold, { payload: [2201] });
    a.caught[0].error.code.should.equal('OT_INVALID_INPUT');
    a.caught[0].error.message.should.match(/the hold is required/);
    await helper.unload();
    const n = await load({ hold: 'Litigation 2026' });
    const b = await send(n, { payload: ['2201', 'abc'] });
    b.caught[0].error.code.should.equal('OT_INVALID_INPUT');
    b.caught[0].error.message.should.match(/nodes\[1\] must be a positive whole number/);
    const c = await send(n, { payload: [] });
    c.caught[0].error.code.should.equal('OT_INVALID_INPUT');
    should.not.exist((await rmState()).nodeHolds['2201']);
    await helper.unload();
    const create = await load({ operation: 'create', holdName: '' });
    (await send(create, {})).caught[0].error.message.should.match(/hold name is required/);
  });
});
