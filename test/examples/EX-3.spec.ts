/**
 * Example EX-3 "Policy or contract change alert", deployed as shipped with the reminder window
 * shortened through EX3_REMINDER_MS: the revised policy and its summary are generated and stored in
 * the customer's workspace, the customer gets a push with the link and the "Accept" action; an
 * acceptance coming back as a push response is recorded on the policy document (Accepted, Accepted
 * On) and cancels the reminder; without an acceptance exactly one reminder goes out, and a late
 * acceptance is still recorded; an answer for a document that does not exist is reported.
 */
import should from 'should';
import { readExample, useExamples } from '../support/examples';
import { collect, until } from '../support/nr';
import { stored } from '../xecm/cs-support';
import { answerPush, checkShape, COMM, customerDocument, docsIn, FOLDER, generated, pushesTo, registerWebhooks, sleep, useEnv, WEBHOOK_SECRET, type Obj } from './EX-support';

const EXAMPLE = `${FOLDER}/EX-3 Policy or contract change alert`;
const CORR = 'policy-POL-77812-2026-07-01';
const WINDOW = 1500;
const POLICY_DOC = 'POL-77812 Policy Change Notice 2026-07-01.pdf';
const SUMMARY_DOC = 'POL-77812 Summary of Changes 2026-07-01.pdf';

