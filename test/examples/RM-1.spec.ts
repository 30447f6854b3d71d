/**
 * Example RM-1 "Records declaration approval alerts", deployed as shipped: a document dropped into
 * "Declaration Requests" (2100) by jsmith makes one push to the records managers; the approver's
 * answer comes back through the sandbox's push-response webhook; "approve" declares the record with
 * the requested classification and tells the requester, "reject" leaves it unclassified and tells
 * the requester why; a records-policy refusal and a request without a classification reach the
 * requester too; a second answer changes nothing.
 */
import 'should';
import { useExamples, type Deployed } from '../support/examples';
import { nextMessage, until, type FlowNode } from '../support/nr';
import { cs, csLogin, props } from '../sandbox/cs-support';

type Obj = Record<string, unknown>;
interface Delivery {
  job_id: string;
  user: string;
  device: string;
  title: string;
  body: string;
  deep_link?: string;
  reference?: string;
  actions: Array<{ id: string; label: string }>;
}
interface Job {
  job_id: string;
  reference?: string;
  notification: { title: string; body: string; deep_link?: string; actions: Array<{ id: string }> };
  recipients: Array<{ recipient: string }>;
  deliveries: Delivery[];
}
interface PushState {
  jobs: Job[];
  byUser: Record<string, Delivery[]>;
}
interface RmState {
  records: Record<string, { class_id: number; fields: Obj }>;
}

const EXAMPLE = 'Records Management → Push/RM-1 Records declaration approval alerts';
const SECRET = 'sandbox-webhook-secret-rm1';
const PATH = '/opentext/rm1/push-responses';

