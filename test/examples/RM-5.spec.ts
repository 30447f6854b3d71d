/**
 * Example RM-5 "Disposition execution notifications", deployed as shipped: the weekly run disposes
 * the due records (one destroyed, one changed status), leaves the record under hold untouched and
 * reports it as blocked, finishes the review and sends one summary push with the counts; after the
 * hold is released the next run completes it; with nothing due no push goes out.
 */
import 'should';
import { useExamples, type Deployed } from '../support/examples';
import { nextMessage, until, type FlowNode } from '../support/nr';
import { cs, csLogin } from '../sandbox/cs-support';

type Obj = Record<string, unknown>;
interface Job {
  job_id: string;
  reference?: string;
  notification: { title: string; body: string };
  recipients: Array<{ recipient: string }>;
  deliveries: Array<{ user: string }>;
  data?: Obj;
}
interface RmState {
  records: Record<string, { fields: Obj }>;
  nodeHolds: Record<string, Array<{ hold_id: number }>>;
  snapshots: Array<Obj & { search_id?: number; review_status?: string }>;
}

const EXAMPLE = 'Records Management → Push/RM-5 Disposition execution notifications';

describe('example RM-5 Disposition execution notifications', function () {
  this.timeout(60000);
  const h = useExamples();
  let d: Deployed;

  const jobs = () => (h.sb.sb.state('push') as { jobs: Job[] }).jobs;
  const rm = () => h.sb.sb.state('rm') as RmState;
  const exists = (id: number) => (h.sb.sb.state('cs') as { nodes: Array<{ id: number }> }).nodes.some((n) => n.id === id);
  const usersOf = (j: Job) => [...new Set(j.deliveries.map((x) => x.user))].sort();

  /** Runs the flow from its inject; resolves when the run ended with a summary push or with "nothing scheduled". */
  async function run(): Promise<'summary' | 'nothing'> {
    const before = jobs().length;
    const nothing = nextMessage(d.node('t_nothing'), 20000).then(() => 'nothing' as const);
    const finished = nextMessage(d.node('t_finished'), 20000).then(() => 'summary' as const);
    d.trigger('rm5_start');
    const how = await Promise.race([nothing, finished]);
    nothing.catch(() => undefined);
    finished.catch(() => undefined);
    if (how === 'summary') jobs().length.should.equal(before + 1);
    return how;
  }

  beforeEach(async () => {
    const probe: FlowNode[] = [
      { id: 't_c1', type: 'complete', z: 'rm5_tab', scope: ['rm5_nothing'], uncaught: false, wires: [['t_nothing']] },
      { id: 't_nothing', type: 'helper', z: 'rm5_tab' },
      { id: 't_c2', type: 'complete', z: 'rm5_tab', scope: ['rm5_finish'], uncaught: false, wires: [['t_finished']] },
      { id: 't_finished', type: 'helper', z: 'rm5_tab' },
      { id: 't_c3', type: 'catch', z: 'rm5_tab', scope: null, uncaught: false, wires: [['t_errors']] },
      { id: 't_errors', type: 'helper', z: 'rm5_tab' },
    ];
    d = await h.deploy(EXAMPLE, { extraNodes: probe });
  });

  it('disposes what is due, reports the held record as blocked, and sends one summary with the counts', async () => {
    const errors: Obj[] = [];
    d.node('t_errors').on('input', (m: Obj) => errors.push(m));
    (await run()).should.equal('summary');
    // completed: destroyed, and status changed by the review stage; the held record is untouched
    exists(2203).should.be.false();
    rm().records['2204'].fields.status!.should.equal('REVIEW');
    exists(2205).should.be.true();
    rm().records['2205'].fields.status!.should.equal('ACTIVE');
    rm().nodeHolds['2205'].map((x) => x.hold_id).should.eql([5002]);
    // the records that are not due are untouched
    for (const id of [2201, 2202]) exists(id).should.be.true();

    jobs().should.have.length(1);
    const s = jobs()[0];
    s.notification.title.should.equal('Disposition finished, 1 blocked: Annual Disposition');
    s.notification.body.should.equal('Scheduled: 3, completed: 2, blocked: 1, failed: 0. Blocked: Vendor agreement Globex.pdf (under hold: Audit FY2025).');
    s.data!.should.containEql({ searchId: 6001, scheduled: 3, completed: 2, blocked: 1, failed: 0 });
    s.recipients.map((r) => r.recipient).should.eql(['group:records-managers', 'group:compliance', 'group:legal']);
    usersOf(s).should.eql(['acompliance', 'lcounsel', 'rmanager']);
    // the review of the snapshot is finished
    const snaps = rm().snapshots.filter((x) => x.search_id === 6001);
    snaps.should.have.length(1);
    snaps[0].review_status!.should.equal('Review Complete');
    errors.should.eql([]);
  });

  it('after the hold is released the next run completes the record; with nothing due no push goes out', async () => {
    (await run()).should.equal('summary');
    // legal releases the audit hold on the vendor agreement
    const ticket = await csLogin(h.sb.csUrl);
    (await cs(h.sb.csUrl, 'v1/nodes/2205/holds/5002', { method: 'DELETE', ticket })).status.should.equal(200);
    h.sb.sb.app.advanceClock(60000);

    (await run()).should.equal('summary');
    exists(2205).should.be.false();
    const second = jobs()[1];
    second.notification.title.should.equal('Disposition completed: Annual Disposition');
    second.notification.body.should.equal('Scheduled: 1, completed: 1, blocked: 0, failed: 0.');
    second.recipients.map((r) => r.recipient).should.eql(['group:records-managers', 'group:compliance']);
    usersOf(second).should.eql(['acompliance', 'rmanager']);

    h.sb.sb.app.advanceClock(60000);
    (await run()).should.equal('nothing');
    await new Promise((r) => setTimeout(r, 200));
    jobs().should.have.length(2);
    await until(() => rm().snapshots.filter((x) => x.search_id === 6001).length === 3, 2000, 'the third snapshot');
  });
});
