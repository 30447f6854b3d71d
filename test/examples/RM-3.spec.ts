/**
 * Example RM-3 "Legal hold and release notifications", deployed as shipped: "apply Litigation 2026"
 * puts three records on hold and one push (legal, compliance, the records' owners) names the hold
 * and the record count; "release" removes the hold and a release push goes out; an apply where one
 * record does not exist holds the others, announces them, and reports the failure to legal counsel.
 */
import 'should';
import { useExamples, type Deployed } from '../support/examples';
import { nextMessage, until, type FlowNode } from '../support/nr';

type Obj = Record<string, unknown>;
interface Delivery {
  job_id: string;
  user: string;
  device: string;
  title: string;
  body: string;
  data?: Obj;
}
interface Job {
  job_id: string;
  notification: { title: string; body: string };
  recipients: Array<{ recipient: string }>;
  deliveries: Delivery[];
  data?: Obj;
}
interface PushState {
  jobs: Job[];
  byUser: Record<string, Delivery[]>;
}
interface RmState {
  nodeHolds: Record<string, Array<{ hold_id: number }>>;
}

const EXAMPLE = 'Records Management → Push/RM-3 Legal hold and release notifications';
const LITIGATION = 5001;

describe('example RM-3 Legal hold and release notifications', function () {
  this.timeout(60000);
  const h = useExamples();
  let d: Deployed;

  const push = () => h.sb.sb.state('push') as PushState;
  const holdsOf = (id: number) => ((h.sb.sb.state('rm') as RmState).nodeHolds[String(id)] || []).map((x) => x.hold_id);
  const jobsTitled = (prefix: string) => push().jobs.filter((j) => j.notification.title.startsWith(prefix));
  const usersOf = (j: Job) => [...new Set(j.deliveries.map((x) => x.user))].sort();
  /** How many notifications each user got, over all jobs. */
  const perUser = () => Object.fromEntries(Object.entries(push().byUser).map(([u, ds]) => [u, new Set(ds.map((x) => x.job_id)).size]));

  beforeEach(async () => {
    const probe: FlowNode[] = [
      { id: 't_done', type: 'complete', z: 'rm3_tab', scope: ['rm3_watch'], uncaught: false, wires: [['t_polled']] },
      { id: 't_polled', type: 'helper', z: 'rm3_tab' },
    ];
    d = await h.deploy(EXAMPLE, { extraNodes: probe });
    // the watch's first poll takes the holds as they are (nothing announced)
    const done = nextMessage(d.node('t_polled'), 15000);
    d.trigger('rm3_watch', {});
    await done;
    push().jobs.should.have.length(0);
  });

  it('apply: the records carry the hold and one push names the hold and the count; release: gone, and a release push', async () => {
    d.trigger('rm3_apply_in');
    await until(() => jobsTitled('Hold applied:').length === 1, 10000, 'the hold push');
    for (const id of [2201, 2202, 2203]) holdsOf(id).should.containEql(LITIGATION);
    const applied = jobsTitled('Hold applied:')[0];
    applied.notification.title.should.equal('Hold applied: Litigation 2026');
    applied.notification.body.should.startWith('3 records are now under the legal hold "Litigation 2026": ');
    applied.notification.body.should.containEql('Contract ACME 2024.pdf').and.containEql('Board minutes 2023-11.pdf').and.containEql('Invoice 10042.pdf');
    applied.data!.should.eql({ holdId: LITIGATION, change: 'hold-added', records: 3 });
    // legal counsel, compliance and the owners of the three records (lcounsel, mboss, rmanager)
    applied.recipients.map((r) => r.recipient).should.eql(['user:lcounsel', 'user:mboss', 'user:rmanager', 'group:legal', 'group:compliance']);
    usersOf(applied).should.eql(['acompliance', 'lcounsel', 'mboss', 'rmanager']);
    // one notification per person, even for lcounsel who is both legal counsel and an owner
    perUser().should.eql({ acompliance: 1, lcounsel: 1, mboss: 1, rmanager: 1 });
    (push().byUser.lcounsel || []).should.have.length(1);
    await new Promise((r) => setTimeout(r, 300));
    push().jobs.should.have.length(1);

    d.trigger('rm3_release_in');
    await until(() => jobsTitled('Hold released:').length === 1, 10000, 'the release push');
    for (const id of [2201, 2202, 2203]) holdsOf(id).should.not.containEql(LITIGATION);
    holdsOf(2205).should.eql([5002]); // another hold is untouched
    const released = jobsTitled('Hold released:')[0];
    released.notification.body.should.equal('The legal hold "Litigation 2026" was released from 3 records: #2201, #2202, #2203.');
    usersOf(released).should.eql(['acompliance', 'lcounsel', 'mboss', 'rmanager']);
    await new Promise((r) => setTimeout(r, 300));
    push().jobs.should.have.length(2);
  });

  it('a hold applied in Content Server by someone else is announced at the next poll', async () => {
    const login = await fetch(`${h.sb.csUrl}/v1/auth`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ username: 'lcounsel', password: 'sandbox-legal' }).toString() });
    const { ticket } = (await login.json()) as { ticket: string };
    const r = await fetch(`${h.sb.csUrl}/v1/nodes/2204/holds`, { method: 'POST', headers: { OTCSTicket: ticket, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ hold_id: '5003' }).toString() });
    r.status.should.equal(200);
    d.trigger('rm3_watch', {});
    await until(() => jobsTitled('Hold applied:').length === 1, 10000, 'the hold push');
    const j = jobsTitled('Hold applied:')[0];
    j.notification.title.should.equal('Hold applied: Regulatory Inquiry');
    j.notification.body.should.startWith('1 record is now under the regulatory hold "Regulatory Inquiry": HR policy v3.docx.');
    usersOf(j).should.eql(['acompliance', 'lcounsel']); // acompliance: compliance and the owner, once
  });

  it('apply fails for one record: the others are held and announced, the failure goes to legal counsel', async () => {
    // "Inject now" with other ids, as from the inject node's dialog
    d.trigger('rm3_apply_in', { __user_inject_props__: [{ p: 'payload', v: '[2204, 999999]', vt: 'json' }, { p: 'topic', v: 'apply', vt: 'str' }] });
    await until(() => jobsTitled('Hold applied:').length === 1 && jobsTitled('Hold not applied:').length === 1, 10000, 'both pushes');
    holdsOf(2204).should.eql([LITIGATION]);
    const applied = jobsTitled('Hold applied:')[0];
    applied.notification.body.should.startWith('1 record is now under the legal hold "Litigation 2026": HR policy v3.docx.');
    const failed = jobsTitled('Hold not applied:')[0];
    failed.notification.title.should.equal('Hold not applied: Litigation 2026');
    failed.notification.body.should.startWith('The hold could not be applied to 1 record: #999999 (OT_NOT_FOUND: ');
    failed.notification.body.should.endWith('The other records are done.');
    failed.recipients.map((r) => r.recipient).should.eql(['group:legal']);
    usersOf(failed).should.eql(['lcounsel']);
  });
});
