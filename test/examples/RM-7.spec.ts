/**
 * Example RM-7 "User acknowledgment and workflow escalation", deployed as shipped with its window
 * shortened through RM7_ESCALATE_AFTER_MS: the flow starts the "Records Acknowledgment" task for
 * jsmith and pushes it with Acknowledge / Decline; an answer in time completes the task (sent on as
 * jsmith) and no escalation follows; without an answer the manager gets one escalation push; an
 * answer after the escalation still completes the task, once; a second answer changes nothing.
 */
import 'should';
import { useExamples, type Deployed } from '../support/examples';
import { until, type FlowNode } from '../support/nr';

type Obj = Record<string, unknown>;
interface Delivery {
  job_id: string;
  user: string;
  title: string;
  body: string;
  reference?: string;
  data?: Obj;
  actions: Array<{ id: string }>;
}
interface PushState {
  jobs: Array<{ job_id: string }>;
  byUser: Record<string, Delivery[]>;
}
interface WfProcess {
  id: number;
  mapId: number;
  status: string;
  roleInfo: Record<string, number>;
  tasks: Array<{ status: string; assignees: number[]; performer?: number; disposition?: string; comment?: string }>;
  activities: Array<{ action: string; label: string; userId: number }>;
  attachments: Array<{ original_id?: number }>;
}

const EXAMPLE = 'Records Management → Push/RM-7 User acknowledgment and workflow escalation';
const SECRET = 'sandbox-webhook-secret-rm7';
const PATH = '/opentext/rm7/push-responses';
const JSMITH = 1002;

describe('example RM-7 User acknowledgment and workflow escalation', function () {
  this.timeout(60000);
  const h = useExamples();
  let d: Deployed;
  const errors: Obj[] = [];

  const push = () => h.sb.sb.state('push') as PushState;
  const asks = () => (push().byUser.jsmith || []).filter((x) => x.title.startsWith('Records task:'));
  const escalations = () => (push().byUser.mboss || []).filter((x) => x.title.startsWith('Escalation:'));
  const escalationJobs = () => new Set(escalations().map((x) => x.job_id)).size;
  const processes = () => (h.sb.sb.state('workflow') as { processes: WfProcess[] }).processes;
  const proc = (id: number) => processes().find((p) => p.id === id)!;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  async function control(path: string, body: Obj): Promise<{ status: number; body: Obj }> {
    const r = await fetch(`${h.sb.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: r.status, body: (await r.json()) as Obj };
  }

  /** Clicks the inject; resolves with the process id once the assignee has the push. */
  async function assign(): Promise<number> {
    const before = asks().length;
    d.trigger('rm7_in');
    await until(() => asks().length === before + 1, 8000, 'the push to the assignee');
    const ask = asks()[asks().length - 1];
    const pid = Number(String(ask.reference).replace(/^rm7:/, ''));
    ask.data!.should.eql({ processId: pid, recordId: 2201 });
    return pid;
  }

  async function answer(pid: number, action: string): Promise<void> {
    const r = await control('/_sandbox/push-response', { reference: `rm7:${pid}`, user: 'jsmith', action });
    r.status.should.equal(200, JSON.stringify(r.body));
    r.body.webhook!.should.be.true();
  }

  async function load(windowMs: number) {
    process.env.RM7_ESCALATE_AFTER_MS = String(windowMs);
    const probe: FlowNode[] = [
      { id: 't_catch', type: 'catch', z: 'rm7_tab', scope: null, uncaught: false, wires: [['t_errors']] },
      { id: 't_errors', type: 'helper', z: 'rm7_tab' },
    ];
    d = await h.deploy(EXAMPLE, { extraCredentials: { rm7_answers: { secret: SECRET } }, extraNodes: probe });
    errors.length = 0;
    d.node('t_errors').on('input', (m: Obj) => errors.push(m));
    (await control('/_sandbox/webhooks', { push: d.httpBase + PATH, secret: SECRET })).status.should.equal(200);
  }

  afterEach(() => {
    delete process.env.RM7_ESCALATE_AFTER_MS;
  });

  it('starts the task for jsmith and asks with buttons; an answer in time completes it and nothing is escalated', async () => {
    await load(1500);
    const pid = await assign();
    const p = proc(pid);
    p.mapId.should.equal(3907);
    p.status.should.equal('active');
    p.tasks.filter((t) => t.status === 'active').map((t) => t.assignees).should.eql([[JSMITH]]);
    p.attachments.map((a) => a.original_id).should.eql([2201]);
    const ask = asks()[0];
    ask.title.should.equal('Records task: Confirm the classification of Contract ACME 2024.pdf');
    ask.actions.map((a) => a.id).should.eql(['acknowledge', 'decline']);

    await answer(pid, 'acknowledge');
    await until(() => proc(pid).status === 'completed', 8000, 'the task completed');
    const done = proc(pid).tasks.find((t) => t.status === 'done')!;
    done.performer!.should.equal(JSMITH); // sent on with the assignee's own login
    done.disposition!.should.equal('Acknowledge');
    done.comment!.should.equal('answered by push (jsmith)');
    // the window passes: no escalation
    await sleep(2000);
    escalations().should.have.length(0);
    errors.should.eql([]);
  });

  it('"decline" completes the task with that answer', async () => {
    await load(1500);
    const pid = await assign();
    await answer(pid, 'decline');
    await until(() => proc(pid).status === 'completed', 8000, 'the task completed');
    proc(pid).tasks.find((t) => t.status === 'done')!.disposition!.should.equal('Decline');
    await sleep(1800);
    escalations().should.have.length(0);
  });

  it('without an answer the manager gets one escalation push after the window; the task stays open', async () => {
    await load(300);
    const pid = await assign();
    await until(() => escalations().length > 0, 5000, 'the escalation push');
    await sleep(800);
    escalationJobs().should.equal(1);
    const e = escalations()[0];
    e.title.should.equal('Escalation: Confirm the classification of Contract ACME 2024.pdf');
    e.body.should.equal('jsmith has not answered the records task "Confirm the classification of Contract ACME 2024.pdf" (record 2201) in time. Please follow up.');
    e.reference!.should.equal(`rm7:${pid}:escalation`);
    (push().byUser.mboss || []).map((x) => x.job_id).should.have.length(2); // his two devices, one push
    proc(pid).status.should.equal('active');
    errors.should.eql([]);
  });

  it('an answer after the escalation still completes the task, once; a second answer changes nothing', async () => {
    await load(300);
    const pid = await assign();
    await until(() => escalations().length > 0, 5000, 'the escalation push');
    await answer(pid, 'acknowledge');
    await until(() => proc(pid).status === 'completed', 8000, 'the task completed');
    await answer(pid, 'decline');
    await sleep(800);
    const p = proc(pid);
    p.status.should.equal('completed');
    p.tasks.filter((t) => t.status === 'done').map((t) => t.disposition).should.eql(['Acknowledge']);
    p.activities.filter((a) => a.userId === JSMITH).should.have.length(1);
    escalationJobs().should.equal(1);
    errors.should.eql([]);
  });

  it('two tasks at once: each answer completes its own task, the unanswered one is escalated', async () => {
    await load(1500);
    const p1 = await assign();
    const p2 = await assign();
    p1.should.not.equal(p2);
    await answer(p2, 'acknowledge');
    await until(() => proc(p2).status === 'completed', 8000, 'the second task completed');
    proc(p1).status.should.equal('active');
    await until(() => escalations().length > 0, 5000, 'the escalation push');
    await sleep(500);
    escalationJobs().should.equal(1);
    escalations()[0].reference!.should.equal(`rm7:${p1}:escalation`);
  });
});
