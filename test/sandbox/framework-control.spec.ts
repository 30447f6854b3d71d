/**
 * Sandbox framework: the control API at /_sandbox (clock, reset, state, webhooks), the web page,
 * the router's answers for unknown paths, and the default bind address.
 */
import crypto from 'crypto';
import http from 'http';
import vm from 'vm';
import { AddressInfo } from 'net';
import should from 'should';
import { useSandbox } from '../support/sandbox';
import { until } from '../support/nr';
import type { CsState } from '../../sandbox/areas/cs-core';

type Obj = Record<string, unknown>;

async function get(url: string): Promise<{ status: number; body: Obj; text: string; type: string }> {
  const r = await fetch(url);
  const text = await r.text();
  let body: Obj = {};
  try {
    body = JSON.parse(text) as Obj;
  } catch {
    /* not JSON */
  }
  return { status: r.status, body, text, type: r.headers.get('content-type') || '' };
}

async function post(url: string, body: unknown): Promise<{ status: number; body: Obj }> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as Obj };
}

const login = (csUrl: string) =>
  fetch(`${csUrl}/v1/auth`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=Admin&password=sandbox-admin' }).then(async (r) => ((await r.json()) as { ticket: string }).ticket);

describe('sandbox framework: clock', () => {
  const h = useSandbox();

  it('advances by milliseconds, ISO 8601 durations and short forms', async () => {
    const t0 = Date.parse(String((await get(`${h.url}/_sandbox/state`)).body.now));
    let r = await post(`${h.url}/_sandbox/clock`, { advance: 90000 });
    r.status.should.equal(200);
    (r.body.offsetMs as number).should.be.aboveOrEqual(90000);
    r = await post(`${h.url}/_sandbox/clock`, { advance: 'P3D' });
    (r.body.offsetMs as number).should.be.aboveOrEqual(90000 + 3 * 86400000);
    r = await post(`${h.url}/_sandbox/clock`, { advance: '2h' });
    r = await post(`${h.url}/_sandbox/clock`, { advance: 'PT30M' });
    const expected = 90000 + 3 * 86400000 + 2 * 3600000 + 30 * 60000;
    (r.body.offsetMs as number).should.equal(expected);
    const state = await get(`${h.url}/_sandbox/state`);
    state.body.clockOffsetMs!.should.equal(expected);
    const now = Date.parse(String(state.body.now));
    (now - t0).should.be.aboveOrEqual(expected);
    (now - t0).should.be.below(expected + 60000);
    h.sb.app.now().should.be.aboveOrEqual(Date.now() + expected - 5);
  });

  it('sets the time forward to an ISO date, and refuses to go back', async () => {
    const target = new Date(Date.now() + 10 * 86400000);
    const r = await post(`${h.url}/_sandbox/clock`, { set: target.toISOString() });
    r.status.should.equal(200);
    Math.abs(Date.parse(String(r.body.now)) - target.getTime()).should.be.below(2000);
    const back = await post(`${h.url}/_sandbox/clock`, { set: new Date(Date.now() + 86400000).toISOString() });
    back.status.should.equal(400);
    back.body.error!.should.match(/only moves forward/);
    (await post(`${h.url}/_sandbox/clock`, { set: 'next tuesday' })).status.should.equal(400);
    (await post(`${h.url}/_sandbox/clock`, { advance: 'soon' })).status.should.equal(400);
  });

  it('drives expiry: an OTDS token and a Content Server ticket stop working after the clock moves past them', async () => {
    const tok = await fetch(`${h.url}/otdsws/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&client_id=node-red&client_secret=sandbox-client-secret' });
    const body = (await tok.json()) as { access_token: string; expires_in: number };
    body.expires_in.should.equal(3600);
    const ticket = await login(h.csUrl);
    (await fetch(`${h.csUrl}/v1/auth`, { headers: { authorization: `Bearer ${body.access_token}` } })).status.should.equal(200);
    (await fetch(`${h.csUrl}/v1/auth`, { headers: { OTCSTicket: ticket } })).status.should.equal(200);
    await post(`${h.url}/_sandbox/clock`, { advance: '2h' });
    (await fetch(`${h.csUrl}/v1/auth`, { headers: { authorization: `Bearer ${body.access_token}` } })).status.should.equal(401);
    (await fetch(`${h.csUrl}/v1/auth`, { headers: { OTCSTicket: ticket } })).status.should.equal(401);
  });
});

describe('sandbox framework: reset and state', () => {
  const h = useSandbox();

  it('GET /_sandbox/state shows every area, the time and the clock offset', async () => {
    const s = await get(`${h.url}/_sandbox/state`);
    s.status.should.equal(200);
    s.body.should.have.properties(['now', 'clockOffsetMs', 'otds', 'cs', 'messaging', 'webhookFailures']);
    s.body.should.not.have.property('_sandbox');
    const cs = s.body.cs as { users: Array<Obj>; nodes: Array<Obj> };
    cs.users.length.should.be.above(0);
    for (const u of cs.users) u.should.not.have.property('password');
    cs.nodes.map((n) => n.name).should.containEql('Enterprise');
    JSON.stringify(s.body).should.not.containEql('sandbox-admin');
  });

  it('GET /_sandbox/state/<area> shows one area and answers 404 for an unknown one', async () => {
    const otds = await get(`${h.url}/_sandbox/state/otds`);
    otds.status.should.equal(200);
    otds.body.should.have.properties(['users', 'clients', 'tokenRequests']);
    JSON.stringify(otds.body).should.not.containEql('sandbox-client-secret');
    for (const name of h.sb.app.areas.map((a) => a.name).filter((n) => !n.startsWith('_'))) {
      (await get(`${h.url}/_sandbox/state/${name}`)).status.should.equal(200, name);
    }
    const none = await get(`${h.url}/_sandbox/state/nothing-here`);
    none.status.should.equal(404);
    none.body.error!.should.match(/no area nothing-here; areas: .*cs/);
    (await get(`${h.url}/_sandbox/state/_sandbox`)).status.should.equal(404);
  });

  it('POST /_sandbox/reset restores the fixture, drops sessions and sets the clock back', async () => {
    const ticket = await login(h.csUrl);
    await login(h.csUrl);
    ((await get(`${h.url}/_sandbox/state/cs`)).body.logins as number).should.equal(2);
    await post(`${h.url}/_sandbox/clock`, { advance: 'P1D' });
    const r = await post(`${h.url}/_sandbox/reset`, {});
    r.status.should.equal(200);
    r.body.should.eql({ reset: true });
    const s = await get(`${h.url}/_sandbox/state`);
    s.body.clockOffsetMs!.should.equal(0);
    (s.body.cs as Obj).logins!.should.equal(0);
    (await fetch(`${h.csUrl}/v1/auth`, { headers: { OTCSTicket: ticket } })).status.should.equal(401);
  });

  it('POST /_sandbox/reset brings back fixture data that was changed or removed', async () => {
    const fixtureUsers = (h.sb.app.fixture.cs as { users: Array<{ id: number }> }).users.map((u) => u.id).sort();
    const state = h.sb.app.state.cs as CsState;
    state.users.delete(fixtureUsers[1]);
    state.nodes.get(2000)!.name = 'Renamed';
    const changed = (await get(`${h.url}/_sandbox/state/cs`)).body as { users: Obj[]; nodes: Obj[] };
    changed.users.map((u) => u.id).should.not.containEql(fixtureUsers[1]);
    (await post(`${h.url}/_sandbox/reset`, {})).status.should.equal(200);
    const after = (await get(`${h.url}/_sandbox/state/cs`)).body as { users: Obj[]; nodes: Obj[] };
    after.users.map((u) => u.id as number).sort().should.eql(fixtureUsers);
    after.nodes.find((n) => n.id === 2000)!.name!.should.equal('Enterprise');
  });

  it('shows a broken area as an error instead of failing the whole state', async () => {
    const area = { name: 'zz-broken', init: () => ({}), snapshot: () => { throw new Error('boom'); }, routes: () => undefined };
    h.sb.app.areas.push(area);
    try {
      const s = await get(`${h.url}/_sandbox/state`);
      s.status.should.equal(200);
      s.body.should.have.property('cs');
      s.body['zz-broken']!.should.eql({ snapshotError: 'boom' });
    } finally {
      h.sb.app.areas.splice(h.sb.app.areas.indexOf(area), 1);
    }
  });
});

describe('sandbox framework: webhooks', () => {
  const h = useSandbox();
  let receiver: http.Server;
  let receiverUrl = '';
  const got: Array<{ path: string; headers: http.IncomingHttpHeaders; raw: string }> = [];

  before(async () => {
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        got.push({ path: req.url || '', headers: req.headers, raw: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(204);
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((r) => receiver.close(() => r()));
  });
  beforeEach(async () => {
    got.length = 0;
    await post(`${h.url}/_sandbox/webhooks`, { fax: null, push: null, secret: null, inboundFax: null });
  });

  it('registers URLs and a secret (never shown back) with POST /_sandbox/webhooks', async () => {
    const r = await post(`${h.url}/_sandbox/webhooks`, { fax: `${receiverUrl}/fax`, push: `${receiverUrl}/push`, secret: 'sandbox-webhook-secret' });
    r.status.should.equal(200);
    r.body.should.eql({ fax: `${receiverUrl}/fax`, push: `${receiverUrl}/push`, secret: '***' });
    const g = await get(`${h.url}/_sandbox/webhooks`);
    g.body.should.eql({ fax: `${receiverUrl}/fax`, push: `${receiverUrl}/push`, secret: '***' });
    g.text.should.not.containEql('sandbox-webhook-secret');
    const removed = await post(`${h.url}/_sandbox/webhooks`, { push: null });
    removed.body.should.not.have.property('push');
  });

  it('signs events with X-OT-Token and an HMAC-SHA256 X-OT-Signature of the body', async () => {
    await post(`${h.url}/_sandbox/webhooks`, { fax: `${receiverUrl}/fax-status?src=sandbox`, secret: 'sandbox-webhook-secret' });
    const event = { job_id: 'xsi-1', job_state: ['Complete', 'Posted'], note: 'grüße' };
    h.sb.app.emitWebhook('fax', event).should.be.true();
    await until(() => got.length === 1, 3000, 'the webhook');
    const w = got[0];
    w.path.should.equal('/fax-status?src=sandbox');
    String(w.headers['content-type']).should.startWith('application/json');
    JSON.parse(w.raw).should.eql(event);
    w.headers['x-ot-token']!.should.equal('sandbox-webhook-secret');
    const expected = 'sha256=' + crypto.createHmac('sha256', 'sandbox-webhook-secret').update(Buffer.from(w.raw, 'utf8')).digest('hex');
    w.headers['x-ot-signature']!.should.equal(expected);
  });

  it('sends unsigned events without a secret, and nothing for a kind without a URL', async () => {
    await post(`${h.url}/_sandbox/webhooks`, { push: `${receiverUrl}/push` });
    h.sb.app.emitWebhook('push', { id: 1 }).should.be.true();
    h.sb.app.emitWebhook('fax', { id: 2 }).should.be.false();
    h.sb.app.emitWebhook('secret', { id: 3 }).should.be.false();
    await until(() => got.length === 1, 3000, 'the webhook');
    got[0].path.should.equal('/push');
    should(got[0].headers['x-ot-token']).be.undefined();
    should(got[0].headers['x-ot-signature']).be.undefined();
    await new Promise((r) => setTimeout(r, 100));
    got.should.have.length(1);
  });

  it('lists delivery failures in the state', async () => {
    const dead = http.createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', () => r()));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((r) => dead.close(() => r()));
    await post(`${h.url}/_sandbox/webhooks`, { fax: `http://127.0.0.1:${port}/gone` });
    h.sb.app.emitWebhook('fax', { id: 1 }).should.be.true();
    await until(async () => ((await get(`${h.url}/_sandbox/state`)).body.webhookFailures as string[]).some((f) => f.includes(`:${port}/gone`)), 3000, 'the failure');
  });

  it('lists a receiver that refuses an event (HTTP 401) as a failed delivery, and goes on with the other URLs', async () => {
    const refusing = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end('{"error":"invalid or missing credentials"}');
      });
    });
    await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', () => r()));
    const refusingUrl = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}/refuses`;
    try {
      await post(`${h.url}/_sandbox/webhooks`, { push: [refusingUrl, `${receiverUrl}/accepts`] });
      h.sb.app.emitWebhook('push', { id: 'r1' }).should.be.true();
      await until(() => got.length === 1, 3000, 'the accepting receiver');
      got[0].path.should.equal('/accepts');
      await until(async () => ((await get(`${h.url}/_sandbox/state`)).body.webhookFailures as string[]).includes(`${refusingUrl}: HTTP 401`), 3000, 'the refusal');
    } finally {
      await new Promise<void>((r) => refusing.close(() => r()));
    }
  });

  it('sends each event to every URL of a kind set as a list, each signed the same way', async () => {
    const urls = [`${receiverUrl}/flow-a`, `${receiverUrl}/flow-b?tab=2`, `${receiverUrl}/flow-c`];
    const r = await post(`${h.url}/_sandbox/webhooks`, { push: urls, fax: `${receiverUrl}/fax`, secret: 'sandbox-webhook-secret' });
    r.status.should.equal(200);
    r.body.should.eql({ push: urls, fax: `${receiverUrl}/fax`, secret: '***' });
    const event = { event: 'push.response', eventId: 'ev-1', action: 'approve', note: 'grüße' };
    h.sb.app.emitWebhook('push', event).should.be.true();
    await until(() => got.length === 3, 3000, 'three webhooks');
    await new Promise((res) => setTimeout(res, 100));
    got.should.have.length(3);
    got.map((w) => w.path).sort().should.eql(['/flow-a', '/flow-b?tab=2', '/flow-c']);
    const expected = 'sha256=' + crypto.createHmac('sha256', 'sandbox-webhook-secret').update(Buffer.from(JSON.stringify(event), 'utf8')).digest('hex');
    for (const w of got) {
      JSON.parse(w.raw).should.eql(event);
      w.headers['x-ot-token']!.should.equal('sandbox-webhook-secret');
      w.headers['x-ot-signature']!.should.equal(expected);
    }
  });

  it('adds and removes single URLs, without repeats; a plain URL replaces the list; GET shows the lists', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map((x) => `${receiverUrl}/${x}`);
    (await post(`${h.url}/_sandbox/webhooks`, { add: { push: a } })).body.should.eql({ push: a });
    (await post(`${h.url}/_sandbox/webhooks`, { add: { push: b, fax: c } })).body.should.eql({ push: [a, b], fax: c });
    (await post(`${h.url}/_sandbox/webhooks`, { add: { push: [b, c, c] } })).body.should.eql({ push: [a, b, c], fax: c });
    (await get(`${h.url}/_sandbox/webhooks`)).body.should.eql({ push: [a, b, c], fax: c });
    (await post(`${h.url}/_sandbox/webhooks`, { remove: { push: b } })).body.should.eql({ push: [a, c], fax: c });
    (await post(`${h.url}/_sandbox/webhooks`, { remove: { push: `${receiverUrl}/never-added`, inboundFax: a } })).body.should.eql({ push: [a, c], fax: c });
    (await post(`${h.url}/_sandbox/webhooks`, { remove: { push: [a] } })).body.should.eql({ push: c, fax: c });
    // a plain URL sets exactly that one, replacing the list
    (await post(`${h.url}/_sandbox/webhooks`, { add: { push: a } })).body.should.eql({ push: [c, a], fax: c });
    (await post(`${h.url}/_sandbox/webhooks`, { push: b })).body.should.eql({ push: b, fax: c });
    // set first, then add, then remove, in one request
    (await post(`${h.url}/_sandbox/webhooks`, { push: [a, b], add: { push: c }, remove: { push: a, fax: c } })).body.should.eql({ push: [b, c] });
    (await post(`${h.url}/_sandbox/webhooks`, { push: [] })).body.should.eql({});
    (await post(`${h.url}/_sandbox/webhooks`, { add: { push: a } })).body.should.eql({ push: a });
    (await post(`${h.url}/_sandbox/webhooks`, { remove: { push: a } })).body.should.eql({});
    h.sb.app.emitWebhook('push', { id: 1 }).should.be.false();
    await new Promise((res) => setTimeout(res, 100));
    got.should.have.length(0);
  });

  it('keeps one secret for all kinds and URLs', async () => {
    const r = await post(`${h.url}/_sandbox/webhooks`, { push: [`${receiverUrl}/p1`, `${receiverUrl}/p2`], add: { exstream: `${receiverUrl}/x1` }, secret: 'sandbox-one-secret' });
    r.body.should.eql({ push: [`${receiverUrl}/p1`, `${receiverUrl}/p2`], exstream: `${receiverUrl}/x1`, secret: '***' });
    try {
      (await post(`${h.url}/_sandbox/webhooks`, { add: { secret: 'another' } })).should.containDeep({ status: 400, body: { error: 'add: "secret" is not a webhook kind' } });
      (await post(`${h.url}/_sandbox/webhooks`, { secret: ['a', 'b'] })).should.containDeep({ status: 400, body: { error: 'secret must be a text (or null to remove it)' } });
      h.sb.app.emitWebhook('push', { id: 'p' }).should.be.true();
      h.sb.app.emitWebhook('exstream', { id: 'x' }).should.be.true();
      await until(() => got.length === 3, 3000, 'three webhooks');
      for (const w of got) w.headers['x-ot-token']!.should.equal('sandbox-one-secret');
      (await get(`${h.url}/_sandbox/webhooks`)).text.should.not.containEql('sandbox-one-secret');
    } finally {
      await post(`${h.url}/_sandbox/webhooks`, { exstream: null });
    }
  });

  it('refuses malformed changes with 400 and changes nothing', async () => {
    const before = { push: [`${receiverUrl}/p1`, `${receiverUrl}/p2`], fax: `${receiverUrl}/f` };
    (await post(`${h.url}/_sandbox/webhooks`, before)).status.should.equal(200);
    const bad: Array<[unknown, string]> = [
      [{ push: 5 }, 'push: a webhook must be an http or https URL, not 5'],
      [{ push: [`${receiverUrl}/ok`, 'ftp://files.example.com/x'] }, 'push: "ftp://files.example.com/x" is not an http or https URL'],
      [{ fax: null, push: 'not a url' }, 'push: "not a url" is not a URL'],
      [{ add: `${receiverUrl}/x` }, 'add must be an object {kind: url or [urls]}'],
      [{ add: { push: [null] } }, 'add.push: a webhook must be an http or https URL, not null'],
      [{ remove: ['push'] }, 'remove must be an object {kind: url or [urls]}'],
      [[`${receiverUrl}/x`], 'send a JSON object {"push": url or [urls], "add": {...}, "remove": {...}, "secret": "..."}'],
    ];
    for (const [body, error] of bad) {
      const r = await post(`${h.url}/_sandbox/webhooks`, body);
      r.status.should.equal(400, JSON.stringify(body));
      r.body.should.eql({ error });
    }
    (await get(`${h.url}/_sandbox/webhooks`)).body.should.eql(before);
  });

  it("fans an area's events out: an Exstream delivery exception reaches every exstream URL", async () => {
    await post(`${h.url}/_sandbox/webhooks`, { exstream: [`${receiverUrl}/ex-a`, `${receiverUrl}/ex-b`], secret: 'sandbox-webhook-secret' });
    try {
      const r = await post(`${h.url}/_sandbox/exstream-event`, { type: 'failed_print', communicationId: 'comm-1', customerReference: 'C-1002', eventId: 'exc-fan-1' });
      r.status.should.equal(200);
      r.body.delivered!.should.be.true();
      await until(() => got.length === 2, 3000, 'both webhooks');
      got.map((w) => w.path).sort().should.eql(['/ex-a', '/ex-b']);
      got[0].raw.should.equal(got[1].raw);
      JSON.parse(got[0].raw).should.containDeep({ eventType: 'DELIVERY_EXCEPTION', eventId: 'exc-fan-1', customerReference: 'C-1002' });
      got[0].headers['x-ot-signature']!.should.equal(got[1].headers['x-ot-signature']);
    } finally {
      await post(`${h.url}/_sandbox/webhooks`, { exstream: null });
    }
  });
});

describe('sandbox framework: router, page and address', () => {
  // not recorded: this block sends requests the real products do not have, on purpose
  const h = useSandbox({ record: false });

  it('listens on 127.0.0.1 by default', () => {
    const a = h.sb.app.server!.address() as AddressInfo;
    a.address.should.equal('127.0.0.1');
    h.url.should.equal(`http://127.0.0.1:${a.port}`);
    h.sb.port.should.equal(a.port);
    h.csUrl.should.equal(`http://127.0.0.1:${a.port}/otcs/cs.exe/api`);
  });

  it('answers unknown paths as the real products do: 400 under the CS REST prefix, 404/405 elsewhere', async () => {
    const cs = await get(`${h.csUrl}/v1/nothing/here`);
    cs.status.should.equal(400);
    cs.body.error!.should.equal('The REST API URL could not be found in the mappings registry');
    const other = await get(`${h.url}/nothing/here`);
    other.status.should.equal(404);
    other.body.should.have.properties({ status: 404, error: 'Not Found' });
    const wrong = await get(`${h.url}/otdsws/oauth2/token`);
    wrong.status.should.equal(405);
    wrong.body.should.have.properties({ status: 405, error: 'Method Not Allowed' });
  });

  it('serves the self-contained web page at /_sandbox/ and /_sandbox', async () => {
    for (const p of ['/_sandbox/', '/_sandbox']) {
      const r = await get(h.url + p);
      r.status.should.equal(200);
      r.type.should.startWith('text/html');
      r.text.should.match(/<!doctype html>/i);
      r.text.should.match(/<h1[^>]*>[^<]*OpenText sandbox/i);
      r.text.should.match(/<html lang="en"/);
      r.text.should.containEql('/_sandbox/state');
      // no external resources: no remote scripts, styles, fonts or images
      r.text.should.not.match(/<(script|link|img|iframe)[^>]+(src|href)=["']?(https?:)?\/\//i);
      r.text.should.not.match(/@import|url\(\s*["']?(https?:)?\/\//i);
    }
  });

  it("the page's script is valid JavaScript and uses the control routes", async () => {
    const r = await get(`${h.url}/_sandbox/`);
    const scripts = [...r.text.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
    scripts.should.have.length(1);
    (() => new vm.Script(scripts[0], { filename: 'sandbox/web/index.html' })).should.not.throw();
    for (const route of ['/_sandbox/state', '/_sandbox/clock', '/_sandbox/reset', '/_sandbox/inbound-fax', '/_sandbox/push-response', '/_sandbox/faults', '/_sandbox/webhooks']) scripts[0].should.containEql(`'${route}'`);
    // headings and tables are real: one h1, table headers with scope
    (r.text.match(/<h1[ >]/g) || []).should.have.length(1);
    scripts[0].should.containEql("h('th', { scope: 'col'");
  });

  it('a GET to a POST-only control route answers 405, which the page reads as "available"', async () => {
    (await get(`${h.url}/_sandbox/reset`)).status.should.equal(405);
    (await get(`${h.url}/_sandbox/no-such-control`)).status.should.equal(404);
  });
});
