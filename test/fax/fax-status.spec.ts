/**
 * ot-fax-status over real HTTP against the sandbox, and the status normalisation it uses: job and
 * destination states while a job runs and when it is complete, reasons from gamma codes, decoded
 * base64 fields, and the errors for unknown and malformed job ids.
 */
import should from 'should';
import { useSandbox } from '../support/sandbox';
import { useNodeRed, nextMessage, TAB, type FlowNode } from '../support/nr';
import { advance, catcher, messagingConfig, MESSAGING_CREDS, PDF, type Obj } from './support';
import { normaliseFaxStatus, type FaxStatus } from '../../nodes/lib/fax';

const messagingNode = require('../../nodes/messaging/ot-messaging');
const statusNode = require('../../nodes/messaging/ot-fax-status');

const BASIC = 'Basic ' + Buffer.from('sandbox-fax:sandbox-messaging').toString('base64');

async function submit(url: string, destinations: Obj[], options: Obj = {}): Promise<string> {
  const r = await fetch(`${url}/mra/v1/outbound/faxes`, {
    method: 'POST',
    headers: { authorization: BASIC, 'content-type': 'application/json' },
    body: JSON.stringify({ destinations, documents: [{ name: 'a.pdf', type: 'PDF', data: PDF.toString('base64') }], options }),
  });
  r.status.should.equal(200);
  return ((await r.json()) as { job_id: string }).job_id;
}

describe('ot-fax-status', () => {
  const h = useSandbox();
  const helper = useNodeRed();

  async function load(settings: Obj = {}) {
    const flow: FlowNode[] = [
      TAB,
      messagingConfig(h.url),
      { id: 'n1', type: 'ot-fax-status', z: 'tab1', server: 'm1', jobId: 'payload', jobIdType: 'msg', ...settings, wires: [['out']] },
      { id: 'out', type: 'helper', z: 'tab1' },
      ...catcher(),
    ];
    await helper.load([messagingNode, statusNode], flow, MESSAGING_CREDS as never);
    return { n1: helper.getNode('n1'), out: helper.getNode('out'), caught: helper.getNode('caught') };
  }

  async function ask(n1: ReturnType<typeof helper.getNode>, out: ReturnType<typeof helper.getNode>, msg: Obj): Promise<{ payload: FaxStatus; faxJobId: string }> {
    const p = nextMessage<{ payload: FaxStatus; faxJobId: string }>(out);
    n1.receive(msg);
    return p;
  }

  it('follows a job from submitted to delivered, with pages, times, station id and decoded references', async () => {
    const job = await submit(h.url, [{ fax: '15551234567', ref: 'letter-1' }], { billing_code: 'B-7', customer_reference: 'Claim 42' });
    const { n1, out } = await load();
    let m = await ask(n1, out, { payload: job });
    m.faxJobId.should.equal(job);
    m.payload.should.containEql({ job_id: job, state: 'submitted', final: false, delivered: 0, failed: 0, pending: 1, billingCode: 'B-7', customerReference: 'Claim 42' });
    m.payload.destinations[0].should.containEql({ fax: '15551234567', ref: 'letter-1', state: 'pending', delivered: false, final: false, attempts: 0 });
    await advance(h.url, 500);
    m = await ask(n1, out, { payload: job });
    m.payload.state.should.equal('sending');
    m.payload.destinations[0].state.should.equal('sending');
    m.payload.destinations[0].attempts.should.equal(1);
    await advance(h.url, 2000);
    m = await ask(n1, out, { payload: job });
    m.payload.should.containEql({ state: 'delivered', final: true, delivered: 1, failed: 0, pending: 0, pagesDelivered: 2 });
    m.payload.jobState.should.eql(['Complete']);
    const d = m.payload.destinations[0];
    d.should.containEql({ state: 'delivered', delivered: true, final: true, attempts: 1, pagesDelivered: 2, rcsid: 'ACME LEGAL', baudRate: 14400, deliverySec: 1, gammaCode: 0 });
    should.not.exist(d.reason);
    String(d.deliveryTime).should.match(/Z$/);
    m.payload.failures.should.eql([]);
    (m.payload.raw as Obj).job_id!.should.equal(job);
  });

  it('gives every failed destination its reason; retrying while a busy line is tried again', async () => {
    const job = await submit(h.url, [{ fax: '15555550100', ref: 'busy' }, { fax: '15555550198', ref: 'silent' }, { fax: '15555550101', ref: 'once' }, { fax: '15557654321' }]);
    const { n1, out } = await load();
    await advance(h.url, 1300);
    let m = await ask(n1, out, { payload: job });
    m.payload.state.should.equal('sending');
    m.payload.final.should.be.false();
    m.payload.destinations.map((d) => d.state).should.eql(['retrying', 'retrying', 'retrying', 'delivered']);
    m.payload.destinations[0].reason!.should.equal('line busy (gamma code 2001)');
    await advance(h.url, 10000);
    m = await ask(n1, out, { payload: job });
    m.payload.should.containEql({ state: 'partially delivered', final: true, delivered: 2, failed: 2, pending: 0 });
    m.payload.destinations.map((d) => [d.state, d.attempts]).should.eql([['failed', 3], ['failed', 1], ['delivered', 2], ['delivered', 1]]);
    m.payload.failures.should.eql([
      { fax: '15555550100', ref: 'busy', reason: 'line busy (gamma code 2001)', gammaCode: 2001 },
      { fax: '15555550198', ref: 'silent', reason: 'no answer (gamma code 2002)', gammaCode: 2002 },
    ]);
  });

  it('reads the job id from the output of fax send, from msg.faxJobId, or from the setting', async () => {
    const job = await submit(h.url, [{ fax: '15555550199' }]);
    await advance(h.url, 3000);
    let { n1, out } = await load();
    (await ask(n1, out, { payload: { job_id: job, submitId: 'x' } })).payload.state.should.equal('failed');
    (await ask(n1, out, { payload: '', faxJobId: job })).payload.failures[0].reason.should.equal('not a fax machine (gamma code 2004)');
    await helper.unload();
    ({ n1, out } = await load({ jobId: job, jobIdType: 'str' }));
    (await ask(n1, out, { payload: 'ignored' })).payload.job_id.should.equal(job);
  });

  const bad: Array<[string, Obj, string, RegExp]> = [
    ['an unknown job', { payload: 'xsi-424242' }, 'OT_NOT_FOUND', /HTTP 404.*Job xsi-424242 not found/],
    ['no job id', { payload: '' }, 'OT_INVALID_INPUT', /fax job id is required/],
    ['a malformed job id', { payload: 'xsi 1/2' }, 'OT_INVALID_INPUT', /is not a fax job id/],
    ['a job id that is an array', { payload: ['xsi-1'] }, 'OT_INVALID_INPUT', /must be text/],
  ];
  for (const [what, msg, code, re] of bad) {
    it(`reports ${what} to Catch (${code})`, async () => {
      const { n1, caught } = await load();
      const p = nextMessage<{ error: { code: string; message: string } }>(caught);
      n1.receive(msg);
      const m = await p;
      m.error.code.should.equal(code);
      m.error.message.should.match(re);
    });
  }
});

