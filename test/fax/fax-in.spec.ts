/**
 * ot-fax-in and ot-fax-ack over real HTTP against the sandbox: faxes arrive with their exact bytes
 * and metadata, stay held until acknowledged, come back (marked as redelivery) when not
 * acknowledged within the hold, are not emitted twice while in flight, drain in bounded polls,
 * and errors reach Catch nodes.
 */
import should from 'should';
import { useSandbox } from '../support/sandbox';
import { useNodeRed, nextMessage, collect, until, TAB, type FlowNode } from '../support/nr';
import { advance, catcher, faxState, injectFax, messagingConfig, MESSAGING_CREDS, sha256, sleep, type Obj } from './support';

const messagingNode = require('../../nodes/messaging/ot-messaging');
const inNode = require('../../nodes/messaging/ot-fax-in');
const ackNode = require('../../nodes/messaging/ot-fax-ack');

interface FaxMsg {
  payload: Buffer;
  filename: string;
  faxId: string;
  redelivery: boolean;
  topic: string;
  fax: Obj & { metadata: Obj; attempt: number };
  faxAck?: Obj;
}

describe('ot-fax-in and ot-fax-ack', () => {
  const h = useSandbox();
  const helper = useNodeRed();

  /** fax in -> out; ack (fed by the test) -> acked. */
  async function load(inSettings: Obj = {}, ackSettings: Obj = {}, creds: Obj = MESSAGING_CREDS) {
    const flow: FlowNode[] = [
      TAB,
      messagingConfig(h.url),
      { id: 'in1', type: 'ot-fax-in', z: 'tab1', server: 'm1', interval: 0, holdSec: 60, maxPerPoll: 10, groupNo: '', customer: false, domain: '', ...inSettings, wires: [['out']] },
      { id: 'out', type: 'helper', z: 'tab1' },
      { id: 'ack1', type: 'ot-fax-ack', z: 'tab1', server: 'm1', faxId: 'faxId', faxIdType: 'msg', ignoreMissing: false, ...ackSettings, wires: [['acked']] },
      { id: 'acked', type: 'helper', z: 'tab1' },
      { id: 'done1', type: 'complete', z: 'tab1', scope: ['in1'], uncaught: false, wires: [['polled']] },
      { id: 'polled', type: 'helper', z: 'tab1' },
      ...catcher(),
    ];
    await helper.load([messagingNode, inNode, ackNode], flow, creds as never);
    return { in1: helper.getNode('in1'), out: helper.getNode('out'), ack1: helper.getNode('ack1'), acked: helper.getNode('acked'), caught: helper.getNode('caught') };
  }

  /** Polls now ("poll now" input) and resolves, once the poll is done, with what it emitted. */
  async function poll(in1: ReturnType<typeof helper.getNode>, out: ReturnType<typeof helper.getNode>): Promise<FaxMsg[]> {
    const got: FaxMsg[] = [];
    const onMsg = (m: FaxMsg) => got.push(m);
    const emitter = out as unknown as NodeJS.EventEmitter;
    emitter.on('input', onMsg);
    try {
      const done = nextMessage(helper.getNode('polled'));
      in1.receive({ payload: 'poll' });
      await done;
      await sleep(20);
    } finally {
      emitter.removeListener('input', onMsg);
    }
    return got;
  }

  it('emits each waiting fax with its exact bytes and metadata, and holds it', async () => {
    const a = await injectFax(h.url, { from: '+1 555 222 3333', csid: 'ACME CLAIMS', department: 'claims', pages: 2, documentType: 'claim form', caseId: 'C-1001' });
    const content = Buffer.from('II*\u0000 not really a tiff but exact bytes', 'latin1');
    await injectFax(h.url, { from: '15550000002', to: '18005550102', content: content.toString('base64'), name: 'hr-scan.tif', format: 'TIFF', pages: 1 });
    const { in1, out } = await load();
    const got = await poll(in1, out);
    got.should.have.length(2);
    const [m1, m2] = got;
    Buffer.isBuffer(m1.payload).should.be.true();
    m1.payload.subarray(0, 5).toString().should.equal('%PDF-');
    sha256(m1.payload).should.equal(((a.body.document as Obj).sha256) as string);
    m1.filename.should.equal('fax-7000001.pdf');
    m1.faxId.should.equal('7000001');
    m1.redelivery.should.be.false();
    m1.topic.should.equal('18005550101');
    m1.fax.should.containEql({ id: '7000001', jobId: 'xdds-7000001', senderFax: '15552223333', senderCsid: 'ACME CLAIMS', receivingFax: '18005550101', pages: 2, documentType: 'PDF', domain: 'XDDS', attempt: 1, holdSec: 60 });
    m1.fax.metadata.should.eql({ document_type: 'claim form', case_id: 'C-1001', department: 'claims' });
    String(m1.fax.receivedTime).should.match(/Z$/);
    m2.payload.equals(content).should.be.true();
    m2.filename.should.equal('hr-scan.tif');
    m2.fax.receivingFax!.should.equal('18005550102');
    m2.fax.metadata.should.eql({});
    const s = await faxState(h.url);
    s.inbound.map((f) => f.state).should.eql(['held', 'held']);
    (await poll(in1, out)).should.have.length(0);
  });

  it('an acknowledged fax is released and never comes back', async () => {
    await injectFax(h.url, { from: '15550000001' });
    const { in1, out, ack1, acked } = await load();
    const [m] = await poll(in1, out);
    const p = nextMessage<FaxMsg>(acked);
    ack1.receive(m as unknown as Obj);
    const a = await p;
    a.faxAck!.should.eql({ id: '7000001', released: true });
    Buffer.isBuffer(a.payload).should.be.true(); // the payload goes on unchanged
    (await faxState(h.url)).inbound[0].state!.should.equal('released');
    // fax in forgot the id
    await until(() => !JSON.stringify(in1.context().get('otFaxIn') || {}).includes('7000001'), 2000, 'id forgotten');
    await advance(h.url, 3600000);
    (await poll(in1, out)).should.have.length(0);
  });

  it('a fax not acknowledged comes back after its hold as a redelivery; while in flight it is not emitted twice', async function () {
    this.timeout(20000);
    await injectFax(h.url, { from: '15550000001' });
    const { in1, out, ack1, acked } = await load({ holdSec: 5 });
    const [first] = await poll(in1, out);
    first.redelivery.should.be.false();
    first.fax.attempt.should.equal(1);
    // The service lets it go early (its clock is ahead): this flow is still working on it, so no second message.
    await advance(h.url, 6000);
    (await poll(in1, out)).should.have.length(0);
    (await faxState(h.url)).inbound[0].retrievals!.should.equal(2);
    // The flow failed (no ack): after the hold the fax comes back and is emitted again.
    await sleep(5300);
    const again = await poll(in1, out);
    again.should.have.length(1);
    again[0].faxId.should.equal(first.faxId);
    again[0].redelivery.should.be.true();
    again[0].fax.attempt.should.equal(2);
    again[0].payload.equals(first.payload).should.be.true();
    // this time the flow succeeds
    const p = nextMessage<FaxMsg>(acked);
    ack1.receive(again[0] as unknown as Obj);
    (await p).faxAck!.released!.should.be.true();
    await advance(h.url, 60000);
    (await poll(in1, out)).should.have.length(0);
  });

  it('drains the queue in bounded polls', async () => {
    for (let i = 0; i < 5; i++) await injectFax(h.url, { from: `1555000000${i}` });
    const { in1, out } = await load({ maxPerPoll: 2 });
    (await poll(in1, out)).map((m) => m.faxId).should.eql(['7000001', '7000002']);
    (await poll(in1, out)).map((m) => m.faxId).should.eql(['7000003', '7000004']);
    (await poll(in1, out)).map((m) => m.faxId).should.eql(['7000005']);
    (await poll(in1, out)).should.have.length(0);
  });

  it('polls on its own timer', async function () {
    this.timeout(8000);
    const { out } = await load({ interval: 1 });
    const got = collect<FaxMsg>(out);
    await sleep(200);
    await injectFax(h.url, { from: '15550000001', department: 'procurement' });
    await until(() => got.length === 1, 4000, 'fax from the timer poll');
    got[0].fax.receivingFax!.should.equal('18005550103');
  });

  it('reports a failed poll to Catch (wrong credentials) without leaking the password', async () => {
    const { in1, caught } = await load({}, {}, { m1: { username: 'sandbox-fax', password: 'not-the-password' } });
    const p = nextMessage<{ error: { code: string; message: string } }>(caught);
    in1.receive({ payload: 'poll' });
    const m = await p;
    m.error.code.should.equal('OT_AUTH');
    JSON.stringify(m).should.not.containEql('not-the-password');
  });

  it('reports a hold time outside 5..3600 as invalid input', async () => {
    const { in1, caught } = await load({ holdSec: 2 });
    const p = nextMessage<{ error: { code: string; message: string } }>(caught);
    in1.receive({ payload: 'poll' });
    const m = await p;
    m.error.code.should.equal('OT_INVALID_INPUT');
    m.error.message.should.match(/from 5 to 3600/);
  });

  describe('fax ack errors', () => {
    it('an unknown id: OT_NOT_FOUND', async () => {
      const { ack1, caught } = await load();
      const p = nextMessage<{ error: { code: string; message: string } }>(caught);
      ack1.receive({ faxId: '999' });
      const m = await p;
      m.error.code.should.equal('OT_NOT_FOUND');
      m.error.message.should.match(/Document 999 not found/);
    });

    it('an id already released: OT_NOT_FOUND saying so', async () => {
      await injectFax(h.url, { from: '15550000001' });
      const { in1, out, ack1, acked, caught } = await load();
      const [m] = await poll(in1, out);
      const p1 = nextMessage(acked);
      ack1.receive({ faxId: m.faxId });
      await p1;
      const p2 = nextMessage<{ error: { code: string; message: string } }>(caught);
      ack1.receive({ faxId: m.faxId });
      const e = await p2;
      e.error.code.should.equal('OT_NOT_FOUND');
      e.error.message.should.match(/already deleted/);
    });

    it('with "not an error": goes on with released false and a warning', async () => {
      const { ack1, acked, caught } = await load({}, { ignoreMissing: true });
      const errors = collect(caught);
      const p = nextMessage<FaxMsg>(acked);
      ack1.receive({ faxId: '999', payload: 'kept' });
      const m = await p;
      m.faxAck!.should.containEql({ id: '999', released: false });
      String(m.faxAck!.reason).should.match(/not found/);
      (m.payload as unknown as string).should.equal('kept');
      await sleep(30);
      errors.should.have.length(0);
      (ack1.warn as unknown as { called: boolean }).called.should.be.true();
    });

    it('no fax id: OT_INVALID_INPUT', async () => {
      const { ack1, caught } = await load();
      const p = nextMessage<{ error: { code: string; message: string } }>(caught);
      ack1.receive({ payload: 'no id here' });
      const m = await p;
      m.error.code.should.equal('OT_INVALID_INPUT');
      m.error.message.should.match(/fax id is required/);
      should.not.exist((await faxState(h.url)).inbound.find((f) => f.state === 'released'));
    });
  });
});
