/**
 * ot-disposition over real HTTP against the sandbox: list searches, run one into a snapshot, the
 * chained run -> review -> perform where one item is under hold (blocked, untouched) and the
 * others are disposed, chosen items and rejections, snapshots and items with paging, items the
 * server did not action (failed: output and Catch), and bad input.
 */
import should from 'should';
import { useSandbox } from '../support/sandbox';
import { useNodeRed, TAB, xecmConfig, type FlowNode } from '../support/nr';
import { sendAndCollect, type Obj } from './support';

const xecmNode = require('../../nodes/xecm/ot-xecm');
const dispNode = require('../../nodes/rm/ot-disposition');

interface Outcome {
  id: number;
  name: string;
  action: string;
  holds?: Array<{ hold_id: number; hold_name: string }>;
  reason?: string;
}
interface Perform {
  completed: Outcome[];
  blocked: Outcome[];
  failed: Outcome[];
  skipped: Outcome[];
}

describe('ot-disposition', () => {
  const h = useSandbox();
  const helper = useNodeRed();

  const csNodeExists = async (id: number) => ((await (await fetch(`${h.url}/_sandbox/state/cs`)).json()) as { nodes: Array<{ id: number }> }).nodes.some((n) => n.id === id);
  const rmRecords = async () => ((await (await fetch(`${h.url}/_sandbox/state/rm`)).json()) as { records: Record<string, { fields: Obj }> }).records;

  /** Nodes d1 -> d2 -> d3 (each optional) -> out, a Catch to "caught". */
  async function load(chain: Obj[]) {
    const cfg = xecmConfig(h.csUrl);
    const flow: FlowNode[] = [TAB, cfg.node];
    chain.forEach((settings, i) => {
      const next = i + 1 < chain.length ? `d${i + 2}` : 'out';
      flow.push({ id: `d${i + 1}`, type: 'ot-disposition', z: 'tab1', server: 'xecm1', operation: 'run', search: 'Annual Disposition', searchType: 'str', container: 0, qdate: 'qdate', qdateType: 'msg', items: 'all', itemsType: 'str', decision: 'approve', decisionType: 'str', waitSec: 10, includeItems: true, returnAll: true, limit: 100, maxItems: 10000, ...settings, wires: [[next]] });
    });
    flow.push({ id: 'out', type: 'helper', z: 'tab1' }, { id: 'c1', type: 'catch', z: 'tab1', scope: null, uncaught: false, wires: [['caught']] }, { id: 'caught', type: 'helper', z: 'tab1' });
    await helper.load([xecmNode, dispNode], flow, cfg.creds as never);
    return { d1: helper.getNode('d1'), out: helper.getNode('out'), caught: helper.getNode('caught') };
  }

  /** Sends a message; resolves after `settle` ms with everything that came out and everything caught. */
  const send = (n: Awaited<ReturnType<typeof load>>, msg: Obj, settle = 200) => sendAndCollect(n.d1, n, msg, settle, 15000);

  it('lists the disposition searches', async () => {
    const n = await load([{ operation: 'searches' }]);
    const r = await send(n, {});
    (r.out[0].payload as Obj[]).map((s) => `${s.id}:${s.name}`).should.eql(['6001:Annual Disposition', '6002:Fax Disposition']);
  });

  it('runs a search and waits for its snapshot, with the items', async () => {
    const n = await load([{ operation: 'run', search: '6001', searchType: 'num' }]);
    const r = await send(n, {});
    const p = r.out[0].payload as Obj & { items: Obj[] };
    p.should.containEql({ searchId: 6001, record_count: 3, complete: true, status: 'Completed' });
    p.items.map((i) => `${i.id}:${i.action_name}:${i.review_decision}`).should.eql(['2203:Destroy:pending', '2204:Change Status:pending', '2205:Destroy:pending']);
    r.out[0].qdate!.should.equal(p.qdate);
    r.out[0].searchId!.should.equal(6001);
  });

  it('run -> approve all -> perform: the held item is blocked and untouched, the others are disposed', async () => {
    const n = await load([{ operation: 'run' }, { operation: 'review', decision: 'approve' }, { operation: 'perform' }]);
    const r = await send(n, {});
    r.caught.should.have.length(0);
    const p = r.out[0].payload as Perform;
    p.completed.map((c) => `${c.id}:${c.action}`).should.eql(['2203:Destroy', '2204:Change Status']);
    p.blocked.should.have.length(1);
    p.blocked[0].should.containEql({ id: 2205, name: 'Vendor agreement Globex.pdf', reason: 'under hold: Audit FY2025' });
    p.blocked[0].holds!.should.eql([{ hold_id: 5002, hold_name: 'Audit FY2025' }]);
    p.failed.should.eql([]);
    // disposed in the sandbox: destroyed, status changed; the held record is untouched
    (await csNodeExists(2203)).should.be.false();
    const recs = await rmRecords();
    recs['2204'].fields.status!.should.equal('REVIEW');
    (await csNodeExists(2205)).should.be.true();
    recs['2205'].fields.status!.should.equal('ACTIVE');
    // and the review is finished
    await helper.unload();
    const fin = await load([{ operation: 'finish', qdate: '', qdateType: 'str' }]);
    const f = await send(fin, {});
    (f.out[0].payload as Obj).should.containEql({ review_status: 'Review Complete', actioned_count: 2, record_count: 3 });
  });

  it('reviews chosen items (reject one) and performs only what was approved', async () => {
    const run = await load([{ operation: 'run', includeItems: false }]);
    const qdate = String((await send(run, {})).out[0].qdate);
    await helper.unload();
    const n = await load([
      { operation: 'review', decision: 'approve', items: 'payload', itemsType: 'msg' },
      { operation: 'review', decision: 'decision', decisionType: 'msg', items: 'reject', itemsType: 'msg', comment: 'keep it', commentType: 'str' },
      { operation: 'perform', items: 'all' },
    ]);
    const r = await send(n, { qdate, payload: [2203, 2204], decision: 'reject', reject: [2204] });
    const p = r.out[0].payload as Perform;
    p.completed.map((c) => c.id).should.eql([2203]);
    p.skipped.map((s) => `${s.id}:${s.reason}`).should.eql(['2204:review decision is rejected', '2205:review decision is pending']);
    (await csNodeExists(2204)).should.be.true();
    (await rmRecords())['2204'].fields.status!.should.equal('ACTIVE');
  });

  it('lists snapshots and a snapshot’s items page by page; an empty snapshot setting takes the newest', async () => {
    const run = await load([{ operation: 'run' }]);
    await send(run, {});
    await helper.unload();
    const n = await load([{ operation: 'snapshots' }]);
    const s = await send(n, {});
    (s.out[0].payload as Obj[]).should.have.length(1);
    await helper.unload();
    const items = await load([{ operation: 'items', qdate: '', qdateType: 'str', limit: 2 }]);
    const r = await send(items, {});
    (r.out[0].payload as Obj[]).map((i) => i.id).should.eql([2203, 2204, 2205]);
    r.out[0].totalCount!.should.equal(3);
    await helper.unload();
    const page = await load([{ operation: 'items', qdate: '', qdateType: 'str', limit: 2, returnAll: false }]);
    ((await send(page, { page: 2 })).out[0].payload as Obj[]).map((i) => i.id).should.eql([2205]);
  });

  it('reports approved items the server did not action as failed: sent on and raised to Catch', async () => {
    const n = await load([{ operation: 'run' }, { operation: 'review', decision: 'approve' }]);
    const qdate = String((await send(n, {})).out[0].qdate);
    await helper.unload();
    // the record disappears outside of the disposition (deleted by someone)
    const login = await fetch(`${h.csUrl}/v1/auth`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=Admin&password=sandbox-admin' });
    const ticket = String(((await login.json()) as Obj).ticket);
    (await fetch(`${h.csUrl}/v2/nodes/2204`, { method: 'DELETE', headers: { OTCSTicket: ticket } })).status.should.equal(200);
    const p = await load([{ operation: 'perform' }]);
    const r = await send(p, { qdate });
    r.out.should.have.length(1);
    const res = r.out[0].payload as Perform;
    res.completed.map((c) => c.id).should.eql([2203]);
    res.blocked.map((c) => c.id).should.eql([2205]);
    res.failed.map((c) => c.id).should.eql([2204]);
    r.caught.should.have.length(1);
    r.caught[0].error.code.should.equal('OT_API');
    r.caught[0].error.message.should.match(/1 item\(s\) failed \(2204: the item no longer exists/);
    r.caught[0].otError.details.should.containEql({ completed: [2203], blocked: [2205] });
  });

  it('rejects bad input and reports what is missing', async () => {
    const unknown = await load([{ operation: 'run', search: 'No such search' }]);
    (await send(unknown, {})).caught[0].error.code.should.equal('OT_NOT_FOUND');
    await helper.unload();
    const none = await load([{ operation: 'run', search: '' }]);
    (await send(none, {})).caught[0].error.message.should.match(/disposition search is required/);
    await helper.unload();
    const noSnap = await load([{ operation: 'items', qdate: '', qdateType: 'str' }]);
    const ns = await send(noSnap, {});
    ns.caught[0].error.code.should.equal('OT_NOT_FOUND');
    ns.caught[0].error.message.should.match(/no completed snapshot yet/);
    await helper.unload();
    const run = await load([{ operation: 'run' }, { operation: 'review', decision: 'maybe' }]);
    const bad = await send(run, {});
    bad.caught[0].error.code.should.equal('OT_INVALID_INPUT');
    bad.caught[0].error.message.should.match(/approve, reject or pending/);
    await helper.unload();
    const review = await load([{ operation: 'review', qdate: '', qdateType: 'str', items: '[2203, 4242]', itemsType: 'json' }]);
    const partly = await send(review, {});
    partly.out.should.have.length(1);
    partly.caught[0].error.code.should.equal('OT_INVALID_INPUT');
    partly.caught[0].otError.details.should.eql({ notInSnapshot: [4242], reviewed: [2203] });
    await helper.unload();
    const slow = await load([{ operation: 'run', waitSec: 0 }]);
    const t = await send(slow, {});
    t.caught[0].error.code.should.equal('OT_TIMEOUT');
    should.exist(t.caught[0].otError.details);
  });
});
