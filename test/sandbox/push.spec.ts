/**
 * Sandbox: Push Notifications for Cloud Messaging (`/mra/v1/utils/parser`, its [GUESS] status,
 * and the engagement injection `/_sandbox/push-response` → "push" webhook). These requests are the
 * test's own (many deliberately wrong), not node traffic, so this sandbox does not record.
 */
import crypto from 'crypto';
import http from 'http';
import { AddressInfo } from 'net';
import should from 'should';
import { useSandbox } from '../support/sandbox';
import { until } from '../support/nr';
import { call, type Obj, type Res } from './mra-support';




const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64');

const file = (over: Obj = {}, notification: Obj = {}): Obj => ({
  type: 'push',
  recipients: { users: ['jsmith'] },
  notification: { title: 'Hello', body: 'World', ...notification },
  ...over,
});

const envelope = (f: unknown, over: Obj = {}): Obj => ({ domain: 'MR', filename: 'push.json', data: b64(f), ...over });

function message(r: Res): string {
  return String((r.body.error as Obj | undefined)?.message ?? r.body.error ?? '');
}

interface Delivery {
  job_id: string;
  device: string;
  user: string;
  title: string;
  body: string;
  data?: Obj;
  actions: Obj[];
  state: string;
  via: string[];
}

describe('sandbox: push notifications (Cloud Messaging utils/parser)', () => {
  const h = useSandbox({ record: false });
  const parser = () => `${h.url}/mra/v1/utils/parser`;
  const state = async () => (await call('GET', `${h.url}/_sandbox/state/push`, { auth: null })).body as { jobs: Obj[]; byUser: Record<string, Delivery[]>; byDevice: Record<string, Delivery[]>; responses: Obj[]; submits: number; duplicates: number };

  it('answers a job id and delivers the notification to every registered device of a user', async () => {
    const r = await call('POST', parser(), { body: envelope(file({ recipients: { users: ['rmanager'] }, data: { nodeId: 42 }, reference: 'decl-42' }, { actions: [{ id: 'approve', label: 'Approve' }], priority: 'high', ttl: 600, deep_link: 'https://ecm.example.com/nodes/42' })) });
    r.status.should.equal(200);
    r.body.should.eql({ job_id: 'psh-100000001' });
    const s = await state();
    s.byUser.rmanager.should.have.length(2);
    s.byUser.rmanager.map((d) => d.device).sort().should.eql(['android-rmanager-1', 'ios-rmanager-1']);
    for (const d of s.byUser.rmanager) {
      d.should.containEql({ job_id: 'psh-100000001', title: 'Hello', body: 'World', state: 'Delivered', data: { nodeId: 42 } });
      d.actions.should.eql([{ id: 'approve', label: 'Approve' }]);
    }
    should.not.exist(s.byUser.jsmith);
  });

  it('expands groups and topics, and a device reached twice gets one notification', async () => {
    const r = await call('POST', parser(), { body: envelope(file({ recipients: { groups: ['operations'], users: ['mboss'], topics: ['statements'] } })) });
    r.status.should.equal(200);
    const s = await state();
    s.byUser.cclerk.should.have.length(1);
    s.byUser.mboss.should.have.length(2); // two devices, each once although named as user and via the group
    s.byUser.mboss[0].via.sort().should.eql(['group:operations', 'user:mboss']);
    ['cust-1001', 'cust-1002'].forEach((c) => s.byUser[c].should.have.length(1));
    s.byUser['cust-1003'].should.have.length(2);
    const job = s.jobs[0] as { recipients: Obj[]; deliveries: Obj[] };
    job.deliveries.should.have.length(1 + 2 + 1 + 1 + 2);
    job.recipients.should.containEql({ recipient: 'group:operations', type: 'group', name: 'operations', devices: ['android-cclerk-1', 'ios-mboss-1', 'android-mboss-1'], result: 'delivered' });
  });

  it('reports a failed delivery to an unregistered token and users without devices', async () => {
    const r = await call('POST', parser(), { body: envelope(file({ recipients: { topics: ['outages'] } })) });
    r.status.should.equal(200);
    const st = await call('GET', `${parser()}/status?job_id=${r.body.job_id}`);
    st.status.should.equal(200);
    st.body.job_state!.should.eql(['Complete', 'Partial']);
    const dels = st.body.deliveries as Obj[];
    dels.find((d) => d.device === 'android-cust-1004')!.should.containEql({ state: 'Failed', error: 'UNREGISTERED' });
    (st.body.recipients as Obj[])[0].should.containEql({ recipient: 'topic:outages', result: 'partial' });
    const r2 = await call('POST', parser(), { body: envelope(file({ recipients: { users: ['cust-1005'] } })) });
    const st2 = await call('GET', `${parser()}/status?job_id=${r2.body.job_id}`);
    (st2.body.recipients as Obj[])[0].should.containEql({ recipient: 'user:cust-1005', devices: [], result: 'no_devices' });
  });

  it('never makes a second push for the same X-MRA-SubmitId', async () => {
    const a = await call('POST', parser(), { body: envelope(file()), headers: { 'X-MRA-SubmitId': 'once-1' } });
    const b = await call('POST', parser(), { body: envelope(file({}, { body: 'changed' })), headers: { 'X-MRA-SubmitId': 'once-1' } });
    a.status.should.equal(200);
    b.status.should.equal(200);
    b.body.job_id!.should.equal(a.body.job_id);
    const c = await call('POST', parser(), { body: envelope(file()), headers: { 'X-MRA-SubmitId': 'once-2' } });
    c.body.job_id!.should.not.equal(a.body.job_id);
    const s = await state();
    s.byUser.jsmith.should.have.length(2);
    s.byUser.jsmith[0].body.should.equal('World');
    s.submits.should.equal(3);
    s.duplicates.should.equal(1);
  });

  it('refuses requests without valid credentials with 401', async () => {
    const r = await call('POST', parser(), { body: envelope(file()), auth: null });
    r.status.should.equal(401);
    r.body.should.eql({ error: { code: 401, message: 'Unauthorized: invalid or missing credentials' } });
    const w = await call('POST', parser(), { body: envelope(file()), auth: 'Basic ' + Buffer.from('sandbox-fax:wrong').toString('base64') });
    w.status.should.equal(401);
    (await call('GET', `${parser()}/status?job_id=psh-1`, { auth: null })).status.should.equal(401);
    (await state()).jobs.should.have.length(0);
  });

  it('refuses anything but JSON with 415 and broken JSON with 400', async () => {
    const f = await call('POST', parser(), { raw: 'domain=MR&filename=push.json&data=e30=', type: 'application/x-www-form-urlencoded' });
    f.status.should.equal(415);
    f.body.should.eql({ error: { code: 415, message: 'Unsupported content type application/x-www-form-urlencoded; use application/json' } });
    const j = await call('POST', parser(), { raw: '{"domain":', type: 'application/json' });
    j.status.should.equal(400);
    message(j).should.match(/not a valid JSON object/);
  });

  const bad: Array<[string, Obj, RegExp]> = [
    ['no domain', envelope(file(), { domain: undefined }), /domain is required/],
    ['an unknown domain', envelope(file(), { domain: 'XX' }), /unknown domain "XX"/],
    ['no filename', envelope(file(), { filename: '' }), /filename is required/],
    ['a filename that is not .json', envelope(file(), { filename: 'push.txt' }), /filename must name a \.json request file/],
    ['no data', envelope(file(), { data: undefined }), /data is required/],
    ['data that is not base64', envelope(file(), { data: 'not base64!' }), /data is not valid base64/],
    ['a request file that is not JSON', { domain: 'MR', filename: 'a.json', data: b64('{"type": push') }, /request file is not valid JSON/],
    ['a request file of another type', envelope(file({ type: 'fax' })), /unsupported request file type "fax"/],
    ['no recipients', envelope(file({ recipients: undefined })), /recipients is required/],
    ['empty recipients', envelope(file({ recipients: { users: [] } })), /recipients is empty/],
    ['unknown recipients', envelope(file({ recipients: { users: ['nobody', 'jsmith'], groups: ['ghosts'], topics: ['news'], devices: ['tok-x'] } })), /unknown recipients: user:nobody, device:tok-x, topic:news, group:ghosts/],
    ['an unknown recipient kind', envelope(file({ recipients: { emails: ['a@b'] } })), /recipients\.emails is not a recipient kind/],
    ['no notification', envelope(file({ notification: undefined })), /notification is required/],
    ['no title', envelope(file({}, { title: '' })), /notification\.title is required/],
    ['no body', envelope(file({}, { body: undefined })), /notification\.body is required/],
    ['a bad priority', envelope(file({}, { priority: 'urgent' })), /priority must be "normal" or "high"/],
    ['a ttl out of range', envelope(file({}, { ttl: 2419201 })), /ttl must be a whole number/],
    ['a bad deep link', envelope(file({}, { deep_link: 'not a link' })), /deep_link must be a URL/],
    ['too many actions', envelope(file({}, { actions: [1, 2, 3, 4].map((i) => ({ id: `a${i}`, label: `A${i}` })) })), /at most 3 actions/],
    ['a reserved action id', envelope(file({}, { actions: [{ id: 'opened', label: 'Open' }] })), /"opened" is reserved/],
    ['a duplicate action id', envelope(file({}, { actions: [{ id: 'ok', label: 'OK' }, { id: 'ok', label: 'Fine' }] })), /duplicate id "ok"/],
    ['data that is not an object', envelope(file({ data: [1, 2] })), /data \(in the request file\) must be a JSON object/],
    ['data over 4 KB', envelope(file({ data: { big: 'x'.repeat(5000) } })), /larger than 4096 bytes/],
    ['an unknown field', envelope(file({ sound: 'ping' })), /unknown field "sound"/],
  ];
  for (const [what, body, re] of bad) {
    it(`answers 400 for ${what} and sends nothing`, async () => {
      const r = await call('POST', parser(), { body });
      r.status.should.equal(400);
      (r.body.error as Obj).code!.should.equal(400);
      message(r).should.match(re);
      (await state()).jobs.should.have.length(0);
    });
  }

  it('answers the status of a job, 400 without job_id and 404 for an unknown job', async () => {
    const r = await call('POST', parser(), { body: envelope(file({ reference: 'ref-9' })) });
    const st = await call('GET', `${parser()}/status?job_id=${r.body.job_id}`);
    st.status.should.equal(200);
    st.body.should.containEql({ job_id: r.body.job_id, reference: 'ref-9', domain: 'MR', filename: 'push.json', job_state: ['Complete', 'Posted'] });
    (st.body.deliveries as Obj[]).should.have.length(1);
    (st.body.deliveries as Obj[])[0].should.containEql({ device: 'android-jsmith-1', user: 'jsmith', state: 'Delivered' });
    const none = await call('GET', `${parser()}/status`);
    none.status.should.equal(400);
    message(none).should.match(/job_id is required/);
    const unknown = await call('GET', `${parser()}/status?job_id=psh-999`);
    unknown.status.should.equal(404);
    unknown.body.should.eql({ error: { code: 404, message: 'job psh-999 not found' } });
  });
});

