import should from 'should';
import { useSandbox } from './support/sandbox';

async function post(url: string, body: string, contentType: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': contentType, ...headers } });
  return { status: res.status, headers: res.headers, body: await res.json().catch(() => undefined) as Record<string, unknown> };
}

describe('sandbox: Content Server authentication', () => {
  // record: false — these tests send requests the real API rejects on purpose (JSON login, unknown path),
  // which must not reach the contract check of the recording.
  const h = useSandbox({ record: false });

  it('issues a ticket for a form login and a fresh OTCSTicket on every authenticated response', async () => {
    const r = await post(`${h.csUrl}/v1/auth`, 'username=Admin&password=sandbox-admin', 'application/x-www-form-urlencoded');
    r.status.should.equal(200);
    const ticket = String(r.body.ticket);
    ticket.length.should.be.above(10);
    const me = await fetch(`${h.csUrl}/v1/auth`, { headers: { OTCSTicket: ticket } });
    me.status.should.equal(200);
    const fresh = me.headers.get('otcsticket');
    should.exist(fresh);
    fresh!.should.not.equal(ticket);
    ((await me.json()) as { data: { name: string } }).data.name.should.equal('Admin');
  });

  it('rejects a JSON login as the real server does (it only reads form fields)', async () => {
    const r = await post(`${h.csUrl}/v1/auth`, JSON.stringify({ username: 'Admin', password: 'sandbox-admin' }), 'application/json');
    r.status.should.equal(401);
    r.body.should.have.property('error');
  });

  it('answers 401 without a ticket and 400 for an unknown REST path', async () => {
    (await fetch(`${h.csUrl}/v1/auth`)).status.should.equal(401);
    const r = await fetch(`${h.csUrl}/v9/nothing`);
    r.status.should.equal(400);
    ((await r.json()) as { error: string }).error.should.match(/mappings registry/);
  });

  it('accepts an OTDS bearer token and an OTDS ticket', async () => {
    const t = await post(`${h.url}/otdsws/oauth2/token`, 'grant_type=password&username=admin&password=sandbox-admin&client_id=node-red&client_secret=sandbox-client-secret', 'application/x-www-form-urlencoded');
    t.status.should.equal(200);
    const bearer = await fetch(`${h.csUrl}/v1/auth`, { headers: { Authorization: `Bearer ${t.body.access_token}` } });
    bearer.status.should.equal(200);
    const k = await post(`${h.url}/otdsws/rest/authentication/credentials`, JSON.stringify({ userName: 'admin', password: 'sandbox-admin' }), 'application/json');
    k.status.should.equal(200);
    String(k.body.ticket).should.startWith('*OTDSSSO*');
    (await fetch(`${h.csUrl}/v1/auth`, { headers: { OTDSTicket: String(k.body.ticket) } })).status.should.equal(200);
  });
});
