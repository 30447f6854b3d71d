/**
 * Redirects: credentials (ticket, Authorization, cookies) follow a redirect within the connection's
 * origin and never travel to another origin; methods and bodies follow the HTTP rules.
 */
import 'should';
import { HttpClient, AuthProvider, form } from '../../nodes/lib/http';
import { OtError } from '../../nodes/lib/errors';
import { CsTicketAuth } from '../../nodes/lib/auth';
import { json, LocalServer, startHttp } from '../support/servers';

const SECRET_TICKET = 'redirect-ticket-7f3a9c';
const SECRET_TOKEN = 'redirect-bearer-token-5521';

/** An auth provider that sends a ticket and a bearer token, as the product providers do. */
function fakeAuth(): AuthProvider {
  return {
    headers: async () => ({ OTCSTicket: SECRET_TICKET, Authorization: `Bearer ${SECRET_TOKEN}` }),
    invalidate: () => undefined,
  };
}

describe('client: redirects', () => {
  let a: LocalServer;
  let b: LocalServer;
  let warnings: string[];
  let client: HttpClient;

  before(async () => {
    b = await startHttp((req, res) => json(res, 200, { at: 'b', method: req.method, body: req.body }, { OTCSTicket: 'ticket-from-another-origin' }));
    a = await startHttp((req, res) => {
      const u = new URL(req.url, 'http://x');
      switch (u.pathname) {
        case '/api/cross':
          res.writeHead(302, { location: `${b.url}/landing` });
          return res.end();
        case '/api/cross-localhost':
          // same port, other host name: another origin too
          res.writeHead(302, { location: `http://localhost:${a.port}/api/landing` });
          return res.end();
        case '/api/same':
          res.writeHead(302, { location: '/api/landing' });
          return res.end();
        case '/api/same-307':
          res.writeHead(307, { location: `${a.url}/api/landing` });
          return res.end();
        case '/api/see-other':
          res.writeHead(303, { location: '/api/landing' });
          return res.end();
        case '/api/data':
          res.writeHead(302, { location: 'data:application/json,{"ticket":"from-a-data-url"}' });
          return res.end();
        case '/api/loop':
          res.writeHead(302, { location: '/api/loop' });
          return res.end();
        case '/api/v1/auth':
          return json(res, 200, { ticket: 'login-ticket-1234567' });
        case '/api/landing':
          return json(res, 200, { at: 'a', method: req.method, body: req.body }, { OTCSTicket: 'fresh-ticket-from-a' });
        default:
          return json(res, 404, { error: 'no' });
      }
    });
  });
  after(async () => {
    await a.close();
    await b.close();
  });
  beforeEach(() => {
    a.requests.length = 0;
    b.requests.length = 0;
    warnings = [];
    client = new HttpClient({ name: 'Test', baseUrl: `${a.url}/api`, auth: fakeAuth(), log: (level, text) => level === 'warn' && warnings.push(text) });
  });
  afterEach(() => client.close());

  const send = (path: string, method: 'GET' | 'POST' = 'GET') =>
    client.request<{ at: string; method: string; body: string }>({ operation: 'follow', method, path, headers: { Cookie: 'LLCookie=cookie-secret-991' }, body: method === 'POST' ? form({ name: 'n1' }) : undefined });

  it('drops the ticket, Authorization and cookies when redirected to another origin (another port)', async () => {
    const res = await send('cross');
    res.data.at.should.equal('b');
    b.requests.length.should.equal(1);
    const h = b.requests[0].headers;
    (h.otcsticket === undefined).should.be.true();
    (h.authorization === undefined).should.be.true();
    (h.cookie === undefined).should.be.true();
    JSON.stringify(h).should.not.match(/redirect-ticket|redirect-bearer|cookie-secret/);
    // the first hop, to the connection's own origin, had them
    a.requests[0].headers.otcsticket!.should.equal(SECRET_TICKET);
    warnings.join('\n').should.match(/redirected to http:\/\/127\.0\.0\.1:\d+; credentials were not sent there/);
  });

  it('drops them for another host name on the same port too', async () => {
    const res = await send('cross-localhost');
    res.data.at.should.equal('a');
    a.requests.length.should.equal(2);
    (a.requests[1].headers.otcsticket === undefined).should.be.true();
    (a.requests[1].headers.authorization === undefined).should.be.true();
    (a.requests[1].headers.cookie === undefined).should.be.true();
  });

  it('keeps them on a redirect within the same origin', async () => {
    const res = await send('same');
    res.data.at.should.equal('a');
    a.requests.length.should.equal(2);
    const h = a.requests[1].headers;
    h.otcsticket!.should.equal(SECRET_TICKET);
    h.authorization!.should.equal(`Bearer ${SECRET_TOKEN}`);
    h.cookie!.should.equal('LLCookie=cookie-secret-991');
    warnings.should.have.length(0);
  });

  it('adopts a refreshed Content Server ticket from its own origin only', async () => {
    const cs = new HttpClient({ name: 'Extended ECM', baseUrl: `${a.url}/api` });
    const auth = new CsTicketAuth(cs, 'Admin', 'pw-123456');
    cs.options.auth = auth;
    try {
      await cs.request({ operation: 'x', method: 'GET', path: 'cross' });
      auth.ticket.current!.should.equal('login-ticket-1234567');
      (b.requests[0].headers.otcsticket === undefined).should.be.true();
      await cs.request({ operation: 'x', method: 'GET', path: 'same' });
      auth.ticket.current!.should.equal('fresh-ticket-from-a');
    } finally {
      cs.close();
    }
  });

  it('repeats a POST with its body on 307, and turns it into a GET without body on 303 and 302', async () => {
    const r307 = await send('same-307', 'POST');
    r307.data.method.should.equal('POST');
    r307.data.body.should.equal('name=n1');
    const r303 = await send('see-other', 'POST');
    r303.data.method.should.equal('GET');
    r303.data.body.should.equal('');
    const r302 = await send('cross', 'POST');
    r302.data.method.should.equal('GET');
  });

  it('refuses a redirect to a non-HTTP URL', async () => {
    const e = await send('data').then(
      () => undefined,
      (err: OtError) => err,
    );
    (e instanceof OtError).should.be.true();
    e!.code.should.equal('OT_API');
    e!.message.should.match(/redirect/);
  });

  it('stops a redirect loop', async () => {
    const e = await send('loop').then(
      () => undefined,
      (err: OtError) => err,
    );
    e!.code.should.equal('OT_API');
    e!.message.should.match(/too many redirects/);
    a.requests.length.should.equal(6);
  });

  it('refuses to send a request to another origin given as an absolute URL', async () => {
    const e = await client.request({ operation: 'x', method: 'GET', path: `${b.url}/landing` }).then(
      () => undefined,
      (err: OtError) => err,
    );
    e!.code.should.equal('OT_INVALID_INPUT');
    b.requests.length.should.equal(0);
  });
});