describe('fax status normalisation', () => {
  it('reads the documented status example: a sent and an errored destination of a complete job', () => {
    // the shape of the published example (OpenText Messaging fax REST API, "Get fax status")
    const s = normaliseFaxStatus({
      job_id: 'xsi-1234567',
      job_state: ['Complete', 'Posted'],
      billing_code_base64: Buffer.from('temp_bill_code').toString('base64'),
      customer_reference_base64: Buffer.from('mra_cust_ref').toString('base64'),
      entry_time: '2020-04-21T10:50:51.000Z',
      deliveries: [
        { ref_base64: Buffer.from('FAXOUT').toString('base64'), fax: '1234567891', delivery_attempts: [{ state: 'InProcess', gamma_code: 5000 }, { state: 'Sent', gamma_code: 0, first_attempt: '2020-04-21T10:51:00.000Z', delivery_time: '2020-04-21T10:56:29.000Z', delivery_sec: 28, pages_delivered: 3, baud_rate: 9600, rcsid: '123-123-1234' }] },
        { fax: '1234567892', delivery_attempts: [{ state: 'Error', gamma_code: 2010, first_attempt: '2020-04-21T10:51:00.000Z', delivery_time: '2020-04-21T10:52:29.000Z' }] },
      ],
    });
    s.should.containEql({ job_id: 'xsi-1234567', state: 'partially delivered', final: true, delivered: 1, failed: 1, pagesDelivered: 3, billingCode: 'temp_bill_code', customerReference: 'mra_cust_ref', entryTime: '2020-04-21T10:50:51.000Z' });
    s.destinations[0].should.containEql({ fax: '1234567891', ref: 'FAXOUT', state: 'delivered', deliverySec: 28, rcsid: '123-123-1234', pagesDelivered: 3 });
    s.destinations[1].should.containEql({ state: 'failed', reason: 'number not in service (gamma code 2010)', gammaCode: 2010 });
    s.failures.should.eql([{ fax: '1234567892', reason: 'number not in service (gamma code 2010)', gammaCode: 2010 }]);
  });

  it('treats an unknown gamma code by number and an empty answer as nothing known yet', () => {
    const s = normaliseFaxStatus({ job_id: 'xsi-1', job_state: ['Complete'], deliveries: [{ fax: '1', delivery_attempts: [{ state: 'Error', gamma_code: 9999 }] }] });
    s.failures[0].reason.should.equal('delivery failed (gamma code 9999)');
    const e = normaliseFaxStatus({}, 'xsi-2');
    e.should.containEql({ job_id: 'xsi-2', state: 'submitted', final: false, destinations: [] });
  });
});