describe('example RM-1 Records declaration approval alerts', function () {
  this.timeout(60000);
  const h = useExamples();
  let d: Deployed;
  let john = '';

  const push = () => h.sb.sb.state('push') as PushState;
  const rm = () => h.sb.sb.state('rm') as RmState;
  const jobsTitled = (prefix: string) => push().jobs.filter((j) => j.notification.title.startsWith(prefix));
  const toUser = (user: string, prefix: string) => (push().byUser[user] || []).filter((x) => x.title.startsWith(prefix));

  async function control(path: string, body: Obj): Promise<{ status: number; body: Obj }> {
    const r = await fetch(`${h.sb.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: r.status, body: (await r.json()) as Obj };
  }

  /** jsmith drops a document into Declaration Requests. */
  async function request(name: string, description: string): Promise<number> {
    const r = await cs(h.sb.csUrl, 'v2/nodes', { ticket: john, body: { type: 144, parent_id: 2100, name, description }, multipart: { files: { file: { data: `%PDF-1.4 ${name}`, name, type: 'application/pdf' } } } });
    if (r.status !== 200) throw new Error(`upload ${name}: ${r.status} ${JSON.stringify(r.body)}`);
    return props(r).id as number;
  }

  /** A message into the watch polls at once; resolves when that poll is done. */
  async function poll(): Promise<void> {
    const done = nextMessage(d.node('t_polled'), 15000);
    d.trigger('rm1_watch', {});
    await done;
  }

  async function answer(body: Obj): Promise<void> {
    const r = await control('/_sandbox/push-response', body);
    r.status.should.equal(200, JSON.stringify(r.body));
    r.body.webhook!.should.be.true();
  }

  beforeEach(async () => {
    john = await csLogin(h.sb.csUrl, 'jsmith', 'sandbox-jsmith');
    const probe: FlowNode[] = [
      { id: 't_done', type: 'complete', z: 'rm1_tab', scope: ['rm1_watch'], uncaught: false, wires: [['t_polled']] },
      { id: 't_polled', type: 'helper', z: 'rm1_tab' },
    ];
    d = await h.deploy(EXAMPLE, { extraCredentials: { rm1_answers: { secret: SECRET } }, extraNodes: probe });
    (await control('/_sandbox/webhooks', { push: d.httpBase + PATH, secret: SECRET })).status.should.equal(200);
    await poll(); // the watch knows the folder before anything is requested
  });

  it('asks the records managers once per request; "approve" declares the record and tells the requester', async () => {
    const a = await request('Invoice 2026-0142.pdf', 'Classification: FIN-100');
    const b = await request('Supplier invoice 77.pdf', 'FIN-100');
    await poll();
    await until(() => jobsTitled('Declaration request:').length === 2, 5000, 'two approval pushes');
    await poll(); // nothing new: no second push
    await new Promise((r) => setTimeout(r, 300));

    const asks = jobsTitled('Declaration request:');
    asks.should.have.length(2);
    const ask = asks.find((j) => j.notification.title === 'Declaration request: Invoice 2026-0142.pdf')!;
    ask.recipients.map((r) => r.recipient).should.eql(['group:records-managers']);
    ask.reference!.should.equal(`decl:${a}:3001:jsmith`);
    ask.notification.body.should.containEql('jsmith').and.containEql('FIN-100 Invoices');
    ask.notification.deep_link!.should.equal(`${h.sb.url}/otcs/cs.exe/app/nodes/${a}`);
    ask.notification.actions.map((x) => x.id).should.eql(['approve', 'reject']);
    // the approver got one push per request on each of his devices, nobody else was asked
    const rmanager = toUser('rmanager', 'Declaration request:');
    rmanager.should.have.length(4);
    new Set(rmanager.map((x) => x.device)).should.eql(new Set(['ios-rmanager-1', 'android-rmanager-1']));
    toUser('jsmith', 'Declaration request:').should.have.length(0);

    await answer({ reference: `decl:${a}:3001:jsmith`, user: 'rmanager', action: 'approve' });
    await until(() => toUser('jsmith', 'Declared:').length === 1, 8000, 'the outcome push to the requester');
    const rec = rm().records[String(a)];
    rec.class_id.should.equal(3001);
    rec.fields.status!.should.equal('ACTIVE');
    const told = toUser('jsmith', 'Declared:')[0];
    told.title.should.equal('Declared: Invoice 2026-0142.pdf');
    told.body.should.containEql('FIN-100 Invoices').and.containEql('rmanager');
    (rm().records[String(b)] === undefined).should.be.true(); // not answered yet: not declared

    // a second tap on the same push changes nothing
    await answer({ reference: `decl:${a}:3001:jsmith`, user: 'rmanager', action: 'reject' });
    await new Promise((r) => setTimeout(r, 500));
    toUser('jsmith', 'Declared:').should.have.length(1);
    toUser('jsmith', 'Not declared:').should.have.length(0);
    rm().records[String(a)].class_id.should.equal(3001);

    // a later edit of a request is no new request
    h.sb.sb.app.advanceClock(2000);
    (await cs(h.sb.csUrl, `v2/nodes/${b}`, { method: 'PUT', ticket: john, body: { description: 'FIN-100, urgent' } })).status.should.equal(200);
    await poll();
    await new Promise((r) => setTimeout(r, 300));
    jobsTitled('Declaration request:').should.have.length(2);
  });

  it('"reject": no classification, and the requester is told why', async () => {
    const a = await request('Team offsite notes.pdf', 'HR-300');
    await poll();
    await until(() => jobsTitled('Declaration request:').length === 1, 5000, 'the approval push');
    await answer({ reference: `decl:${a}:3003:jsmith`, user: 'rmanager', action: 'reject', data: { reason: 'not a business record' } });
    await until(() => toUser('jsmith', 'Not declared:').length === 1, 8000, 'the outcome push');
    const told = toUser('jsmith', 'Not declared:')[0];
    told.title.should.equal('Not declared: Team offsite notes.pdf');
    told.body.should.equal('Your request to declare Team offsite notes.pdf was rejected by rmanager: not a business record');
    (rm().records[String(a)] === undefined).should.be.true();
    toUser('jsmith', 'Declared:').should.have.length(0);
  });

  it('approved but refused by the records policy: not declared, the requester gets the reason', async () => {
    const a = await request('Draft NDA Initech.pdf', 'LEG-200');
    await poll();
    await until(() => jobsTitled('Declaration request:').length === 1, 5000, 'the approval push');
    await answer({ reference: `decl:${a}:3002:jsmith`, user: 'rmanager', action: 'approve' });
    await until(() => toUser('jsmith', 'Not declared:').length === 1, 8000, 'the outcome push');
    const told = toUser('jsmith', 'Not declared:')[0];
    told.body.should.containEql('(OT_POLICY)').and.containEql('the following required fields are missing: Subject').and.containEql('approved by rmanager');
    told.body.should.not.containEql('OtError');
    (rm().records[String(a)] === undefined).should.be.true();
  });

  it('a request without a classification goes back to the requester; once fixed, it is asked', async () => {
    const a = await request('Scanned letter.pdf', 'please keep this');
    await poll();
    await until(() => toUser('jsmith', 'Declaration request incomplete:').length === 1, 5000, 'the push to the requester');
    toUser('jsmith', 'Declaration request incomplete:')[0].body.should.containEql('FIN-100');
    jobsTitled('Declaration request:').should.have.length(0);
    // jsmith adds the file number to the description
    h.sb.sb.app.advanceClock(2000);
    const r = await cs(h.sb.csUrl, `v2/nodes/${a}`, { method: 'PUT', ticket: john, body: { description: 'please keep this as GOV-500' } });
    r.status.should.equal(200);
    await poll();
    await until(() => jobsTitled('Declaration request:').length === 1, 5000, 'the approval push');
    jobsTitled('Declaration request:')[0].reference!.should.equal(`decl:${a}:3005:jsmith`);
    await poll();
    await new Promise((r2) => setTimeout(r2, 300));
    jobsTitled('Declaration request:').should.have.length(1);
    toUser('jsmith', 'Declaration request incomplete:').should.have.length(1);
  });

  it('refuses answers without the shared secret', async () => {
    const r = await fetch(d.httpBase + PATH, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ event: 'push.response', reference: 'decl:1:3001:jsmith', action: 'approve', user: 'rmanager' }) });
    r.status.should.equal(401);
    await new Promise((res) => setTimeout(res, 200));
    push().jobs.should.have.length(0);
  });
});
