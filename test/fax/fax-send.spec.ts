/**
 * ot-fax-send over real HTTP against the sandbox: documents arrive byte for byte, numbers are
 * normalised, a resent message makes one fax, cover sheet subjects are templates, waiting splits
 * delivered and failed faxes, and bad input reaches Catch nodes before anything is sent.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import should from 'should';
import type { Node } from 'node-red';
import { useSandbox } from '../support/sandbox';
import { useNodeRed, nextMessage, collect, TAB, type FlowNode } from '../support/nr';
import { catcher, faxState, messagingConfig, MESSAGING_CREDS, PDF, sha256, sleep, type Obj } from './support';

const messagingNode = require('../../nodes/messaging/ot-messaging');
const sendNode = require('../../nodes/messaging/ot-fax-send');

interface Caught {
  error: { code: string; message: string; source: { type: string } };
  payload?: Obj;
  otError?: Obj;
}

describe('ot-fax-send', () => {
  const h = useSandbox();
  const helper = useNodeRed();

  async function load(settings: Obj, opts: { creds?: Obj; twoOutputs?: boolean } = {}) {
    const n1: FlowNode = { id: 'n1', type: 'ot-fax-send', z: 'tab1', server: 'm1', destinations: '+1 555 123-4567', destinationsType: 'str', ...settings, wires: opts.twoOutputs ? [['out'], ['failed']] : [['out']] };
    const flow: FlowNode[] = [TAB, messagingConfig(h.url), n1, { id: 'out', type: 'helper', z: 'tab1' }, { id: 'failed', type: 'helper', z: 'tab1' }, ...catcher()];
    await helper.load([messagingNode, sendNode], flow, (opts.creds || MESSAGING_CREDS) as never);
    return { n1: helper.getNode('n1'), out: helper.getNode('out'), failed: helper.getNode('failed'), caught: helper.getNode('caught') };
  }

  async function expectCaught(caught: Node, code: string, send: () => void, re?: RegExp): Promise<Caught> {
    const p = nextMessage<Caught>(caught);
    send();
    const m = await p;
    m.error.code.should.equal(code);
    m.error.source.type.should.equal('ot-fax-send');
    if (re) m.error.message.should.match(re);
    return m;
  }

  it('sends a PDF Buffer: the job carries the exact bytes, the number is normalised, the name comes from msg.filename', async () => {
    const { n1, out } = await load({});
    const p = nextMessage<{ payload: Obj; faxJobId: string }>(out);
    n1.receive({ payload: PDF, filename: 'claims/letter.pdf' });
    const m = await p;
    m.payload.job_id!.should.equal('xsi-1000001');
    m.faxJobId.should.equal('xsi-1000001');
    m.payload.destinations!.should.eql([{ fax: '15551234567' }]);
    m.payload.documents!.should.eql([{ name: 'letter.pdf', type: 'PDF', size: PDF.length, sha256: sha256(PDF) }]);
    const s = await faxState(h.url);
    s.jobs.should.have.length(1);
    s.jobs[0].destinations.should.eql([{ fax: '15551234567' }]);
    s.jobs[0].documents[0].should.containEql({ name: 'letter.pdf', type: 'PDF', sha256: sha256(PDF), size: PDF.length });
    s.jobs[0].submitId!.should.equal(m.payload.submitId as string);
  });

  it('works with an OCP tenant token instead of HTTP Basic (the job belongs to that account)', async () => {
    const flow: FlowNode[] = [
      TAB,
      messagingConfig(h.url, { authMode: 'ocp', tokenUrl: `${h.url}/tenants/t1/oauth2/token` }),
      { id: 'n1', type: 'ot-fax-send', z: 'tab1', server: 'm1', destinations: '15551234567', destinationsType: 'str', wires: [['out']] },
      { id: 'out', type: 'helper', z: 'tab1' },
    ];
    await helper.load([messagingNode, sendNode], flow, { m1: { clientId: 'messaging-tenant', clientSecret: 'sandbox-messaging-secret' } } as never);
    const p = nextMessage<{ payload: Obj }>(helper.getNode('out'));
    helper.getNode('n1').receive({ payload: PDF });
    (await p).payload.job_id!.should.equal('xsi-1000001');
    ((await faxState(h.url)).jobs[0] as unknown as Obj).account!.should.equal('messaging-tenant@OAuthClients');
  });

  it('sends the same message twice as one fax (X-MRA-SubmitId = msg._msgid)', async () => {
    const { n1, out } = await load({});
    const got = collect<{ payload: Obj }>(out);
    const msg = { _msgid: 'resent-1', payload: PDF, filename: 'a.pdf' };
    n1.receive({ ...msg });
    n1.receive({ ...msg });
    await (async () => {
      for (let i = 0; i < 100 && got.length < 2; i++) await sleep(20);
    })();
    got.should.have.length(2);
    got[0].payload.job_id!.should.equal(got[1].payload.job_id as string);
    got[0].payload.submitId!.should.equal('resent-1');
    const s = await faxState(h.url);
    s.jobs.should.have.length(1);
    s.jobs[0].submits.should.equal(2);
  });

  it('uses a business key as submit id when configured (two messages, one fax)', async () => {
    const { n1, out } = await load({ submitId: 'submitId', submitIdType: 'msg' });
    const got = collect<{ payload: Obj }>(out);
    n1.receive({ payload: PDF, filename: 'a.pdf', submitId: 'invoice-77' });
    n1.receive({ payload: PDF, filename: 'a.pdf', submitId: 'invoice-77' });
    n1.receive({ payload: PDF, filename: 'a.pdf', submitId: 'invoice-78' });
    for (let i = 0; i < 100 && got.length < 3; i++) await sleep(20);
    got.should.have.length(3);
    const s = await faxState(h.url);
    s.jobs.map((j) => [j.submitId, j.submits]).should.eql([['invoice-77', 2], ['invoice-78', 1]]);
  });

  it('puts a cover sheet with a mustache subject, billing code and customer reference on the job', async () => {
    const { n1, out } = await load({
      coversheet: 'legal',
      coversheetType: 'str',
      coverFrom: 'sender',
      coverFromType: 'msg',
      coverSubject: 'Claim {{caseId}} for {{payload.length}} bytes, {{msg.topic}}',
      billingCode: 'billing',
      billingCodeType: 'msg',
      customerReference: 'REF-9',
      customerReferenceType: 'str',
    });
    const p = nextMessage<{ payload: Obj }>(out);
    n1.receive({ payload: PDF, filename: 'x.pdf', caseId: 'C-77', topic: 'urgent', sender: 'Legal department', billing: 'B-100' });
    (await p).payload.coversheet!.should.equal('legal');
    const job = (await faxState(h.url)).jobs[0];
    job.coversheet!.should.eql({ enabled: true, name: 'legal', from: 'Legal department', subject: `Claim C-77 for ${PDF.length} bytes, urgent` });
    job.billing_code!.should.equal('B-100');
    job.customer_reference!.should.equal('REF-9');
  });

  it('reads destinations with references from msg.destinations, and msg.payload as a whole request', async () => {
    const { n1, out } = await load({ destinations: '' });
    let p = nextMessage<{ payload: Obj }>(out);
    n1.receive({ payload: PDF, filename: 'a.pdf', destinations: [{ fax: '(555) 765-4321 ', ref: 'claims' }, '1-555-123-4567'] });
    (await p).payload.destinations!.should.eql([{ fax: '5557654321', ref: 'claims' }, { fax: '15551234567' }]);
    p = nextMessage<{ payload: Obj }>(out);
    n1.receive({ payload: { destinations: '15551234567; 15557654321', documents: [{ text: 'Hello fax', name: 'note.txt' }, { data: PDF, name: 'b.pdf' }] } });
    const m = await p;
    m.payload.destinations!.should.eql([{ fax: '15551234567' }, { fax: '15557654321' }]);
    const jobs = (await faxState(h.url)).jobs;
    jobs[0].destinations.should.eql([{ fax: '5557654321', ref: 'claims' }, { fax: '15551234567' }]);
    jobs[1].documents.map((d) => [d.name, d.type, d.charset]).should.eql([['note.txt', 'text', 'UTF-8'], ['b.pdf', 'PDF', undefined]]);
    jobs[1].documents[0].sha256.should.equal(sha256(Buffer.from('Hello fax')));
  });

  it('reads a file path, and a plain string as the text to fax when so configured', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fax-send-'));
    try {
      const file = path.join(dir, 'scan.tif');
      const tiff = Buffer.concat([Buffer.from('II*\u0000', 'latin1'), Buffer.alloc(60, 7)]);
      fs.writeFileSync(file, tiff);
      const { n1, out } = await load({});
      const p = nextMessage<{ payload: Obj }>(out);
      n1.receive({ payload: [file, PDF] });
      (await p).payload.documents!.should.eql([
        { name: 'scan.tif', type: 'TIFF', size: tiff.length, sha256: sha256(tiff) },
        { name: 'document-2.pdf', type: 'PDF', size: PDF.length, sha256: sha256(PDF) },
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    await helper.unload();
    const { n1, out } = await load({ strings: 'text' });
    const p = nextMessage<{ payload: Obj }>(out);
    n1.receive({ payload: 'Dear customer,\nyour claim is approved.' });
    (await p).payload.documents!.should.containDeep([{ name: 'document.txt', type: 'text' }]);
    (await faxState(h.url)).jobs.pop()!.documents[0].charset!.should.equal('UTF-8');
  });

  it('waits for the final status: two destinations, one fails -> output 2 with the reason of each', async function () {
    this.timeout(15000);
    const { n1, out, failed } = await load({ destinations: '15551234567, 1 555 555 0199', waitFinal: true, maxWait: 20 }, { twoOutputs: true });
    const delivered = collect(out);
    const p = nextMessage<{ payload: Obj & { destinations: Obj[]; failures: Obj[] } }>(failed, 10000);
    n1.receive({ payload: PDF, filename: 'a.pdf' });
    const m = await p;
    delivered.should.have.length(0);
    m.payload.state!.should.equal('partially delivered');
    m.payload.final!.should.be.true();
    m.payload.job_id!.should.equal('xsi-1000001');
    m.payload.destinations.map((d) => [d.fax, d.state]).should.eql([['15551234567', 'delivered'], ['15555550199', 'failed']]);
    m.payload.destinations[0].pagesDelivered!.should.equal(2);
    m.payload.destinations[0].rcsid!.should.equal('ACME LEGAL');
    m.payload.failures.should.eql([{ fax: '15555550199', reason: 'not a fax machine (gamma code 2004)', gammaCode: 2004 }]);
  });

  it('waits for the final status: all delivered -> output 1', async function () {
    this.timeout(15000);
    const { n1, out, failed } = await load({ destinations: '15551234567', waitFinal: true, maxWait: 20 }, { twoOutputs: true });
    const bad = collect(failed);
    const p = nextMessage<{ payload: Obj }>(out, 10000);
    n1.receive({ payload: PDF, filename: 'a.pdf' });
    const m = await p;
    m.payload.state!.should.equal('delivered');
    m.payload.delivered!.should.equal(1);
    m.payload.documents!.should.have.length(1);
    bad.should.have.length(0);
  });

  it('retries a submit the service answered with 502 (safe: the submit id makes a repeat harmless) and makes one fax', async () => {
    // seed 8: the first draw is below 0.5 (fault), the second above (passes)
    h.sb.app.setFaults({ seed: 8, rules: [{ route: '^POST /mra/v1/outbound/faxes$', probability: 0.5, kind: '502' }] });
    const { n1, out } = await load({});
    const p = nextMessage<{ payload: Obj }>(out);
    n1.receive({ payload: PDF, filename: 'a.pdf' });
    (await p).payload.job_id!.should.equal('xsi-1000001');
    h.sb.app.faultCounts['502']!.should.equal(1);
    (await faxState(h.url)).jobs.should.have.length(1);
  });

  it('waiting with a single output (an older flow): the final status still goes out', async function () {
    this.timeout(15000);
    const { n1, out } = await load({ destinations: '15555550199', waitFinal: true, maxWait: 20 });
    const p = nextMessage<{ payload: Obj }>(out, 10000);
    n1.receive({ payload: PDF, filename: 'a.pdf' });
    (await p).payload.state!.should.equal('failed');
  });

  it('reports OT_TIMEOUT with the job id when the fax is not final within the maximum wait', async function () {
    this.timeout(10000);
    const { n1, out, caught } = await load({ destinations: '15555550100', waitFinal: true, maxWait: 1 }, { twoOutputs: true });
    const sent = collect(out);
    const m = await expectCaught(caught, 'OT_TIMEOUT', () => n1.receive({ payload: PDF, filename: 'a.pdf' }), /ot-fax-send\.errors\.timeout/);
    m.payload!.job_id!.should.equal('xsi-1000001');
    m.payload!.final!.should.be.false();
    m.payload!.state!.should.be.oneOf('sending', 'retrying');
    m.otError!.details!.should.eql({ job_id: 'xsi-1000001', state: m.payload!.state });
    sent.should.have.length(0);
  });

  describe('bad input reaches Catch and sends nothing', () => {
    const cases: Array<[string, Obj, Obj, RegExp]> = [
      ['no destination', { destinations: '' }, { payload: PDF, filename: 'a.pdf' }, /ot-fax-send\.errors\.noDestination/],
      ['a number with letters', { destinations: '555-FAX-NOW' }, { payload: PDF }, /not a fax number/],
      ['a too short number', { destinations: '12345' }, { payload: PDF }, /7 to 18 digits/],
      ['an empty document', {}, { payload: Buffer.alloc(0), filename: 'a.pdf' }, /is empty/],
      ['no document', {}, {}, /no document to fax/],
      ['a missing file', {}, { payload: '/nonexistent/fax.pdf' }, /cannot read document file.*ENOENT/],
      ['a .pdf that is no PDF', {}, { payload: Buffer.from('hello'), filename: 'a.pdf' }, /is not a PDF file/],
      ['bytes of unknown type', {}, { payload: Buffer.from([0, 1, 2, 3, 0, 255]) }, /cannot tell the type/],
      ['an unknown msg.documentType', {}, { payload: PDF, documentType: 'XYZ' }, /document type "XYZ" is not supported/],
      ['msg.faxOptions that is not an object', {}, { payload: PDF, faxOptions: 'x' }, /msg.faxOptions is not valid JSON/],
      ['an empty submit id', { submitId: 'key', submitIdType: 'msg' }, { payload: PDF }, /submit id is required/],
      ['a maximum wait of 0 s', { waitFinal: true, maxWait: 0 }, { payload: PDF }, /maximum wait must be a number from 1 to 86400/],
    ];
    for (const [what, settings, msg, re] of cases) {
      it(what, async () => {
        const { n1, caught } = await load(settings);
        await expectCaught(caught, 'OT_INVALID_INPUT', () => n1.receive(msg), re);
        (await faxState(h.url)).jobs.should.have.length(0);
      });
    }

    it('a cover sheet template the account does not have (the service refuses it)', async () => {
      const { n1, caught } = await load({ coversheet: 'nope', coversheetType: 'str' });
      const m = await expectCaught(caught, 'OT_INVALID_INPUT', () => n1.receive({ payload: PDF }), /HTTP 400.*not a coversheet template/);
      m.otError!.statusCode!.should.equal(400);
      (await faxState(h.url)).jobs.should.have.length(0);
    });

    it('wrong credentials: OT_AUTH, and no secret in the error', async () => {
      const { n1, caught } = await load({}, { creds: { m1: { username: 'sandbox-fax', password: 'wrong-password-123' } } });
      const m = await expectCaught(caught, 'OT_AUTH', () => n1.receive({ payload: PDF }), /HTTP 401/);
      const text = JSON.stringify(m);
      text.should.not.containEql('wrong-password-123');
      text.should.not.containEql(Buffer.from('sandbox-fax:wrong-password-123').toString('base64'));
    });

    it('no connection selected', async () => {
      const { n1, caught } = await load({ server: '' });
      await expectCaught(caught, 'OT_INVALID_INPUT', () => n1.receive({ payload: PDF }), /no Cloud Messaging connection/);
    });
  });

  it('shows the job in its status and keeps one output without waiting', async () => {
    const { n1, out } = await load({});
    const statuses: Obj[] = [];
    (n1 as unknown as NodeJS.EventEmitter).on('call:status', (call: { args: Obj[] }) => statuses.push(call.args[0]));
    const p = nextMessage(out);
    n1.receive({ payload: PDF });
    await p;
    await sleep(20);
    should.exist(statuses.find((s) => String(s.text).startsWith('ot-fax-send.status.sent') && s.fill === 'green'));
  });
});
