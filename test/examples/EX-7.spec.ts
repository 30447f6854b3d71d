/**
 * Example EX-7 "Real-time operational alert with compliant follow-up", deployed as shipped: an
 * operational event posted to the flow's http in endpoint is accepted at once (202), the affected
 * customers get the push first, then Exstream generates each customer's follow-up letter and it is
 * stored in the customer's workspace; push, letters and stored documents share the correlation id.
 * A security alert gets the regulatory letter; an incomplete event is refused with 400 and nothing
 * is sent; the inject entry point works without an http caller.
 */
import should from 'should';
import { readExample, useExamples } from '../support/examples';
import { collect, until } from '../support/nr';
import { stored } from '../xecm/cs-support';
import { checkShape, COMM, customerDocument, docsIn, FOLDER, generated, pushState, type Obj } from './EX-support';

const EXAMPLE = `${FOLDER}/EX-7 Real-time operational alert with compliant follow-up`;

async function post(url: string, body: unknown): Promise<{ status: number; body: Obj }> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as Obj };
}

describe('example EX-7 Real-time operational alert with compliant follow-up', function () {
  this.timeout(60000);
  const h = useExamples();

  it('ships as documented', async () => {
    checkShape(readExample(EXAMPLE), ['ot-xecm', 'ot-otds', 'ot-exstream', 'ot-messaging']);
    const d = await h.deploy(EXAMPLE);
    should(d.byName('POST /ex7/operational-event', 'http in').url).equal('/ex7/operational-event');
  });

  it('push first, then the follow-up letter per customer is generated and stored, all linked by the same correlation id', async () => {
    const d = await h.deploy(EXAMPLE);
    const storedMsgs = collect<Obj>(d.node('ex7_stored'));
    const other = collect<Obj>(d.node('ex7_other'));
    const order: string[] = [];
    d.node('ex7_alerted').on('input', () => order.push('push sent'));
    d.node('ex7_incident').on('input', () => order.push('letter requested'));
    const event = JSON.parse(String(d.byName('Simulate outage (C-1001, C-1002)', 'inject').payload)) as Obj & { eventId: string };
    const r = await post(`${d.httpBase}/ex7/operational-event`, event);
    r.status.should.equal(202);
    r.body.should.eql({ accepted: true, correlationId: 'INC-2026-0615-01' });
    await until(() => storedMsgs.length === 2, 20000, 'two letters stored');

    const corr = 'INC-2026-0615-01';
    order.should.eql(['push sent', 'letter requested', 'letter requested']);
    const jobs = pushState(h.sb).jobs;
    jobs.should.have.length(1);
    const alert = jobs[0];
    should(alert.reference).equal(corr);
    alert.notification.title.should.equal('Service outage in your area');
    alert.notification.priority.should.equal('high');
    alert.recipients.map((x) => x.recipient).sort().should.eql(['user:cust-1001', 'user:cust-1002']);
    should(alert.data).eql({ incidentId: corr, type: 'outage' });

    for (const c of ['C-1001', 'C-1002']) {
      const letters = generated(h.sb, COMM.incident, c);
      letters.should.have.length(1);
      should(letters[0].correlationId).equal(corr);
      // the push went out before the letter was generated
      Date.parse(letters[0].created).should.be.aboveOrEqual(Date.parse(alert.entry_time));
      const docs = docsIn(h.sb, c, 'Correspondence');
      docs.map((x) => x.name).should.eql([`${corr} Incident Follow-up ${c}.pdf`]);
      stored(h.sb, docs[0].id).sha256.should.equal(letters[0].sha256);
      customerDocument(h.sb, docs[0].id).should.containEql({ '9840_2': c, '9840_3': 'Incident Follow-up', '9840_7': corr });
    }
    generated(h.sb, COMM.regulatory).should.have.length(0);
    docsIn(h.sb, 'C-1003', 'Correspondence').should.have.length(0);
    other.should.have.length(0);
  });

  it('a security alert gets the regulatory letter', async () => {
    const d = await h.deploy(EXAMPLE);
    const storedMsgs = collect<Obj>(d.node('ex7_stored'));
    const r = await post(`${d.httpBase}/ex7/operational-event`, {
      eventId: 'SEC-2026-0615-07',
      type: 'security-alert',
      title: 'New sign-in to your account',
      summary: 'We blocked a sign-in attempt from an unknown device.',
      occurredAt: '2026-06-15T09:00:00Z',
      customers: [{ customerNumber: 'C-1003', name: 'Initech', pushUser: 'cust-1003' }],
    });
    r.status.should.equal(202);
    await until(() => storedMsgs.length === 1, 20000, 'the letter stored');
    const letters = generated(h.sb, COMM.regulatory, 'C-1003');
    letters.should.have.length(1);
    should(letters[0].correlationId).equal('SEC-2026-0615-07');
    generated(h.sb, COMM.incident).should.have.length(0);
    const docs = docsIn(h.sb, 'C-1003', 'Correspondence');
    docs.map((x) => x.name).should.eql(['SEC-2026-0615-07 Regulatory Letter C-1003.pdf']);
    customerDocument(h.sb, docs[0].id).should.containEql({ '9840_3': 'Regulatory Letter', '9840_7': 'SEC-2026-0615-07' });
    const jobs = pushState(h.sb).jobs;
    jobs.should.have.length(1);
    jobs[0].deliveries.map((x) => x.device).sort().should.eql(['android-cust-1003', 'ios-cust-1003']);
  });

  it('an incomplete event is refused with 400 and the problems; nothing is sent or generated', async () => {
    const d = await h.deploy(EXAMPLE);
    const refused = collect<{ payload: { problems: string[] } }>(d.node('ex7_refused'));
    const r = await post(`${d.httpBase}/ex7/operational-event`, { eventId: 'X-1', type: 'flood', title: 'x', customers: [] });
    r.status.should.equal(400);
    should(r.body.accepted).equal(false);
    (r.body.problems as string[]).should.eql(['type must be one of outage, claim-status, security-alert', 'title and summary are required', 'customers must list {customerNumber, name, pushUser}']);
    await until(() => refused.length === 1, 5000, 'refused');
    pushState(h.sb).jobs.should.have.length(0);
    generated(h.sb, COMM.incident).should.have.length(0);
  });

  it('the inject entry point runs the same path without an http caller', async () => {
    const d = await h.deploy(EXAMPLE);
    const storedMsgs = collect<Obj>(d.node('ex7_stored'));
    const other = collect<Obj>(d.node('ex7_other'));
    d.trigger('ex7_simulate');
    await until(() => storedMsgs.length === 2, 20000, 'two letters stored');
    pushState(h.sb).jobs.should.have.length(1);
    other.should.have.length(0);
  });
});
