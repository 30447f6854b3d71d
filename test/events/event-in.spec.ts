/**
 * ot-event-in ("OpenText event in") over real HTTP: the sandbox's webhooks (push responses, fax
 * status, inbound fax notices, Exstream delivery exceptions) reach the node's endpoint on
 * Node-RED's httpNode, signed with the shared secret; wrong secrets are refused with 401 and emit
 * nothing; repeats are emitted once; every event type is normalised.
 */
import crypto from 'crypto';
import http from 'http';
import { AddressInfo } from 'net';
import should from 'should';
import type { Node } from 'node-red';
import { useSandbox } from '../support/sandbox';
import { useNodeRed, nextMessage, collect, until, TAB, type FlowNode } from '../support/nr';

const eventInNode = require('../../nodes/events/ot-event-in');
const pushNode = require('../../nodes/messaging/ot-push');
const messagingNode = require('../../nodes/messaging/ot-messaging');

type Obj = Record<string, unknown>;
type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

const SECRET = 'sandbox-webhook-secret';
const BASIC = 'Basic ' + Buffer.from('sandbox-fax:sandbox-messaging').toString('base64');

interface EventMsg {
  topic: string;
  payload: { type: string; correlationId: string | null; eventId: string | null; receivedAt: string; payload: Obj };
  [k: string]: unknown;
}

