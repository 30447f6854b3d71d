/**
 * ot-push ("send push") over real HTTP against the sandbox: Cloud Messaging (request file to
 * utils/parser) and AppWorks Gateway, mustache rendering, expansion of groups and topics, exactly
 * once by idempotency key, raw request files, and every error code the node can produce.
 */
import should from 'should';
import type { Node } from 'node-red';
import { useSandbox } from '../support/sandbox';
import { useNodeRed, nextMessage, collect, until, TAB, type FlowNode } from '../support/nr';

const pushNode = require('../../nodes/messaging/ot-push');
const messagingNode = require('../../nodes/messaging/ot-messaging');
const appworksNode = require('../../nodes/messaging/ot-appworks');

type Obj = Record<string, unknown>;

interface Delivery {
  job_id: string;
  device: string;
  user: string;
  title: string;
  body: string;
  data?: Obj;
  deep_link?: string;
  actions: Obj[];
  priority: string;
  ttl?: number;
  reference?: string;
}

interface PushSnapshot {
  jobs: Array<Obj & { notification: Obj; recipients: Obj[]; submitId?: string; filename: string; deliveries: Delivery[] }>;
  byUser: Record<string, Delivery[]>;
  submits: number;
  duplicates: number;
}

interface AwSnapshot {
  notifications: Array<Obj & { message: Obj; users: string[] }>;
  byUser: Record<string, Array<{ client: string; header: string; body: string; message: Obj }>>;
}

interface PushOut {
  _msgid: string;
  payload: { backend: string; job_id: string | null; reference?: string; recipients: Array<{ recipient: string; devices: string[]; result: string }>; duplicate?: boolean; status?: Obj; statusError?: Obj };
  [k: string]: unknown;
}

interface Caught {
  error: { message: string; code: string; source: { id: string } };
  otError?: Obj;
  [k: string]: unknown;
}

