/**
 * Secrets never leave the layer: errors built from server answers that echo the request (password,
 * client secret, ticket, token in the body or headers) are redacted in every way an error is
 * printed or serialised.
 */
import 'should';
import util from 'util';
import { HttpClient } from '../../nodes/lib/http';
import { CsTicketAuth, OtdsAuth, basicAuth } from '../../nodes/lib/auth';
import { OtError, invalidInput } from '../../nodes/lib/errors';
import { redact, redactValue, registerSecret } from '../../nodes/lib/redact';
import { toOtError } from '../../nodes/lib/nodered';
import { json, LocalServer, startHttp } from '../support/servers';

const PASSWORD = 'pw-Echo-4471!';
const CLIENT_SECRET = 'cs-Echo-secret-9182';
const TICKET = 'TICKET-echo-abcdef0123456789';
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.echo-token.c2lnbmF0dXJl';

function everyForm(e: unknown): string {
  const err = e as Error;
  return [JSON.stringify(err), String(err), util.inspect(err, { depth: 10 }), err.stack || '', err.message, JSON.stringify((err as OtError).toJSON?.())].join('\n');
}

async function failure(p: Promise<unknown>): Promise<OtError> {
  try {
    await p;
  } catch (e) {
    (e as Error).should.be.instanceOf(OtError);
    return e as OtError;
  }
  throw new Error('expected a failure');
}

describe('client: secrets in errors', () => {
  let echo: LocalServer;
  before(async () => {
    // Answers like a careless server: the error text repeats the request body and headers.
    echo = await startHttp((req, res) => {
      const u = new URL(req.url, 'http://x');
      if (u.pathname === '/api/v1/auth' && req.method === 'POST') return json(res, 200, { ticket: TICKET });
      if (u.pathname === '/otdsws/oauth2/token') return json(res, 200, { access_token: TOKEN, expires_in: 3600, refresh_token: 'refresh-echo-token-777' });
      json(res, 400, { error: `rejected ${req.method} ${req.url} body=${req.body}`, errorDetail: `headers: ${JSON.stringify(req.headers)}`, raw: `${req.headers.otcsticket || ''} ${req.headers.authorization || ''}` });
    });
  });
  after(() => echo.close());

  it('redacts a login whose password the server echoes back', async () => {
    const c = new HttpClient({ name: 'Extended ECM', baseUrl: `${echo.url}/api` });
    const auth = new CsTicketAuth(c, 'Admin', PASSWORD);
    const e = await failure(c.request({ operation: 'login echo', method: 'POST', path: 'v2/echo', body: { kind: 'form', fields: { username: 'Admin', password: PASSWORD } }, auth: false }));
    const text = everyForm(e);
    text.should.match(/rejected POST/);
    text.should.not.containEql(PASSWORD);
    text.should.not.containEql(encodeURIComponent(PASSWORD));
    auth.ticket.logins.should.equal(0);
  });

  it('redacts the Content Server ticket a server echoes in an error', async () => {
    const c = new HttpClient({ name: 'Extended ECM', baseUrl: `${echo.url}/api` });
    c.options.auth = new CsTicketAuth(c, 'Admin', PASSWORD);
    const e = await failure(c.request({ operation: 'get node', method: 'GET', path: 'v2/nodes/1' }));
    e.code.should.equal('OT_INVALID_INPUT');
    echo.requests[echo.requests.length - 1].headers.otcsticket!.should.equal(TICKET);
    const text = everyForm(e);
    text.should.not.containEql(TICKET);
    text.should.not.containEql(PASSWORD);
    text.should.match(/\*\*\*/);
  });

  it('redacts an OTDS client secret, the Basic header and the bearer token', async () => {
    const otdsClient = new HttpClient({ name: 'OTDS', baseUrl: echo.url });
    const otds = new OtdsAuth(otdsClient, { baseUrl: echo.url, grant: 'client_credentials', clientId: 'node-red', clientSecret: CLIENT_SECRET, basicClientAuth: true });
    const c = new HttpClient({ name: 'Extended ECM', baseUrl: `${echo.url}/api`, auth: otds.bearer() });
    const e = await failure(c.request({ operation: 'get node', method: 'GET', path: 'v2/nodes/1' }));
    const text = everyForm(e);
    text.should.not.containEql(TOKEN);
    text.should.not.containEql(CLIENT_SECRET);
    // and a request that carries the secret in its form body
    const e2 = await failure(otdsClient.request({ operation: 'token echo', method: 'POST', path: 'echo', body: { kind: 'form', fields: { client_id: 'node-red', client_secret: CLIENT_SECRET } } }));
    const text2 = everyForm(e2);
    text2.should.not.containEql(CLIENT_SECRET);
    text2.should.not.containEql(Buffer.from(`node-red:${CLIENT_SECRET}`).toString('base64'));
    text2.should.not.containEql('refresh-echo-token-777');
  });

  it('redacts HTTP Basic credentials of Cloud Messaging', async () => {
    const c = new HttpClient({ name: 'Cloud Messaging', baseUrl: `${echo.url}/mra/v1`, auth: basicAuth('sandbox-fax', PASSWORD) });
    const e = await failure(c.request({ operation: 'fax status', method: 'GET', path: 'outbound/faxes/status', query: { job_id: 'x' } }));
    const text = everyForm(e);
    text.should.not.containEql(PASSWORD);
    text.should.not.containEql(Buffer.from(`sandbox-fax:${PASSWORD}`).toString('base64'));
  });

  it('masks recognisable carriers of secrets that were never registered', () => {
    const out = redact('OTCSTicket: abc123unregistered, Authorization: Bearer zzzzzzzzzzzzzz password=hunter2x&x=1 {"client_secret":"s3cr3t-value"} http://user:pa55word@proxy:3128 *OTDSSSO*QUJDREVGRw==');
    out.should.not.match(/abc123unregistered|zzzzzzzzzzzzzz|hunter2x|s3cr3t-value|pa55word|QUJDREVGRw/);
    out.should.match(/x=1/);
  });

  it('masks secret fields and registered secrets in details and values', () => {
    registerSecret('registered-secret-value-42');
    const e = invalidInput('bad input', { password: 'pw', nested: { note: 'contains registered-secret-value-42', ticket: 'T-1' }, list: [{ token: 'abc' }] });
    const text = everyForm(e);
    text.should.not.match(/registered-secret-value-42|"pw"|T-1|"abc"/);
    redactValue({ apiKey: 'k-1', name: 'ok' }).should.eql({ apiKey: '***', name: 'ok' });
  });

  it('redacts errors that are not OtErrors when they are converted', () => {
    registerSecret(PASSWORD);
    const e = toOtError(new Error(`driver failed with ${PASSWORD}`));
    everyForm(e).should.not.containEql(PASSWORD);
  });

  it('refuses credentials in a base URL without repeating them', () => {
    let caught: unknown;
    try {
      new HttpClient({ name: 'Extended ECM', baseUrl: 'https://admin:url-pass-5566@cs.example.com/api' });
    } catch (e) {
      caught = e;
    }
    (caught as OtError).code.should.equal('OT_INVALID_INPUT');
    everyForm(caught).should.not.containEql('url-pass-5566');
  });
});
