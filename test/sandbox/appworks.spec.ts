/**
 * Sandbox: AppWorks Gateway notifications (`POST /gateway/v2/notifications`, form fields key,
 * message, users) and responses to them through `/_sandbox/push-response`. The requests are the
 * test's own (many deliberately wrong), so this sandbox does not record.
 */
import should from 'should';
import { useSandbox } from '../support/sandbox';
import { until } from '../support/nr';
import { webhookReceiver } from './mra-support';

type Obj = Record<string, unknown>;

async function post(url: string, body: string, type: string): Promise<{ status: number; body: Obj }> {
  const r = await fetch(url, { method: 'POST', body, headers: { 'content-type': type } });
  const text = await r.text();
  let parsed: Obj = {};
  try {
    parsed = JSON.parse(text) as Obj;
  } catch {
    /* empty */
  }
  return { status: r.status, body: parsed };
}

const formOf = (f: Record<string, string | undefined>) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v !== undefined) p.set(k, v);
  return p.toString();
};

const MESSAGE = { type: 'node-red', displayType: 'show', header: 'Hold applied', body: 'Litigation 2026 covers 3 records', reference: 'hold-1', actions: [{ id: 'ack', label: 'Acknowledge' }] };

interface AwDelivery {
  id: string;
  user: string;
  client: string;
  header: string;
  body: string;
  message: Obj;
}

describe('sandbox: AppWorks Gateway notifications', () => {
  const h = useSandbox({ record: false });
  const url = () => `${h.url}/gateway/v2/notifications`;
  const FORM = 'application/x-www-form-urlencoded';
  const state = async () => (await (await fetch(`${h.url}/_sandbox/state/appworks`)).json()) as { notifications: Obj[]; byUser: Record<string, AwDelivery[]>; trustedServers: Obj[] };

  it('delivers a notification to every AppWorks client of each user', async () => {
    const r = await post(url(), formOf({ key: 'sandbox-appworks-key', message: JSON.stringify(MESSAGE), users: 'rmanager, lcounsel' }), FORM);
    r.status.should.equal(200);
    r.body.should.containEql({ users: ['rmanager', 'lcounsel'], clients: 3 });
    String(r.body.id).should.match(/^[0-9a-f-]{36}$/);
    const s = await state();
    s.byUser.rmanager.map((d) => d.client).should.eql(['aw-ios-rmanager', 'aw-web-rmanager']);
    s.byUser.lcounsel.should.have.length(1);
    s.byUser.lcounsel[0].should.containEql({ id: r.body.id, header: 'Hold applied', body: 'Litigation 2026 covers 3 records' });
    s.byUser.lcounsel[0].message.should.eql(MESSAGE);
    should.not.exist(s.byUser.jsmith);
    s.trustedServers.should.eql([{ name: 'Node-RED', enabled: true }, { name: 'Retired integration', enabled: false }]);
  });

  it('refuses a missing or unknown key with 401 and a disabled trusted server with 403', async () => {
    const none = await post(url(), formOf({ message: JSON.stringify(MESSAGE), users: 'rmanager' }), FORM);
    none.status.should.equal(401);
    none.body.should.eql({ error: 'A trusted server key is required' });
    const wrong = await post(url(), formOf({ key: 'nope', message: JSON.stringify(MESSAGE), users: 'rmanager' }), FORM);
    wrong.status.should.equal(401);
    wrong.body.should.eql({ error: 'Invalid trusted server key' });
    const retired = await post(url(), formOf({ key: 'sandbox-appworks-retired', message: JSON.stringify(MESSAGE), users: 'rmanager' }), FORM);
    retired.status.should.equal(403);
    retired.body.should.eql({ error: 'The trusted server "Retired integration" is disabled' });
    (await state()).notifications.should.have.length(0);
  });

  it('refuses JSON (and anything but a urlencoded form) with 415', async () => {
    const r = await post(url(), JSON.stringify({ key: 'sandbox-appworks-key', message: MESSAGE, users: 'rmanager' }), 'application/json');
    r.status.should.equal(415);
    r.body.should.eql({ error: 'Unsupported Media Type application/json; use application/x-www-form-urlencoded' });
    (await state()).notifications.should.have.length(0);
  });

  const bad: Array<[string, Record<string, string | undefined>, RegExp]> = [
    ['no message', { message: undefined }, /message is required/],
    ['a message that is not JSON', { message: '{type: x' }, /message is not valid JSON/],
    ['a message that is not an object', { message: '["a"]' }, /message must be a JSON object/],
    ['a message without type', { message: JSON.stringify({ body: 'x' }) }, /message\.type is required/],
    ['a message without body', { message: JSON.stringify({ type: 'x', header: 'y' }) }, /message\.body is required/],
    ['no users', { users: ' , ' }, /users is required/],
    ['unknown users', { users: 'rmanager,ghost' }, /unknown users: ghost/],
  ];
  for (const [what, over, re] of bad) {
    it(`answers 400 for ${what}`, async () => {
      const r = await post(url(), formOf({ key: 'sandbox-appworks-key', message: JSON.stringify(MESSAGE), users: 'rmanager', ...over }), FORM);
      r.status.should.equal(400);
      String(r.body.error).should.match(re);
      (await state()).notifications.should.have.length(0);
    });
  }

  it('lets a user answer an AppWorks notification through /_sandbox/push-response', async () => {
    const { got, server } = await webhookReceiver();
    try {
      await post(`${h.url}/_sandbox/webhooks`, JSON.stringify({ push: `http://127.0.0.1:${server.port}/hook` }), 'application/json');
      const sent = await post(url(), formOf({ key: 'sandbox-appworks-key', message: JSON.stringify(MESSAGE), users: 'lcounsel' }), FORM);
      const bad = await post(`${h.url}/_sandbox/push-response`, JSON.stringify({ job_id: sent.body.id, user: 'lcounsel', action: 'approve' }), 'application/json');
      bad.status.should.equal(400);
      const r = await post(`${h.url}/_sandbox/push-response`, JSON.stringify({ reference: 'hold-1', user: 'lcounsel', action: 'ack' }), 'application/json');
      r.status.should.equal(200);
      r.body.should.containEql({ event: 'push.response', job_id: sent.body.id, reference: 'hold-1', user: 'lcounsel', device: 'aw-ios-lcounsel', action: 'ack', webhook: true });
      await until(() => got.length === 1, 3000, 'webhook');
      got[0].should.containEql({ event: 'push.response', job_id: sent.body.id, action: 'ack' });
      const s = (await state()).notifications[0] as { responses: Obj[] };
      s.responses.should.have.length(1);
    } finally {
      await server.close();
    }
  });
});
