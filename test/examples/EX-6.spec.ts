/**
 * Example EX-6 "Notification preference and channel management", deployed as shipped: opt-in and
 * opt-out answers to the preference push, a device registration and a channel change from the app
 * are stored as preferences (global context); the next statement run generates each customer's
 * statement for the chosen channel, pushes only to customers who opted in, sends an opted-out
 * customer's statement on the fallback channel and an unknown customer's on the documented
 * default; a later opt-out moves the next communication off push.
 */
import should from 'should';
import { readExample, useExamples } from '../support/examples';
import { collect, until } from '../support/nr';
import { answerPush, checkShape, COMM, FOLDER, generated, postEvent, pushesTo, registerWebhooks, WEBHOOK_SECRET, type Obj } from './EX-support';

const EXAMPLE = `${FOLDER}/EX-6 Notification preference and channel management`;
const CREDS = { extraCredentials: { ex6_events: { secret: WEBHOOK_SECRET } } };

interface ContextNode {
  context(): { global: { get(k: string): unknown } };
}

describe('example EX-6 Notification preference and channel management', function () {
  this.timeout(60000);
  const h = useExamples();

  it('ships as documented', async () => {
    checkShape(readExample(EXAMPLE), ['ot-otds', 'ot-exstream', 'ot-messaging']);
    const d = await h.deploy(EXAMPLE);
    String(d.byName('pick the channel', 'function').func).should.containEql("const DEFAULT_CHANNEL = 'print';");
  });

  it('stores opt-in, opt-out, device and channel events; the next communications go out by push, on the fallback channel, or on the default for an unknown customer', async () => {
    const d = await h.deploy(EXAMPLE, CREDS);
    const url = await registerWebhooks(h.sb, d, 'ex6_events', ['push']);
    const stored = collect<{ preference: Obj }>(d.node('ex6_stored'));
    const ignored = collect<{ note: string }>(d.node('ex6_ignored'));
    const byPush = collect<{ customer: Obj; channelReason: string }>(d.node('ex6_by_push'));
    const byExstream = collect<{ customer: Obj; channel: string; channelReason: string }>(d.node('ex6_by_exstream'));
    const prefs = () => JSON.parse(JSON.stringify(d.node<ContextNode>('ex6_store').context().global.get('customerPreferences') || {})) as Record<string, Obj>;

    // 1. ask
    d.trigger('ex6_ask');
    await until(() => ['cust-1001', 'cust-1002', 'cust-1003'].every((u) => pushesTo(h.sb, u).length === 1), 20000, 'three preference questions');
    const q = pushesTo(h.sb, 'cust-1001')[0];
    q.notification.actions.should.eql([{ id: 'optin', label: 'Keep push' }, { id: 'optout', label: 'E-mail or letter' }]);
    should(q.reference).equal('pref-C-1001');

    // 2. answers and app events
    await answerPush(h.sb, { reference: 'pref-C-1001', user: 'cust-1001', action: 'optin' });
    await answerPush(h.sb, { reference: 'pref-C-1002', user: 'cust-1002', action: 'optout' });
    await answerPush(h.sb, { reference: 'pref-C-1003', user: 'cust-1003', action: 'opened' }); // filtered out: not a preference
    (await postEvent(url, { event: 'device.registered', customerNumber: 'C-1003', pushUser: 'cust-1003', eventId: 'app-1' })).status.should.equal(200);
    (await postEvent(url, { event: 'preference.changed', customerNumber: 'C-1004', channel: 'print', eventId: 'app-2' })).status.should.equal(200);
    (await postEvent(url, { event: 'app.started', customerNumber: 'C-1004', eventId: 'app-3' })).status.should.equal(200);
    await until(() => stored.length === 4 && ignored.length === 1, 10000, 'four preferences stored, one event ignored');
    const p = prefs();
    Object.keys(p).sort().should.eql(['C-1001', 'C-1002', 'C-1003', 'C-1004']);
    p['C-1001'].should.containEql({ push: true, pushUser: 'cust-1001', source: 'push answer optin' });
    p['C-1002'].should.containEql({ push: false, source: 'push answer optout' });
    p['C-1003'].should.containEql({ push: true, pushUser: 'cust-1003', source: 'device.registered' });
    p['C-1004'].should.containEql({ push: false, channel: 'print', source: 'preference.changed' });

    // 3. the next communication of each customer
    d.trigger('ex6_run');
    await until(() => byPush.length + byExstream.length === 5, 20000, 'five statements');
    const channelOf = (c: string) => generated(h.sb, COMM.statement, c).map((x) => x.channel);
    channelOf('C-1001').should.eql(['push']); // opted in
    channelOf('C-1002').should.eql(['email']); // opted out: fallback (has an e-mail address)
    channelOf('C-1003').should.eql(['push']); // registered a device
    channelOf('C-1004').should.eql(['print']); // chose print although it has an e-mail address
    channelOf('C-1005').should.eql(['print']); // unknown: the documented default
    // statement pushes only to the customers on push
    const statementPushes = (u: string) => pushesTo(h.sb, u).filter((j) => j.notification.title === 'Your statement is ready');
    statementPushes('cust-1001').should.have.length(1);
    statementPushes('cust-1003').should.have.length(1);
    statementPushes('cust-1002').should.have.length(0);
    statementPushes('cust-1004').should.have.length(0);
    pushesTo(h.sb, 'cust-1005').should.have.length(0);
    should(statementPushes('cust-1001')[0].notification.deep_link).equal('https://portal.example.com/documents/stmt-2026-05-C-1001');
    byExstream.map((m) => `${m.customer.customerNumber}:${m.channel}:${m.channelReason}`).sort().should.eql([
      'C-1002:email:opted out of push',
      'C-1004:print:chose print',
      'C-1005:print:no stored preference: the default',
    ]);
  });

  it('an opted-in customer who opts out later gets the next communication on the fallback channel', async () => {
    const d = await h.deploy(EXAMPLE, CREDS);
    const url = await registerWebhooks(h.sb, d, 'ex6_events', ['push']);
    const stored = collect<Obj>(d.node('ex6_stored'));
    const byPush = collect<Obj>(d.node('ex6_by_push'));
    const byExstream = collect<Obj>(d.node('ex6_by_exstream'));
    const acme = { customerNumber: 'C-1001', name: 'Acme Corporation', pushUser: 'cust-1001', email: 'billing@acme.example', currency: 'USD', amountDue: 1 };

    (await postEvent(url, { event: 'preference.changed', customerNumber: 'C-1001', channel: 'push', eventId: 'app-10' })).status.should.equal(200);
    await until(() => stored.length === 1, 10000, 'opted in');
    d.trigger('ex6_run_split', { payload: [{ ...acme, period: '2026-05' }] });
    await until(() => byPush.length === 1, 20000, 'May by push');

    (await postEvent(url, { event: 'device.unregistered', customerNumber: 'C-1001', eventId: 'app-11' })).status.should.equal(200);
    await until(() => stored.length === 2, 10000, 'opted out');
    d.trigger('ex6_run_split', { payload: [{ ...acme, period: '2026-06' }] });
    await until(() => byExstream.length === 1, 20000, 'June by e-mail');

    generated(h.sb, COMM.statement, 'C-1001').map((x) => x.channel).should.eql(['push', 'email']);
    pushesTo(h.sb, 'cust-1001').should.have.length(1);
  });
});