describe('sandbox: push responses (/_sandbox/push-response → "push" webhook)', () => {
  const h = useSandbox({ record: false });
  const parser = () => `${h.url}/mra/v1/utils/parser`;
  const got: Array<{ headers: http.IncomingHttpHeaders; raw: string; body: Obj }> = [];
  let server: http.Server;
  let hook = '';

  before(async () => {
    server = http.createServer((req, res) => {
      let data = '';
      req.on('data', (c) => (data += c));
      req.on('end', () => {
        got.push({ headers: req.headers, raw: data, body: JSON.parse(data) as Obj });
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    hook = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  after(() => {
    // (the sandbox, and its webhook registry, is closed by useSandbox)
    server.close();
  });
  beforeEach(async () => {
    got.length = 0;
    await call('POST', `${h.url}/_sandbox/webhooks`, { body: { push: hook, secret: 'sandbox-webhook-secret' }, auth: null });
  });

  const send = async (over: Obj = {}) =>
    (await call('POST', parser(), { body: envelope(file({ recipients: { groups: ['records-managers'] }, reference: 'decl-7', ...over }, { actions: [{ id: 'approve', label: 'Approve' }, { id: 'reject', label: 'Reject' }] })) })).body.job_id as string;
  const respond = (body: Obj) => call('POST', `${h.url}/_sandbox/push-response`, { body, auth: null });

  it('records an answer and posts a signed push.response event', async () => {
    const jobId = await send();
    const r = await respond({ job_id: jobId, user: 'rmanager', action: 'approve', data: { comment: 'ok' } });
    r.status.should.equal(200);
    r.body.should.containEql({ event: 'push.response', job_id: jobId, reference: 'decl-7', user: 'rmanager', device: 'ios-rmanager-1', action: 'approve', data: { comment: 'ok' }, webhook: true });
    await until(() => got.length === 1, 3000, 'webhook');
    const ev = got[0];
    ev.body.should.containEql({ event: 'push.response', job_id: jobId, reference: 'decl-7', user: 'rmanager', action: 'approve' });
    String(ev.body.eventId).should.match(/^[0-9a-f-]{36}$/);
    String(ev.body.timestamp).should.match(/^\d{4}-\d\d-\d\dT/);
    ev.headers['x-ot-token']!.should.equal('sandbox-webhook-secret');
    ev.headers['x-ot-signature']!.should.equal('sha256=' + crypto.createHmac('sha256', 'sandbox-webhook-secret').update(ev.raw).digest('hex'));
    const s = (await call('GET', `${h.url}/_sandbox/state/push`, { auth: null })).body as { responses: Obj[]; jobs: Array<{ responses: Obj[] }> };
    s.responses.should.have.length(1);
    s.jobs[0].responses[0].should.containEql({ action: 'approve', user: 'rmanager' });
  });

  it('finds the notification by reference and sends push.opened for "opened"', async () => {
    await send();
    const r = await respond({ reference: 'decl-7', device: 'android-rmanager-1', action: 'opened' });
    r.status.should.equal(200);
    r.body.should.containEql({ event: 'push.opened', user: 'rmanager', device: 'android-rmanager-1', action: 'opened' });
    await until(() => got.length === 1, 3000, 'webhook');
    got[0].body.event!.should.equal('push.opened');
  });

  it('can repeat the same event (same eventId) to test de-duplication', async () => {
    const jobId = await send();
    const r = await respond({ job_id: jobId, user: 'rmanager', action: 'dismissed', eventId: 'evt-1', repeat: 2 });
    r.status.should.equal(200);
    await until(() => got.length === 2, 3000, 'two webhooks');
    got.map((g) => g.body.eventId).should.eql(['evt-1', 'evt-1']);
  });

  it('refuses responses that cannot happen', async () => {
    const jobId = await send();
    (await respond({ user: 'rmanager', action: 'approve' })).status.should.equal(400);
    const unknownJob = await respond({ job_id: 'psh-1', user: 'rmanager', action: 'approve' });
    unknownJob.status.should.equal(404);
    const notReceived = await respond({ job_id: jobId, user: 'jsmith', action: 'approve' });
    notReceived.status.should.equal(409);
    String(notReceived.body.error).should.match(/user jsmith did not receive/);
    const badAction = await respond({ job_id: jobId, user: 'rmanager', action: 'escalate' });
    badAction.status.should.equal(400);
    String(badAction.body.error).should.match(/approve, reject/);
    (await respond({ job_id: jobId, user: 'rmanager' })).status.should.equal(400);
    (await respond({ job_id: jobId, action: 'approve' })).status.should.equal(400);
    await new Promise((r) => setTimeout(r, 100));
    got.should.have.length(0);
  });

  it('answers webhook:false when no push webhook is registered', async () => {
    await call('POST', `${h.url}/_sandbox/webhooks`, { body: { push: null }, auth: null });
    const jobId = await send();
    const r = await respond({ job_id: jobId, user: 'rmanager', action: 'reject' });
    r.status.should.equal(200);
    r.body.webhook!.should.equal(false);
  });
});