describe('ot-push: send push', () => {
  const helper = useNodeRed();
  const h = useSandbox();
  const pushState = () => h.sb.state('push') as PushSnapshot;
  const awState = () => h.sb.state('appworks') as AwSnapshot;

  function flow(push: Obj, messaging: Obj = {}, appworks: Obj = {}): FlowNode[] {
    return [
      TAB,
      { id: 'm1', type: 'ot-messaging', name: 'sandbox', baseUrl: `${h.url}/mra/v1`, authMode: 'basic', timeout: 5, retries: 1, maxDelay: 1, concurrency: 4, ...messaging },
      { id: 'aw1', type: 'ot-appworks', name: 'gateway', gatewayUrl: h.url, timeout: 5, retries: 1, maxDelay: 1, concurrency: 4, ...appworks },
      { id: 'p1', type: 'ot-push', z: 'tab1', backend: 'messaging', messaging: 'm1', appworks: 'aw1', mode: 'compose', recipients: 'recipients', recipientsType: 'msg', title: '', body: '', data: 'data', dataType: 'msg', actions: '', actionsType: 'str', priority: 'normal', ttl: '', reference: '', submitId: '_msgid', submitIdType: 'msg', domain: 'MR', filename: '', awType: 'node-red', displayType: 'show', confirm: false, wires: [['out']], ...push },
      { id: 'out', type: 'helper', z: 'tab1' },
      { id: 'c1', type: 'catch', z: 'tab1', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'tab1' },
    ];
  }
  const creds = (m: Obj = {}, a: Obj = {}) => ({ m1: { username: 'sandbox-fax', password: 'sandbox-messaging', ...m }, aw1: { key: 'sandbox-appworks-key', ...a } });

  async function load(push: Obj, opts: { messaging?: Obj; appworks?: Obj; mcreds?: Obj; acreds?: Obj } = {}) {
    await helper.load([messagingNode, appworksNode, pushNode], flow(push, opts.messaging, opts.appworks), creds(opts.mcreds, opts.acreds));
    return { p: helper.getNode('p1'), out: helper.getNode('out'), caught: helper.getNode('caught') };
  }

  async function expectError(p: Node, caught: Node, msg: Obj, code: string, re?: RegExp): Promise<Caught> {
    const wait = nextMessage<Caught>(caught);
    p.receive(msg);
    const c = await wait;
    c.error.code.should.equal(code);
    c.error.source.id.should.equal('p1');
    if (re) c.error.message.should.match(re);
    const text = JSON.stringify(c);
    text.should.not.containEql('sandbox-messaging');
    text.should.not.containEql('sandbox-appworks-key');
    return c;
  }

  describe('Cloud Messaging', () => {
    it('renders the mustache title and body and every device of the user gets that text', async () => {
      const { p, out } = await load({
        title: 'Declaration request: {{payload.name}}',
        body: '{{payload.name}} from {{payload.requester}} needs a records decision',
        deepLink: 'https://ecm.example.com/app/nodes/{{payload.id}}',
        actions: 'approve=Approve, reject=Reject',
        priority: 'high',
        ttl: '3600',
        reference: 'decl-{{payload.id}}',
      });
      const wait = nextMessage<PushOut>(out);
      p.receive({ payload: { id: 4711, name: 'Contract.pdf', requester: 'jsmith' }, recipients: 'rmanager', data: { nodeId: 4711 } });
      const m = await wait;
      m.payload.backend.should.equal('messaging');
      m.payload.job_id!.should.match(/^psh-\d+$/);
      m.payload.reference!.should.equal('decl-4711');
      m.payload.recipients.should.eql([{ recipient: 'user:rmanager', devices: [], result: 'submitted' }]);
      const s = pushState();
      s.jobs.should.have.length(1);
      s.jobs[0].notification.should.eql({
        title: 'Declaration request: Contract.pdf',
        body: 'Contract.pdf from jsmith needs a records decision',
        deep_link: 'https://ecm.example.com/app/nodes/4711',
        priority: 'high',
        ttl: 3600,
        actions: [{ id: 'approve', label: 'Approve' }, { id: 'reject', label: 'Reject' }],
      });
      s.jobs[0].submitId!.should.startWith(m._msgid + '-');
      s.jobs[0].filename.should.match(/^push-.+\.json$/);
      s.byUser.rmanager.map((d) => d.device).sort().should.eql(['android-rmanager-1', 'ios-rmanager-1']);
      for (const d of s.byUser.rmanager) {
        d.should.containEql({ job_id: m.payload.job_id, title: 'Declaration request: Contract.pdf', body: 'Contract.pdf from jsmith needs a records decision', data: { nodeId: 4711 }, reference: 'decl-4711', priority: 'high', ttl: 3600 });
      }
      Object.keys(s.byUser).should.eql(['rmanager']);
    });

    it('expands groups and topics to their members\' devices', async () => {
      const { p, out } = await load({ recipients: 'group:operations, topic:statements, user:mboss', recipientsType: 'str', title: 'Outage', body: 'Service restored at {{payload}}' });
      const wait = nextMessage<PushOut>(out);
      p.receive({ payload: '14:00' });
      const m = await wait;
      m.payload.recipients.map((r) => r.recipient).should.eql(['user:mboss', 'topic:statements', 'group:operations']);
      const s = pushState();
      s.byUser.cclerk.should.have.length(1);
      s.byUser.mboss.should.have.length(2);
      s.byUser['cust-1001'].should.have.length(1);
      s.byUser['cust-1002'].should.have.length(1);
      s.byUser['cust-1003'].should.have.length(2);
      for (const list of Object.values(s.byUser)) for (const d of list) d.body.should.equal('Service restored at 14:00');
      should.not.exist(s.byUser.rmanager);
    });

    it('sends the same message only once (X-MRA-SubmitId from msg._msgid)', async () => {
      const { p, out } = await load({ title: 'Reminder', body: 'Certification due for {{payload}}' });
      const got = collect<PushOut>(out);
      const msg = { _msgid: 'fixed-msg-1', payload: 'Q3', recipients: 'lcounsel' };
      p.receive({ ...msg });
      p.receive({ ...msg });
      await until(() => got.length === 2, 5000, 'two outputs');
      got[1].payload.job_id!.should.equal(got[0].payload.job_id!);
      const s = pushState();
      s.jobs.should.have.length(1);
      s.byUser.lcounsel.should.have.length(1);
      s.duplicates.should.equal(1);
    });

    it('still sends split copies (same _msgid, different content) separately', async () => {
      const { p, out } = await load({ title: 'Review due', body: '{{payload}} is due' });
      const got = collect<PushOut>(out);
      p.receive({ _msgid: 'split-1', payload: 'Record A', recipients: 'rmanager' });
      p.receive({ _msgid: 'split-1', payload: 'Record B', recipients: 'rmanager' });
      await until(() => got.length === 2, 5000, 'two outputs');
      got[0].payload.job_id!.should.not.equal(got[1].payload.job_id!);
      pushState().byUser.rmanager.map((d) => d.body).sort().should.eql(['Record A is due', 'Record A is due', 'Record B is due', 'Record B is due']);
    });

    it('uses a chosen idempotency key as it is (one push per document)', async () => {
      const { p, out } = await load({ title: 'Hold applied', body: '{{payload}}', submitId: 'docId', submitIdType: 'msg' });
      const got = collect<PushOut>(out);
      p.receive({ payload: 'first text', docId: 'doc-77', recipients: 'acompliance' });
      await until(() => got.length === 1);
      p.receive({ payload: 'second text', docId: 'doc-77', recipients: 'acompliance' });
      await until(() => got.length === 2);
      const s = pushState();
      s.jobs.should.have.length(1);
      s.jobs[0].submitId!.should.equal('doc-77');
      s.byUser.acompliance.map((d) => d.body).should.eql(['first text']);
    });

    it('takes title, body, deep link and reference from the message when the fields are empty', async () => {
      const { p, out } = await load({});
      const wait = nextMessage<PushOut>(out);
      p.receive({ title: 'From msg', body: 'Body from msg', deepLink: 'otapp://record/9', reference: 'ref-9', recipients: ['user:jsmith'] });
      const m = await wait;
      m.payload.reference!.should.equal('ref-9');
      pushState().byUser.jsmith[0].should.containEql({ title: 'From msg', body: 'Body from msg', deep_link: 'otapp://record/9', reference: 'ref-9' });
    });

    it('sends a raw request file from msg.payload as it is', async () => {
      const { p, out } = await load({ mode: 'raw', recipients: '', recipientsType: 'str' });
      const file = { type: 'push', recipients: { groups: ['legal'], devices: ['ios-acompliance-1'] }, notification: { title: 'Raw', body: 'Raw body', actions: [{ id: 'ack', label: 'OK' }] }, data: { a: 1 }, reference: 'raw-1' };
      const wait = nextMessage<PushOut>(out);
      p.receive({ payload: JSON.stringify(file) });
      const m = await wait;
      m.payload.reference!.should.equal('raw-1');
      m.payload.recipients.map((r) => r.recipient).should.eql(['device:ios-acompliance-1', 'group:legal']);
      m.payload.recipients[0].devices.should.eql(['ios-acompliance-1']);
      const s = pushState();
      s.byUser.lcounsel[0].should.containEql({ title: 'Raw', body: 'Raw body', data: { a: 1 } });
      s.byUser.acompliance.should.have.length(1);
    });

    it('passes other message properties through and never puts the password on the message', async () => {
      const { p, out } = await load({ title: 'T', body: 'B' });
      const wait = nextMessage<PushOut>(out);
      p.receive({ recipients: 'jsmith', topic: 'keep-me', correlation: { id: 5 } });
      const m = await wait;
      m.topic!.should.equal('keep-me');
      m.correlation!.should.eql({ id: 5 });
      JSON.stringify(m).should.not.containEql('sandbox-messaging');
    });
  });

  describe('AppWorks Gateway', () => {
    it('renders the message and each AppWorks client of the user gets the text', async () => {
      const { p, out } = await load({ backend: 'appworks', title: 'Legal hold: {{payload.hold}}', body: '{{payload.count}} records are now on hold', actions: '["Acknowledge"]', actionsType: 'json', reference: 'hold-{{payload.hold}}' });
      const wait = nextMessage<PushOut>(out);
      p.receive({ payload: { hold: 'Litigation 2026', count: 3 }, recipients: 'rmanager, lcounsel', data: '{"holdId": 9}' });
      const m = await wait;
      m.payload.backend.should.equal('appworks');
      m.payload.job_id!.should.match(/^[0-9a-f-]{36}$/);
      m.payload.duplicate!.should.equal(false);
      m.payload.recipients.should.eql([
        { recipient: 'user:rmanager', devices: [], result: 'sent' },
        { recipient: 'user:lcounsel', devices: [], result: 'sent' },
      ]);
      const s = awState();
      s.notifications.should.have.length(1);
      s.notifications[0].message.should.eql({ type: 'node-red', displayType: 'show', header: 'Legal hold: Litigation 2026', body: '3 records are now on hold', actions: [{ id: 'acknowledge', label: 'Acknowledge' }], data: { holdId: 9 }, reference: 'hold-Litigation 2026', priority: 'normal' });
      s.byUser.rmanager.map((d) => d.client).should.eql(['aw-ios-rmanager', 'aw-web-rmanager']);
      for (const d of [...s.byUser.rmanager, ...s.byUser.lcounsel]) d.should.containEql({ header: 'Legal hold: Litigation 2026', body: '3 records are now on hold' });
    });

    it('does not notify twice for a repeated message (the gateway has no submit id)', async () => {
      const { p, out } = await load({ backend: 'appworks', title: 'T', body: 'Same text' });
      const got = collect<PushOut>(out);
      const msg = { _msgid: 'aw-repeat', recipients: 'jsmith' };
      p.receive({ ...msg });
      await until(() => got.length === 1);
      p.receive({ ...msg });
      await until(() => got.length === 2);
      got[1].payload.duplicate!.should.equal(true);
      got[1].payload.job_id!.should.equal(got[0].payload.job_id!);
      awState().byUser.jsmith.should.have.length(1);
    });

    it('sends a raw AppWorks message from msg.payload', async () => {
      const { p, out } = await load({ backend: 'appworks', mode: 'raw' });
      const wait = nextMessage<PushOut>(out);
      p.receive({ payload: { type: 'claims', header: 'Claim', body: 'Claim 12 approved', claim: 12 }, recipients: 'cclerk' });
      await wait;
      awState().byUser.cclerk[0].message.should.eql({ type: 'claims', header: 'Claim', body: 'Claim 12 approved', claim: 12 });
    });
  });

  describe('errors reach Catch with a code', () => {
    it('OT_INVALID_INPUT without recipients, and nothing is sent', async () => {
      const { p, caught } = await load({ title: 'T', body: 'B' });
      await expectError(p, caught, { payload: 'x' }, 'OT_INVALID_INPUT', /recipients: no recipients given/);
      pushState().submits.should.equal(0);
    });

    it('OT_INVALID_INPUT for data that is not valid JSON', async () => {
      const { p, caught } = await load({ title: 'T', body: 'B' });
      const c = await expectError(p, caught, { recipients: 'jsmith', data: '{"nodeId": 12' }, 'OT_INVALID_INPUT', /data is not valid JSON/);
      c.otError!.code!.should.equal('OT_INVALID_INPUT');
      pushState().submits.should.equal(0);
    });

    it('OT_INVALID_INPUT for an invalid JSON data field, bad buttons, an empty body or a bad time to live', async () => {
      let n = await load({ title: 'T', body: 'B', data: '{oops', dataType: 'json' });
      await expectError(n.p, n.caught, { recipients: 'jsmith' }, 'OT_INVALID_INPUT');
      await helper.unload();
      n = await load({ title: 'T', body: 'B', actions: 'approve=Approve, approve=Again' });
      await expectError(n.p, n.caught, { recipients: 'jsmith' }, 'OT_INVALID_INPUT', /used twice/);
      await helper.unload();
      n = await load({ title: 'T', body: '{{payload}}' });
      await expectError(n.p, n.caught, { recipients: 'jsmith', payload: '' }, 'OT_INVALID_INPUT', /body is empty/);
      await helper.unload();
      n = await load({ title: 'T', body: 'B', ttl: '9999999' });
      await expectError(n.p, n.caught, { recipients: 'jsmith' }, 'OT_INVALID_INPUT', /time to live/);
      pushState().submits.should.equal(0);
    });

    it('OT_INVALID_INPUT from the server for an unknown recipient', async () => {
      const { p, caught } = await load({ title: 'T', body: 'B' });
      const c = await expectError(p, caught, { recipients: 'user:nobody' }, 'OT_INVALID_INPUT', /unknown recipients: user:nobody/);
      c.otError!.statusCode!.should.equal(400);
      pushState().jobs.should.have.length(0);
    });

    it('OT_INVALID_INPUT for a raw request file that is not JSON', async () => {
      const { p, caught } = await load({ mode: 'raw' });
      await expectError(p, caught, { payload: 'not json' }, 'OT_INVALID_INPUT', /not a JSON request file/);
    });

    it('OT_INVALID_INPUT for groups on AppWorks and without a selected connection', async () => {
      let n = await load({ backend: 'appworks', title: 'T', body: 'B' });
      await expectError(n.p, n.caught, { recipients: 'group:legal' }, 'OT_INVALID_INPUT', /user names only/);
      await helper.unload();
      n = await load({ messaging: '', title: 'T', body: 'B' });
      await expectError(n.p, n.caught, { recipients: 'jsmith' }, 'OT_INVALID_INPUT', /no Cloud Messaging connection/);
    });

    it('OT_AUTH for a wrong messaging password or AppWorks key, OT_FORBIDDEN for a disabled trusted server', async () => {
      let n = await load({ title: 'T', body: 'B' }, { mcreds: { password: 'wrong-password' } });
      await expectError(n.p, n.caught, { recipients: 'jsmith' }, 'OT_AUTH');
      await helper.unload();
      n = await load({ backend: 'appworks', title: 'T', body: 'B' }, { acreds: { key: 'wrong-key-123' } });
      await expectError(n.p, n.caught, { recipients: 'jsmith' }, 'OT_AUTH', /Invalid trusted server key/);
      await helper.unload();
      n = await load({ backend: 'appworks', title: 'T', body: 'B' }, { acreds: { key: 'sandbox-appworks-retired' } });
      const c = await expectError(n.p, n.caught, { recipients: 'jsmith' }, 'OT_FORBIDDEN', /disabled/);
      JSON.stringify(c).should.not.containEql('sandbox-appworks-retired');
      awState().notifications.should.have.length(0);
    });

    it('OT_UNAVAILABLE, OT_RATE_LIMITED and OT_API for server trouble', async () => {
      const { p, caught } = await load({ title: 'T', body: 'B' });
      h.sb.app.setFaults({ rules: [{ route: 'POST /mra/v1/utils/parser', probability: 1, kind: '503' }] });
      await expectError(p, caught, { recipients: 'jsmith' }, 'OT_UNAVAILABLE');
      h.sb.app.setFaults({ rules: [{ route: 'POST /mra/v1/utils/parser', probability: 1, kind: '429', retryAfter: 60 }] });
      await expectError(p, caught, { recipients: 'jsmith' }, 'OT_RATE_LIMITED');
      h.sb.app.setFaults({ rules: [{ route: 'POST /mra/v1/utils/parser', probability: 1, kind: 'malformed' }] });
      await expectError(p, caught, { recipients: 'jsmith' }, 'OT_API', /no job_id/);
      h.sb.app.setFaults({ rules: [] });
      pushState().jobs.should.have.length(0);
    });

    it('retries a refused send with the same X-MRA-SubmitId and pushes once', async () => {
      const { p, out } = await load({ title: 'T', body: 'retry me' }, { messaging: { retries: 3 } });
      h.sb.app.setFaults({ seed: 1, rules: [{ route: 'POST /mra/v1/utils/parser', probability: 0.5, kind: '503' }] });
      const got = collect<PushOut>(out);
      for (let i = 0; i < 4; i++) p.receive({ _msgid: `r-${i}`, recipients: 'jsmith' });
      await until(() => got.length === 4, 10000, 'four outputs');
      (h.sb.app.faultCounts['503'] || 0).should.be.above(0);
      h.sb.app.setFaults({ rules: [] });
      pushState().byUser.jsmith.should.have.length(4);
      pushState().jobs.should.have.length(4);
    });
  });
});