describe('example EX-3 Policy or contract change alert', function () {
  this.timeout(60000);
  const h = useExamples();
  useEnv({ EX3_REMINDER_MS: String(WINDOW) });

  async function publish(): Promise<{ d: Awaited<ReturnType<typeof h.deploy>>; policyId: number; summaryId: number }> {
    const d = await h.deploy(EXAMPLE, { extraCredentials: { ex3_events: { secret: WEBHOOK_SECRET } } });
    await registerWebhooks(h.sb, d, 'ex3_events', ['push']);
    const waiting = collect<Obj>(d.node('ex3_wait'));
    d.trigger('ex3_publish');
    await until(() => pushesTo(h.sb, 'cust-1001').length === 1 && waiting.length === 1, 20000, 'the review push and its reminder timer');
    const docs = docsIn(h.sb, 'C-1001', 'Contracts');
    const policy = docs.find((x) => x.name === POLICY_DOC);
    const summary = docs.find((x) => x.name === SUMMARY_DOC);
    should.exist(policy);
    should.exist(summary);
    return { d, policyId: policy!.id, summaryId: summary!.id };
  }

  it('ships as documented', async () => {
    checkShape(readExample(EXAMPLE), ['ot-xecm', 'ot-otds', 'ot-exstream', 'ot-messaging']);
    const d = await h.deploy(EXAMPLE);
    should(d.byName('push answers', 'ot-event-in').url).equal('/opentext/ex3/events');
  });

  it('generates and stores the revised policy, pushes the review request with the action, records the acceptance on the document and sends no reminder', async () => {
    const { d, policyId, summaryId } = await publish();
    const recorded = collect<{ acceptance: Obj }>(d.node('ex3_recorded'));
    const reminded = collect<Obj>(d.node('ex3_reminded'));

    // generated: the revised policy and the summary, stored byte for byte, with their categories
    const gen = generated(h.sb, COMM.policy, 'C-1001');
    gen.map((g) => g.queueName).sort().should.eql(['PDF_Policy', 'PDF_Summary']);
    for (const g of gen) should(g.correlationId).equal(CORR);
    stored(h.sb, policyId).sha256.should.equal(gen.find((g) => g.queueName === 'PDF_Policy')!.sha256);
    stored(h.sb, summaryId).sha256.should.equal(gen.find((g) => g.queueName === 'PDF_Summary')!.sha256);
    customerDocument(h.sb, policyId).should.containEql({ '9840_2': 'C-1001', '9840_3': 'Policy Change Notice', '9840_5': false, '9840_7': CORR });
    customerDocument(h.sb, summaryId).should.containEql({ '9840_2': 'C-1001', '9840_3': 'Summary of Changes', '9840_7': CORR });

    // the push: link to the policy document, the required action
    const job = pushesTo(h.sb, 'cust-1001')[0];
    job.notification.title.should.equal('Your policy has changed: please review');
    job.notification.body.should.containEql('POL-77812').and.containEql('2026-07-01').and.containEql('Accept');
    job.notification.actions.should.eql([{ id: 'accept', label: 'Accept' }]);
    should(job.notification.deep_link).equal(`${h.sb.url}/otcs/cs.exe/app/nodes/${policyId}`);
    should(job.reference).equal(CORR);
    should(job.data).eql({ policyNumber: 'POL-77812', nodeId: policyId, action: 'accept' });

    // the customer accepts: recorded on the policy document
    const answer = await answerPush(h.sb, { reference: CORR, user: 'cust-1001', action: 'accept' });
    await until(() => recorded.length === 1, 10000, 'acceptance recorded');
    const values = customerDocument(h.sb, policyId);
    new Date(String(values['9840_6'])).getTime().should.equal(Math.floor(Date.parse(String(answer.timestamp)) / 1000) * 1000);
    should(values['9840_5']).equal(true);
    should(customerDocument(h.sb, summaryId)['9840_5']).not.be.ok();
    should(recorded[0].acceptance.user).equal('cust-1001');

    // the window passes: no reminder
    await sleep(WINDOW + 1000);
    pushesTo(h.sb, 'cust-1001').should.have.length(1);
    reminded.should.have.length(0);
  });

  it('without an acceptance within the window: exactly one reminder (another answer does not count); a late acceptance is still recorded', async () => {
    const { d, policyId } = await publish();
    const reminded = collect<Obj>(d.node('ex3_reminded'));
    const others = collect<{ payload: { payload: { action: string } } }>(d.node('ex3_other_answer'));
    await answerPush(h.sb, { reference: CORR, user: 'cust-1001', action: 'dismissed' });
    await until(() => others.length === 1, 5000, 'the dismissal');
    others[0].payload.payload.action.should.equal('dismissed');

    await until(() => reminded.length === 1, WINDOW + 5000, 'the reminder');
    const jobs = pushesTo(h.sb, 'cust-1001');
    jobs.should.have.length(2);
    jobs[1].notification.title.should.equal('Reminder: please review your policy change');
    jobs[1].notification.actions.should.eql([{ id: 'accept', label: 'Accept' }]);
    should(jobs[1].notification.deep_link).equal(`${h.sb.url}/otcs/cs.exe/app/nodes/${policyId}`);
    should(customerDocument(h.sb, policyId)['9840_5']).equal(false);
    await sleep(WINDOW + 500);
    pushesTo(h.sb, 'cust-1001').should.have.length(2);

    // accepted after the reminder: recorded all the same
    await answerPush(h.sb, { reference: CORR, user: 'cust-1001', action: 'accept' });
    await until(() => customerDocument(h.sb, policyId)['9840_5'] === true, 10000, 'late acceptance recorded');
    reminded.should.have.length(1);
  });

  it('an acceptance for a document that is not in Extended ECM is reported, nothing is changed', async () => {
    const d = await h.deploy(EXAMPLE, { extraCredentials: { ex3_events: { secret: WEBHOOK_SECRET } } });
    await registerWebhooks(h.sb, d, 'ex3_events', ['push']);
    const unknown = collect<{ acceptance: Obj }>(d.node('ex3_unknown'));
    const recorded = collect<Obj>(d.node('ex3_recorded'));
    // a review push of another system, with the same action, whose correlation id matches no document
    const file = { type: 'push', recipients: { users: ['cust-1002'] }, notification: { title: 'Please review', body: 'Policy POL-1', actions: [{ id: 'accept', label: 'Accept' }] }, reference: 'policy-POL-1-2026-01-01' };
    const r = await fetch(`${h.sb.url}/mra/v1/utils/parser`, {
      method: 'POST',
      headers: { authorization: 'Basic ' + Buffer.from('sandbox-fax:sandbox-messaging').toString('base64'), 'content-type': 'application/json' },
      body: JSON.stringify({ domain: 'MR', filename: 'review.json', data: Buffer.from(JSON.stringify(file)).toString('base64') }),
    });
    r.status.should.equal(200);
    await answerPush(h.sb, { reference: 'policy-POL-1-2026-01-01', user: 'cust-1002', action: 'accept' });
    await until(() => unknown.length === 1, 10000, 'reported as unknown');
    should(unknown[0].acceptance.correlationId).equal('policy-POL-1-2026-01-01');
    recorded.should.have.length(0);
  });
});