describe('ot-event-in: OpenText event in', () => {
  const helper = useNodeRed();
  const h = useSandbox();
  // The test helper's httpNode is an express app without a server: serve whichever app the last
  // load handed to the nodes.
  let httpNode: Handler | undefined;
  const capture = (RED: { httpNode: Handler }) => {
    httpNode = RED.httpNode;
  };
  let server: http.Server;
  let base = '';
  /** Status codes the endpoint answered, in order. */
  const answered: number[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      res.on('finish', () => answered.push(res.statusCode));
      if (httpNode) httpNode(req, res);
      else {
        res.statusCode = 503;
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.close();
  });

  const endpoint = () => `${base}/opentext/events`;

  async function hooks(secret: string | null = SECRET): Promise<void> {
    const body: Obj = { push: endpoint(), fax: endpoint(), inboundFax: endpoint(), exstream: endpoint(), secret };
    const r = await fetch(`${h.url}/_sandbox/webhooks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    r.status.should.equal(200);
  }

  async function load(ev: Obj = {}, secret: string | undefined = SECRET, extra: FlowNode[] = [], creds: Obj = {}): Promise<{ out: Node; e: Node }> {
    const flow: FlowNode[] = [
      TAB,
      { id: 'e1', type: 'ot-event-in', z: 'tab1', url: '/opentext/events', verify: 'either', tokenHeader: 'X-OT-Token', signatureHeader: 'X-OT-Signature', types: '', dedupe: 600, wires: [['out']], ...ev },
      { id: 'out', type: 'helper', z: 'tab1' },
      ...extra,
    ];
    await helper.load([capture, messagingNode, pushNode, eventInNode], flow, { e1: secret === undefined ? {} : { secret }, ...creds });
    await hooks();
    return { out: helper.getNode('out'), e: helper.getNode('e1') };
  }

  async function post(body: unknown, headers: Record<string, string> = {}, url = endpoint()): Promise<{ status: number; body: Obj }> {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: raw });
    return { status: r.status, body: (await r.json().catch(() => ({}))) as Obj };
  }
  const sign = (raw: string, secret = SECRET) => 'sha256=' + crypto.createHmac('sha256', secret).update(raw).digest('hex');

  async function sendPush(recipients: Obj, actions = [{ id: 'approve', label: 'Approve' }, { id: 'reject', label: 'Reject' }], reference = 'decl-4711'): Promise<string> {
    const file = { type: 'push', recipients, notification: { title: 'Declaration request', body: 'Contract.pdf', actions }, reference };
    const r = await fetch(`${h.url}/mra/v1/utils/parser`, { method: 'POST', headers: { authorization: BASIC, 'content-type': 'application/json' }, body: JSON.stringify({ domain: 'MR', filename: 'decl.json', data: Buffer.from(JSON.stringify(file)).toString('base64') }) });
    r.status.should.equal(200);
    return ((await r.json()) as { job_id: string }).job_id;
  }

  async function respond(body: Obj): Promise<Obj> {
    const r = await fetch(`${h.url}/_sandbox/push-response`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    r.status.should.equal(200);
    return (await r.json()) as Obj;
  }

  async function nothingWithin(got: unknown[], ms = 400): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
    got.should.have.length(0);
  }

  describe('push engagement, end to end', () => {
    it('a push sent by "send push" is answered in the sandbox and arrives as push.response', async () => {
      const { out } = await load({}, SECRET, [
        { id: 'm1', type: 'ot-messaging', baseUrl: `${h.url}/mra/v1`, authMode: 'basic', timeout: 5, retries: 1 },
        { id: 'p1', type: 'ot-push', z: 'tab1', backend: 'messaging', messaging: 'm1', recipients: 'group:records-managers', recipientsType: 'str', title: 'Declaration request', body: '{{payload.name}} needs a decision', actions: 'approve=Approve, reject=Reject', reference: 'decl-{{payload.id}}', submitId: '_msgid', submitIdType: 'msg', wires: [['sent']] },
        { id: 'sent', type: 'helper', z: 'tab1' },
      ], { m1: { username: 'sandbox-fax', password: 'sandbox-messaging' } });
      const sent = nextMessage<{ payload: { job_id: string } }>(helper.getNode('sent'));
      helper.getNode('p1').receive({ payload: { id: 4711, name: 'Contract.pdf' } });
      const job = (await sent).payload.job_id;
      const wait = nextMessage<EventMsg>(out);
      const answered = await respond({ job_id: job, user: 'rmanager', action: 'approve', data: { classification: 'Contracts' } });
      const m = await wait;
      m.topic.should.equal('push.response');
      m.payload.type.should.equal('push.response');
      m.payload.correlationId!.should.equal('decl-4711');
      m.payload.eventId!.should.equal(answered.eventId);
      m.payload.payload.should.containEql({ event: 'push.response', job_id: job, reference: 'decl-4711', user: 'rmanager', action: 'approve', data: { classification: 'Contracts' } });
      should.not.exist(m.payload.payload.webhook);
      JSON.stringify(m).should.not.containEql(SECRET);
    });

    it('"opened" arrives as push.opened, correlated by job id when the push had no reference', async () => {
      const { out } = await load();
      const job = await sendPush({ users: ['jsmith'] }, [], '');
      const wait = nextMessage<EventMsg>(out);
      await respond({ job_id: job, user: 'jsmith', action: 'opened' });
      const m = await wait;
      m.topic.should.equal('push.opened');
      m.payload.correlationId!.should.equal(job);
      m.payload.payload.device!.should.equal('android-jsmith-1');
    });

    it('emits a repeated event (same eventId) once', async () => {
      const { out } = await load();
      const got = collect<EventMsg>(out);
      const job = await sendPush({ users: ['rmanager'] });
      await respond({ job_id: job, user: 'rmanager', action: 'reject', eventId: 'evt-dup-1', repeat: 3 });
      await until(() => got.length === 1, 3000, 'first event');
      await new Promise((r) => setTimeout(r, 400));
      got.should.have.length(1);
      // a direct repeat is answered as a duplicate
      const raw = JSON.stringify({ event: 'push.response', eventId: 'evt-dup-1', job_id: job, action: 'reject' });
      const again = await post(raw, { 'X-OT-Signature': sign(raw) });
      again.should.eql({ status: 200, body: { received: true, duplicate: true } });
      got.should.have.length(1);
    });

    it('keeps repeats when the window is 0', async () => {
      const { out } = await load({ dedupe: 0 });
      const got = collect<EventMsg>(out);
      const job = await sendPush({ users: ['rmanager'] });
      await respond({ job_id: job, user: 'rmanager', action: 'approve', eventId: 'evt-keep', repeat: 2 });
      await until(() => got.length === 2, 3000, 'two events');
    });
  });

  describe('secret verification', () => {
    it('refuses a wrong secret with 401 and emits nothing (sandbox signing with another secret)', async () => {
      const { out } = await load();
      const got = collect<EventMsg>(out);
      await hooks('not-the-secret');
      answered.length = 0;
      const job = await sendPush({ users: ['rmanager'] });
      await respond({ job_id: job, user: 'rmanager', action: 'approve' });
      await until(() => answered.length === 1, 3000, 'the webhook call');
      answered.should.eql([401]);
      await nothingWithin(got);
    });

    it('refuses a wrong token, a wrong signature and no credentials with 401', async () => {
      const { out } = await load();
      const got = collect<EventMsg>(out);
      const raw = JSON.stringify({ event: 'push.opened', eventId: 'e-1', job_id: 'psh-1' });
      (await post(raw, { 'X-OT-Token': 'guess' })).should.eql({ status: 401, body: { error: 'invalid or missing credentials' } });
      (await post(raw, { 'X-OT-Signature': sign(raw, 'other') })).status.should.equal(401);
      // a signature that is present must verify, even with the right token
      (await post(raw, { 'X-OT-Token': SECRET, 'X-OT-Signature': sign(raw + ' ') })).status.should.equal(401);
      (await post(raw)).status.should.equal(401);
      await nothingWithin(got);
    });

    it('accepts an HMAC-SHA256 signature of the raw body without the token', async () => {
      const { out } = await load({ verify: 'hmac' });
      const raw = JSON.stringify({ event: 'push.opened', eventId: 'e-hmac', job_id: 'psh-9', reference: 'ref-9' });
      const wait = nextMessage<EventMsg>(out);
      const r = await post(raw, { 'X-OT-Signature': sign(raw) });
      r.should.eql({ status: 200, body: { received: true, duplicate: false } });
      (await wait).payload.correlationId!.should.equal('ref-9');
      // in HMAC mode the token alone is not enough
      (await post(JSON.stringify({ event: 'push.opened', eventId: 'e-2' }), { 'X-OT-Token': SECRET })).status.should.equal(401);
    });

    it('accepts the token alone in token mode, with a custom header name', async () => {
      const { out } = await load({ verify: 'token', tokenHeader: 'X-Callback-Key' });
      const wait = nextMessage<EventMsg>(out);
      (await post({ eventId: 'c-1', reference: 'my-ref' }, { 'X-Callback-Key': SECRET })).status.should.equal(200);
      const m = await wait;
      m.payload.type.should.equal('custom');
      m.payload.correlationId!.should.equal('my-ref');
      (await post({ eventId: 'c-2' }, { 'X-OT-Token': SECRET })).status.should.equal(401);
    });

    it('refuses everything when no secret is set, and accepts anything with verification off', async () => {
      let n = await load({}, undefined);
      const got = collect<EventMsg>(n.out);
      (await post({ eventId: 'x' }, { 'X-OT-Token': '' })).status.should.equal(401);
      await nothingWithin(got, 100);
      await helper.unload();
      n = await load({ verify: 'none' }, undefined);
      const wait = nextMessage<EventMsg>(n.out);
      (await post({ eventId: 'open-1' })).status.should.equal(200);
      (await wait).payload.eventId!.should.equal('open-1');
    });
  });

  describe('each event type is normalised', () => {
    it('fax.status from the fax status webhook (correlation id = job id)', async () => {
      const { out } = await load();
      const r = await fetch(`${h.url}/mra/v1/outbound/faxes`, { method: 'POST', headers: { authorization: BASIC, 'content-type': 'application/json' }, body: JSON.stringify({ destinations: [{ fax: '15551234567', ref: 'letter-1' }], documents: [{ name: 'a.txt', type: 'text', data: Buffer.from('hello').toString('base64') }] }) });
      r.status.should.equal(200);
      const job = ((await r.json()) as { job_id: string }).job_id;
      const wait = nextMessage<EventMsg>(out, 10000);
      await fetch(`${h.url}/_sandbox/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: '10m' }) });
      const m = await wait;
      m.topic.should.equal('fax.status');
      m.payload.correlationId!.should.equal(job);
      m.payload.payload.job_id!.should.equal(job);
      (m.payload.payload.deliveries as unknown[]).should.have.length(1);
    });

    it('fax.inbound from the inbound fax notice (correlation id = fax id)', async () => {
      const { out } = await load();
      const wait = nextMessage<EventMsg>(out);
      const r = await fetch(`${h.url}/_sandbox/inbound-fax`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: '15555550199', text: 'Referral' }) });
      r.status.should.equal(201);
      const f = (await r.json()) as { id: string };
      const m = await wait;
      m.topic.should.equal('fax.inbound');
      m.payload.correlationId!.should.equal(f.id);
      m.payload.payload.should.containEql({ event: 'inbound_fax', id: f.id, sender_fax: '15555550199' });
    });

    it('exstream.delivery_exception (correlation id = customer reference), a repeat once', async () => {
      const { out } = await load();
      const got = collect<EventMsg>(out);
      const ev = { eventType: 'DELIVERY_EXCEPTION', eventId: 'ex-1', exceptionType: 'UNDELIVERABLE_EMAIL', communicationId: 'c0ffee00-0000-4000-8000-000000000001', documentType: 'Statement', customerReference: 'cust-1001', channel: 'EMAIL', reason: 'mailbox unavailable', timestamp: new Date().toISOString() };
      h.sb.app.emitWebhook('exstream', ev).should.equal(true);
      h.sb.app.emitWebhook('exstream', ev);
      await until(() => got.length === 1, 3000, 'exstream event');
      await new Promise((r) => setTimeout(r, 300));
      got.should.have.length(1);
      got[0].topic.should.equal('exstream.delivery_exception');
      got[0].payload.correlationId!.should.equal('cust-1001');
      got[0].payload.eventId!.should.equal('ex-1');
      got[0].payload.payload.should.eql(ev);
    });

    it('custom for any other JSON (correlation id from correlationId/reference/eventId/id)', async () => {
      const { out } = await load();
      const raw = JSON.stringify({ correlationId: 'order-5', status: 'done' });
      const wait = nextMessage<EventMsg>(out);
      (await post(raw, { 'X-OT-Token': SECRET })).status.should.equal(200);
      const m = await wait;
      m.should.containEql({ topic: 'custom' });
      m.payload.should.containEql({ type: 'custom', correlationId: 'order-5', eventId: null });
      m.payload.payload.should.eql({ correlationId: 'order-5', status: 'done' });
    });
  });

  describe('filter, bad requests and redeploy', () => {
    it('emits only the ticked types and answers the others as ignored', async () => {
      const { out } = await load({ types: 'push.response,push.opened' });
      const got = collect<EventMsg>(out);
      const raw = JSON.stringify({ event: 'inbound_fax', id: '77' });
      (await post(raw, { 'X-OT-Token': SECRET })).should.eql({ status: 200, body: { received: true, ignored: true } });
      const job = await sendPush({ users: ['rmanager'] });
      await respond({ job_id: job, user: 'rmanager', action: 'approve' });
      await until(() => got.length === 1, 3000, 'push event');
      await new Promise((r) => setTimeout(r, 200));
      got.map((m) => m.topic).should.eql(['push.response']);
    });

    it('answers 400 for a body that is not JSON and 413 for one over 1 MB, emitting nothing', async () => {
      const { out } = await load();
      const got = collect<EventMsg>(out);
      const bad = 'not json';
      (await post(bad, { 'X-OT-Signature': sign(bad) })).should.eql({ status: 400, body: { error: 'the body must be JSON' } });
      const big = JSON.stringify({ x: 'y'.repeat(1024 * 1024) });
      (await post(big, { 'X-OT-Token': SECRET })).status.should.equal(413);
      await nothingWithin(got, 100);
    });

    it('answers 200 even when the flow behind it fails, and removes its route when the flow stops', async () => {
      // the event goes on to a "send push" without a connection, which fails into the Catch node
      await load({ wires: [['out', 'p1']] }, SECRET, [
        { id: 'p1', type: 'ot-push', z: 'tab1', backend: 'messaging', messaging: '', recipients: 'jsmith', recipientsType: 'str', title: 'T', body: 'B', wires: [[]] },
        { id: 'c1', type: 'catch', z: 'tab1', scope: null, uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper', z: 'tab1' },
      ]);
      const failed = nextMessage<{ error: { code: string } }>(helper.getNode('caught'));
      const wait = nextMessage<EventMsg>(helper.getNode('out'));
      (await post({ eventId: 'r-1' }, { 'X-OT-Token': SECRET })).should.eql({ status: 200, body: { received: true, duplicate: false } });
      await wait;
      (await failed).error.code.should.equal('OT_INVALID_INPUT');
      await helper.unload();
      (await post({ eventId: 'r-2' }, { 'X-OT-Token': SECRET })).status.should.equal(404);
    });
  });
});
