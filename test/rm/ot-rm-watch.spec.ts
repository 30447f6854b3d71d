/**
 * ot-rm-watch over real HTTP against the sandbox: hold changes (added, removed) and upcoming
 * review dates / retention milestones reported once each, also across a redeploy (same context);
 * a moved review date reported again; per-owner and per-poll output; new disposition snapshots;
 * failed polls reach Catch.
 */
import should from 'should';
import { useSandbox } from '../support/sandbox';
import { useNodeRed, nextMessage, TAB, xecmConfig, type FlowNode } from '../support/nr';

const xecmNode = require('../../nodes/xecm/ot-xecm');
const watchNode = require('../../nodes/rm/ot-rm-watch');

type Obj = Record<string, unknown>;
interface Ev {
  event: string;
  key: string;
  nodeId?: number;
  name?: string;
  holdName?: string;
  date?: string;
  daysLeft?: number;
  overdue?: boolean;
  owner?: { id: number; name?: string };
  qdate?: string;
}

const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86400000).toISOString().slice(0, 10);

describe('ot-rm-watch (RM watch)', () => {
  const h = useSandbox();
  const helper = useNodeRed();
  let flow: FlowNode[] = [];
  let creds: Record<string, Record<string, string>> = {};

  async function load(settings: Obj) {
    const cfg = xecmConfig(h.csUrl);
    creds = cfg.creds;
    flow = [
      TAB,
      cfg.node,
      { id: 'w1', type: 'ot-rm-watch', z: 'tab1', server: 'xecm1', mode: 'holds', interval: 0, holds: '', emitExisting: false, days: 7, review: true, retention: true, overdue: true, rsis: '', classes: '', searches: '', output: 'item', ...settings, wires: [['out']] },
      { id: 'out', type: 'helper', z: 'tab1' },
      { id: 'done1', type: 'complete', z: 'tab1', scope: ['w1'], uncaught: false, wires: [['polled']] },
      { id: 'polled', type: 'helper', z: 'tab1' },
      { id: 'c1', type: 'catch', z: 'tab1', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'tab1' },
    ];
    await helper.load([xecmNode, watchNode], flow, creds as never);
  }

  /** Redeploys the same flow (a full deploy: the nodes restart, their context stays). */
  async function redeploy() {
    await helper.setFlows(flow, 'full', creds as never);
  }

  /** Polls now and resolves, once the poll is done, with the messages it sent. */
  async function poll(msg: Obj = { payload: 'poll' }): Promise<Obj[]> {
    const got: Obj[] = [];
    const out = helper.getNode('out');
    const onMsg = (m: Obj) => got.push(m);
    out.on('input', onMsg);
    try {
      const done = nextMessage(helper.getNode('polled'), 15000);
      helper.getNode('w1').receive(msg);
      await done;
      await new Promise((r) => setTimeout(r, 30));
    } finally {
      out.removeListener('input', onMsg);
    }
    return got;
  }

  let ticket = '';
  async function cs(method: string, path: string, form?: Record<string, string | number>) {
    if (!ticket) {
      const r = await fetch(`${h.csUrl}/v1/auth`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=Admin&password=sandbox-admin' });
      ticket = String(((await r.json()) as Obj).ticket);
    }
    const body = form ? new URLSearchParams(Object.entries(form).map(([k, v]) => [k, String(v)])).toString() : undefined;
    const r = await fetch(`${h.csUrl}/${path}`, { method, headers: { OTCSTicket: ticket, ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) }, body });
    r.status.should.equal(200, `${method} ${path}: ${await r.clone().text()}`);
    return (await r.json()) as Obj;
  }
  beforeEach(() => {
    ticket = '';
  });

  it('reports items added to and removed from a hold once each, also across a redeploy', async () => {
    await load({ mode: 'holds', holds: 'Litigation 2026' });
    (await poll()).should.have.length(0); // the first poll takes the current items as known
    await cs('POST', 'v1/nodes/2201/holds', { hold_id: 5001 });
    await cs('POST', 'v1/nodes/2202/holds', { hold_id: 5001 });
    const added = await poll();
    added.map((m) => m.topic).should.eql(['hold-added', 'hold-added']);
    const [a1, a2] = added.map((m) => m.payload as Ev);
    a1.should.containEql({ event: 'hold-added', key: 'hold:5001:2201', nodeId: 2201, name: 'Contract ACME 2024.pdf', holdName: 'Litigation 2026' });
    a1.owner!.should.eql({ id: 1003, name: 'lcounsel' });
    a2.should.containEql({ nodeId: 2202 });
    (await poll()).should.have.length(0);
    // a change while the flow is being redeployed is still reported (the memory survived), once
    await cs('POST', 'v1/nodes/2203/holds', { hold_id: 5001 });
    await redeploy();
    (await poll()).map((m) => (m.payload as Ev).key).should.eql(['hold:5001:2203']);
    (await poll()).should.have.length(0);
    await cs('DELETE', 'v1/nodes/2201/holds/5001');
    const removed = await poll();
    removed.should.have.length(1);
    (removed[0].payload as Ev).should.containEql({ event: 'hold-removed', nodeId: 2201, holdName: 'Litigation 2026' });
    await redeploy();
    (await poll()).should.have.length(0);
    // applied again: a new event
    await cs('POST', 'v1/nodes/2201/holds', { hold_id: 5001 });
    (await poll()).map((m) => (m.payload as Ev).key).should.eql(['hold:5001:2201']);
  });

  it('watches all holds, emitting the existing items when asked, as one batch', async () => {
    await load({ mode: 'holds', holds: '', emitExisting: true, output: 'batch' });
    const first = await poll();
    first.should.have.length(1);
    first[0].topic!.should.equal('holds');
    (first[0].payload as Ev[]).map((e) => e.key).should.eql(['hold:5002:2205']);
    first[0].count!.should.equal(1);
    (await poll()).should.have.length(0);
  });

  it('reports records due for review or retention within N days once, again when a date moves', async () => {
    await load({ mode: 'due', days: 7 });
    const got = (await poll()).map((m) => m.payload as Ev);
    got.map((e) => e.key).sort().should.eql(['retention:2203:DESTROY', 'retention:2204:REVIEW', 'retention:2205:DESTROY', 'review:2201', 'review:2203']);
    const r2201 = got.find((e) => e.key === 'review:2201')!;
    r2201.should.containEql({ event: 'review-due', nodeId: 2201, date: day(5), daysLeft: 5, overdue: false, name: 'Contract ACME 2024.pdf' });
    r2201.owner!.should.eql({ id: 1003, name: 'lcounsel' });
    got.find((e) => e.key === 'review:2203')!.should.containEql({ daysLeft: -2, overdue: true });
    got.some((e) => e.nodeId === 2202).should.be.false(); // its review is 20 days away
    (await poll()).should.have.length(0);
    await redeploy();
    (await poll()).should.have.length(0);
    // the review of 2201 is moved: reported again, once
    const rm = await cs('GET', 'v1/nodes/2201/rmclassifications');
    await cs('PUT', 'v1/nodes/2201/rmclassifications', { rm_metadataToken: String(rm.rm_metadataToken), next_review_date: day(3) });
    const moved = (await poll()).map((m) => m.payload as Ev);
    moved.should.have.length(1);
    moved[0].should.containEql({ key: 'review:2201', date: day(3), daysLeft: 3 });
    (await poll()).should.have.length(0);
  });

  it('groups due records per responsible owner, and counts from msg.today', async () => {
    await load({ mode: 'due', days: 7, output: 'owner' });
    const groups = await poll();
    groups.map((g) => g.topic).sort().should.eql(['owner:1001', 'owner:1003', 'owner:1006']);
    const lc = groups.find((g) => g.topic === 'owner:1003')!;
    (lc.owner as Obj).should.eql({ id: 1003, name: 'lcounsel' });
    (lc.payload as Ev[]).map((e) => e.key).sort().should.eql(['retention:2205:DESTROY', 'review:2201']);
    lc.count!.should.equal(2);
    await helper.unload();
    await load({ mode: 'due', days: 7, retention: false, overdue: false });
    const later = await poll({ today: day(15) });
    later.map((m) => (m.payload as Ev).key).should.eql(['review:2202']);
    (later[0].payload as Ev).should.containEql({ daysLeft: 5 });
  });

  it('reports everything due at every poll when asked (a daily digest)', async () => {
    await load({ mode: 'due', days: 7, retention: false, repeat: true, output: 'batch' });
    const first = await poll();
    const second = await poll();
    first.should.have.length(1);
    (first[0].payload as Ev[]).map((e) => e.key).should.eql(['review:2203', 'review:2201']);
    (second[0].payload as Ev[]).map((e) => e.key).should.eql(['review:2203', 'review:2201']);
  });

  it('limits due records to chosen RSIs or classifications', async () => {
    await load({ mode: 'due', days: 7, classes: '3001' });
    (await poll()).map((m) => (m.payload as Ev).key).sort().should.eql(['retention:2203:DESTROY', 'review:2203']);
    await helper.unload();
    await load({ mode: 'due', days: 7, rsis: '4004' });
    (await poll()).map((m) => (m.payload as Ev).key).should.eql(['retention:2204:REVIEW']);
  });

  it('reports each new disposition snapshot once', async () => {
    await load({ mode: 'snapshots', searches: '' });
    (await poll()).should.have.length(0);
    await cs('POST', 'v1/nodes/6001/startdispsearch');
    await new Promise((r) => setTimeout(r, 700));
    const got = await poll();
    got.should.have.length(1);
    (got[0].payload as Ev & Obj).should.containEql({ event: 'snapshot', searchId: 6001, searchName: 'Annual Disposition', record_count: 3 });
    await redeploy();
    (await poll()).should.have.length(0);
  });

  it('a failed poll goes to Catch; bad settings are reported', async () => {
    await load({ mode: 'holds', holds: 'No such hold' });
    const caught = nextMessage<Obj & { error: { code: string; message: string } }>(helper.getNode('caught'));
    helper.getNode('w1').receive({ payload: 'poll' });
    const c = await caught;
    c.error.code.should.equal('OT_NOT_FOUND');
    await helper.unload();
    await load({ mode: 'due', classes: 'x' });
    const bad = nextMessage<Obj & { error: { code: string; message: string } }>(helper.getNode('caught'));
    helper.getNode('w1').receive({ payload: 'poll' });
    const b = await bad;
    b.error.code.should.equal('OT_INVALID_INPUT');
    b.error.message.should.match(/classifications\[0\] must be a positive whole number/);
    should.exist(b.error);
  });
});
