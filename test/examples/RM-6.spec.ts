/**
 * Example RM-6 "Audit and certification reminders", deployed as shipped: two certification rounds
 * are started from the flow; assignees certify some of their tasks in Content Server (as
 * themselves); the weekly reminder then sends exactly one push to each assignee with an open task,
 * listing their tasks, and none to the assignee who has certified everything; with no round running
 * nobody is reminded.
 */
import 'should';
import { useExamples, type Deployed } from '../support/examples';
import { nextMessage, until, type FlowNode } from '../support/nr';
import { cs, csLogin } from '../sandbox/cs-support';
import type { Obj, PushState } from './RM-support';


const EXAMPLE = 'Records Management → Push/RM-6 Audit and certification reminders';
const PASSWORDS: Record<string, string> = { jsmith: 'sandbox-jsmith', cclerk: 'sandbox-clerk', rmanager: 'sandbox-rm' };

describe('example RM-6 Audit and certification reminders', function () {
  this.timeout(60000);
  const h = useExamples();
  let d: Deployed;

  const push = () => h.sb.sb.state('push') as PushState;
  /** Reminder pushes per user (one job = one reminder). */
  const reminders = () => Object.fromEntries(Object.entries(push().byUser).map(([u, ds]) => [u, [...new Set(ds.map((x) => x.job_id))].length]));

  async function startRound(): Promise<number> {
    const started = nextMessage<{ processId: number }>(d.node('t_started'), 10000);
    d.trigger('rm6_round');
    return (await started).processId;
  }

  /** Runs the weekly reminder; resolves once the open tasks were read and the pushes settled. */
  async function remind(expectedJobs: number): Promise<void> {
    const listed = nextMessage(d.node('t_listed'), 10000);
    d.trigger('rm6_weekly');
    await listed;
    await until(() => push().jobs.length === expectedJobs, 5000, `${expectedJobs} reminder pushes`);
    await new Promise((r) => setTimeout(r, 300));
    push().jobs.should.have.length(expectedJobs);
  }

  /** The user certifies their task of a process in Content Server, as themselves. */
  async function certify(user: string, processId: number): Promise<void> {
    const ticket = await csLogin(h.sb.csUrl, user, PASSWORDS[user]);
    const r = await cs(h.sb.csUrl, 'v2/members/assignments', { ticket });
    r.status.should.equal(200);
    const all: Obj[] = [];
    for (const res of (r.body.results as Obj[]) || []) {
      const data = (res as Obj).data;
      for (const g of Array.isArray(data) ? data : [data]) {
        const a = (g as Obj)?.assignments;
        for (const x of Array.isArray(a) ? a : a ? [a] : []) all.push(x as Obj);
      }
    }
    const task = all.find((a) => a.workflow_id === processId);
    if (!task) throw new Error(`${user} has no task of process ${processId}`);
    const put = await cs(h.sb.csUrl, `v2/processes/${processId}/subprocesses/${task.workflow_subworkflow_id}/tasks/${task.workflow_subworkflow_task_id}`, { method: 'PUT', ticket, form: { custom_action: 'Certify' } });
    put.status.should.equal(200, JSON.stringify(put.body));
  }

  beforeEach(async () => {
    const probe: FlowNode[] = [
      { id: 't_c1', type: 'complete', z: 'rm6_tab', scope: ['rm6_start'], uncaught: false, wires: [['t_started']] },
      { id: 't_started', type: 'helper', z: 'rm6_tab' },
      { id: 't_c2', type: 'complete', z: 'rm6_tab', scope: ['rm6_open'], uncaught: false, wires: [['t_listed']] },
      { id: 't_listed', type: 'helper', z: 'rm6_tab' },
    ];
    d = await h.deploy(EXAMPLE, { extraNodes: probe });
  });

  it('each assignee with an open task gets exactly one reminder; one who certified everything gets none', async () => {
    const p1 = await startRound();
    const p2 = await startRound();
    await certify('jsmith', p1);
    await certify('jsmith', p2);
    await certify('cclerk', p1);

    await remind(2);
    reminders().should.eql({ rmanager: 1, cclerk: 1 });
    (push().byUser.jsmith === undefined).should.be.true();
    const rm = push().byUser.rmanager;
    rm.should.have.length(2); // one reminder, on both of his devices
    rm[0].title.should.equal('Reminder: 2 certification tasks are open');
    rm[0].body.should.containEql(`Certify records – Records Certification #${p1}`).and.containEql(`#${p2}`);
    (rm[0].data!.tasks as Obj[]).map((t) => t.processId).sort().should.eql([p1, p2].sort());
    const cc = push().byUser.cclerk;
    cc.should.have.length(1);
    cc[0].title.should.equal('Reminder: 1 certification task is open');
    cc[0].body.should.containEql(`#${p2}`).and.not.containEql(`#${p1}`);
    cc[0].body.should.match(/\(due \d{4}-\d{2}-\d{2}\)/);
  });

  it('nobody is reminded when no certification task is open', async () => {
    await remind(0);
    const p = await startRound();
    for (const u of ['jsmith', 'cclerk', 'rmanager']) await certify(u, p);
    await remind(0);
    reminders().should.eql({});
  });
});
