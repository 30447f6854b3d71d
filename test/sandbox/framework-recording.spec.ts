/**
 * Sandbox framework: the recording (options.record / --record / OT_SANDBOX_RECORD) — one JSON line
 * per request with secrets masked — and the contract checker's verdict on such a recording.
 */
import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import should from 'should';
import { useSandbox } from '../support/sandbox';
import { until } from '../support/nr';

const CHECKER = path.join(__dirname, '..', '..', '..', 'shared', 'tools', 'check-contract.mjs');

interface Line {
  ts: string;
  method: string;
  path: string;
  query: Record<string, string>;
  contentType?: string;
  headers: Record<string, string>;
  fields: Record<string, 'text' | 'file'>;
  body?: unknown;
  status: number;
}

function lines(file: string): Line[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Line);
}

async function waitLines(file: string, n: number): Promise<Line[]> {
  await until(() => lines(file).length >= n, 5000, `${n} recorded lines in ${file}`);
  return lines(file);
}

function checker(file: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [CHECKER, file], { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ot-rec-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('sandbox framework: recording', () => {
  const file = path.join(tmp, 'valid.jsonl');
  const h = useSandbox({ record: file });

  it('writes one JSON line per request with method, path, query, content type, header names, fields, parsed body and status', async () => {
    // form login (plain fields)
    const login = await fetch(`${h.csUrl}/v1/auth`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=Admin&password=sandbox-admin' });
    login.status.should.equal(200);
    const ticket = ((await login.json()) as { ticket: string }).ticket;
    // the `body` convention: JSON in one form field (password inside)
    const viaBody = await fetch(`${h.csUrl}/v1/auth`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ body: JSON.stringify({ username: 'Admin', password: 'sandbox-admin' }) }).toString() });
    viaBody.status.should.equal(200);
    // multipart with a text and a file part
    const fd = new FormData();
    fd.append('username', 'Admin');
    fd.append('password', 'sandbox-admin');
    fd.append('file', new Blob([Buffer.from('hello')], { type: 'text/plain' }), 'hello.txt');
    (await fetch(`${h.csUrl}/v1/auth`, { method: 'POST', body: fd })).status.should.equal(200);
    // ticket header, secret query value
    (await fetch(`${h.csUrl}/v1/auth?fields=data&ticket=${encodeURIComponent(ticket)}`, { headers: { OTCSTicket: ticket } })).status.should.equal(200);
    // JSON API (OTDS ticket) and an OAuth form with a client secret
    (await fetch(`${h.url}/otdsws/rest/authentication/credentials`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userName: 'admin', password: 'sandbox-admin' }) })).status.should.equal(200);
    const tok = await fetch(`${h.url}/otdsws/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Basic ' + Buffer.from('node-red:sandbox-client-secret').toString('base64') }, body: 'grant_type=client_credentials' });
    tok.status.should.equal(200);
    const bearer = ((await tok.json()) as { access_token: string }).access_token;
    // failures are recorded too
    (await fetch(`${h.csUrl}/v1/ping`)).status.should.equal(200);
    (await fetch(`${h.csUrl}/v1/auth`)).status.should.equal(401);

    const rec = await waitLines(file, 8);
    rec.should.have.length(8);
    for (const l of rec) {
      l.ts.should.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      l.should.have.properties(['method', 'path', 'query', 'headers', 'fields', 'status']);
      l.headers.should.have.property('host');
    }
    rec[0].should.containDeep({ method: 'POST', path: '/otcs/cs.exe/api/v1/auth', query: {}, contentType: 'application/x-www-form-urlencoded', fields: { username: 'text', password: 'text' }, status: 200 });
    should(rec[0].body).be.undefined();
    rec[1].fields.should.eql({ body: 'text' });
    rec[1].body!.should.eql({ username: 'Admin', password: '***' });
    rec[2].contentType!.should.startWith('multipart/form-data; boundary=');
    rec[2].fields.should.eql({ username: 'text', password: 'text', file: 'file' });
    rec[3].should.containDeep({ method: 'GET', query: { fields: 'data', ticket: '***' }, headers: { otcsticket: '***' }, status: 200 });
    rec[4].should.containDeep({ path: '/otdsws/rest/authentication/credentials', contentType: 'application/json', status: 200 });
    rec[4].body!.should.eql({ userName: 'admin', password: '***' });
    rec[5].headers.authorization.should.equal('***');
    rec[5].fields.should.eql({ grant_type: 'text' });
    rec[6].should.containDeep({ method: 'GET', path: '/otcs/cs.exe/api/v1/ping', status: 200 });
    rec[7].status.should.equal(401);

    const text = fs.readFileSync(file, 'utf8');
    for (const secret of ['sandbox-admin', 'sandbox-client-secret', ticket, bearer, Buffer.from('node-red:sandbox-client-secret').toString('base64')]) {
      text.should.not.containEql(secret);
    }
  });

  it('records requests that got an injected fault with the fields the client sent', async () => {
    const before = lines(file).length;
    h.sb.app.setFaults({ rules: [{ kind: '503', probability: 1, route: 'oauth2' }] });
    (await fetch(`${h.url}/otdsws/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&client_id=node-red&client_secret=sandbox-client-secret' })).status.should.equal(503);
    const rec = await waitLines(file, before + 1);
    rec[before].should.containDeep({ path: '/otdsws/oauth2/token', fields: { grant_type: 'text', client_id: 'text', client_secret: 'text' }, status: 503 });
  });

  it('is accepted by check-contract.mjs (violations=0) for valid Content Server and OTDS requests', async () => {
    fs.existsSync(CHECKER).should.be.true(`the contract checker is expected beside the clone at ${CHECKER}`);
    (await fetch(`${h.csUrl}/v1/auth`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=Admin&password=sandbox-admin' })).status.should.equal(200);
    (await fetch(`${h.url}/otdsws/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=password&username=admin&password=sandbox-admin&client_id=node-red&client_secret=sandbox-client-secret' })).status.should.equal(200);
    (await fetch(`${h.url}/_sandbox/state`)).status.should.equal(200);
    await waitLines(file, 3);
    const r = checker(file);
    r.out.should.match(/violations=0 /);
    r.out.should.match(/requests=\d+ checked=[1-9]\d* /);
    r.status!.should.equal(0);
  });
});

describe('sandbox framework: check-contract.mjs flags what the real API rejects', () => {
  const file = path.join(tmp, 'invalid.jsonl');
  const h = useSandbox({ record: file });

  it('flags a Content Server POST with a JSON body (and the sandbox rejects it too)', async () => {
    const r = await fetch(`${h.csUrl}/v1/auth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'Admin', password: 'sandbox-admin' }) });
    r.status.should.equal(401);
    const rec = await waitLines(file, 1);
    rec[0].should.containDeep({ method: 'POST', contentType: 'application/json', body: { username: 'Admin', password: '***' }, status: 401 });
    const c = checker(file);
    c.status!.should.equal(1);
    c.out.should.match(/JSON body where Content Server expects a form/);
    c.out.should.match(/violations=[1-9]/);
  });
});

describe('sandbox framework: recording off', () => {
  const file = path.join(tmp, 'off.jsonl');
  let saved: string | undefined;
  before(() => {
    saved = process.env.OT_SANDBOX_RECORD;
    process.env.OT_SANDBOX_RECORD = file;
  });
  after(() => {
    if (saved === undefined) delete process.env.OT_SANDBOX_RECORD;
    else process.env.OT_SANDBOX_RECORD = saved;
  });
  const h = useSandbox({ record: false });

  it('writes nothing with record: false even when OT_SANDBOX_RECORD is set', async () => {
    (await fetch(`${h.csUrl}/v1/ping`)).status.should.equal(200);
    await new Promise((r) => setTimeout(r, 100));
    fs.existsSync(file).should.be.false();
  });
});
