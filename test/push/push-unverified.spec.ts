/**
 * ot-push and ot-appworks calls to endpoints that no public OpenText reference documents:
 * - the push status read `GET /mra/v1/utils/parser/status?job_id=` ([GUESS], used only when "read
 *   delivery status" is ticked; the path can be changed in the node and in the sandbox setting
 *   pushStatusPath),
 * - the AppWorks "Test connection" probe `GET /gateway/v2/notifications` (expects 405: the
 *   notifications API has no read-only call, and a POST would notify someone).
 * The contract checker can only answer "no such operation" for these (it knows no push status call
 * and no GET on the gateway), which would fail every full test run, so these sandboxes do not
 * record. Run this file with recording on to see exactly those unknown operations and nothing else.
 */
import { useSandbox } from '../support/sandbox';
import { useNodeRed, nextMessage, TAB, type FlowNode } from '../support/nr';

const pushNode = require('../../nodes/messaging/ot-push');
const messagingNode = require('../../nodes/messaging/ot-messaging');
const appworksNode = require('../../nodes/messaging/ot-appworks');

type Obj = Record<string, unknown>;

interface PushOut {
  payload: { job_id: string | null; recipients: Array<{ recipient: string; devices: string[]; result: string }>; status?: Obj; statusError?: Obj };
}

describe('ot-push / ot-appworks: unverified endpoints', () => {
  const helper = useNodeRed();
  const h = useSandbox({ record: false });
  const pushState = () => h.sb.state('push') as { byUser: Record<string, unknown[]> };
  const awState = () => h.sb.state('appworks') as { notifications: unknown[] };

  function flow(push: Obj): FlowNode[] {
    return [
      TAB,
      { id: 'm1', type: 'ot-messaging', baseUrl: `${h.url}/mra/v1`, authMode: 'basic', timeout: 5, retries: 1, maxDelay: 1, concurrency: 4 },
      { id: 'aw1', type: 'ot-appworks', gatewayUrl: h.url, timeout: 5, retries: 1, maxDelay: 1, concurrency: 4 },
      { id: 'p1', type: 'ot-push', z: 'tab1', backend: 'messaging', messaging: 'm1', appworks: 'aw1', mode: 'compose', recipients: 'recipients', recipientsType: 'msg', data: 'data', dataType: 'msg', submitId: '_msgid', submitIdType: 'msg', domain: 'MR', wires: [['out']], ...push },
      { id: 'out', type: 'helper', z: 'tab1' },
    ];
  }

  async function load(push: Obj) {
    await helper.load([messagingNode, appworksNode, pushNode], flow(push), { m1: { username: 'sandbox-fax', password: 'sandbox-messaging' }, aw1: { key: 'sandbox-appworks-key' } });
    return { p: helper.getNode('p1'), out: helper.getNode('out') };
  }

  describe('push status read', () => {
    it('reads the delivery status after sending when asked (devices and results per recipient)', async () => {
      const { p, out } = await load({ confirm: true, title: 'Statement ready', body: 'Your statement is ready' });
      const wait = nextMessage<PushOut>(out);
      p.receive({ recipients: { topics: ['outages'], users: ['jsmith'] } });
      const m = await wait;
      m.payload.recipients.should.eql([
        { recipient: 'user:jsmith', devices: ['android-jsmith-1'], result: 'delivered' },
        { recipient: 'topic:outages', devices: ['ios-cust-1001', 'android-cust-1002', 'ios-cust-1003', 'android-cust-1003', 'android-cust-1004'], result: 'partial' },
      ]);
      (m.payload.status!.job_state as string[]).should.eql(['Complete', 'Partial']);
    });

    it('keeps the result when the status read fails after the push went out', async () => {
      const { p, out } = await load({ confirm: true, title: 'T', body: 'B' });
      h.sb.app.setFaults({ rules: [{ route: 'GET /mra/v1/utils/parser/status', probability: 1, kind: '500' }] });
      const wait = nextMessage<PushOut>(out);
      p.receive({ recipients: 'jsmith' });
      const m = await wait;
      m.payload.job_id!.should.match(/^psh-/);
      m.payload.recipients.should.eql([{ recipient: 'user:jsmith', devices: [], result: 'submitted' }]);
      m.payload.statusError!.code!.should.equal('OT_API');
      pushState().byUser.jsmith.should.have.length(1);
    });
  });

  describe('ot-appworks connection', () => {
    it('answers the test-connection endpoint without sending a notification', async () => {
      await load({});
      const ok = await helper.request().post('/opentext/ot-appworks/test').send({ settings: { gatewayUrl: h.url }, credentials: { key: 'sandbox-appworks-key' } }).expect(200);
      ok.body.ok.should.equal(true);
      ok.body.message.should.match(/gateway found/);
      const noKey = await helper.request().post('/opentext/ot-appworks/test').send({ settings: { gatewayUrl: h.url }, credentials: {} }).expect(200);
      noKey.body.should.containEql({ ok: false, code: 'OT_INVALID_INPUT' });
      const wrongUrl = await helper.request().post('/opentext/ot-appworks/test').send({ settings: { gatewayUrl: `${h.url}/nothing` }, credentials: { key: 'sandbox-appworks-key' } }).expect(200);
      wrongUrl.body.should.containEql({ ok: false, code: 'OT_NOT_FOUND' });
      awState().notifications.should.have.length(0);
    });
  });
});

describe('ot-push: a configured status path', () => {
  const helper = useNodeRed();
  const h = useSandbox({ record: false, settings: { pushStatusPath: '/mra/v1/outbound/push/status' } });

  it('reads the status from the path set in the node (sandbox setting pushStatusPath)', async () => {
    await helper.load([messagingNode, pushNode], [
      TAB,
      { id: 'm1', type: 'ot-messaging', baseUrl: `${h.url}/mra/v1`, authMode: 'basic', timeout: 5, retries: 1 },
      { id: 'p1', type: 'ot-push', z: 'tab1', backend: 'messaging', messaging: 'm1', recipients: 'group:legal', recipientsType: 'str', title: 'T', body: 'B', confirm: true, statusPath: 'outbound/push/status', wires: [['out']] },
      { id: 'out', type: 'helper', z: 'tab1' },
    ], { m1: { username: 'sandbox-fax', password: 'sandbox-messaging' } });
    const wait = nextMessage<PushOut>(helper.getNode('out'));
    helper.getNode('p1').receive({});
    const m = await wait;
    m.payload.recipients.should.eql([{ recipient: 'group:legal', devices: ['ios-lcounsel-1'], result: 'delivered' }]);
    const unknown = await fetch(`${h.url}/mra/v1/outbound/push/status?job_id=psh-1`, { headers: { authorization: 'Basic ' + Buffer.from('sandbox-fax:sandbox-messaging').toString('base64') } });
    unknown.status.should.equal(404);
  });
});
