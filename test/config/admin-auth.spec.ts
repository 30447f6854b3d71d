/**
 * RED.auth.needsPermission for real. node-red-node-test-helper stubs the admin auth (every request
 * passes), so this file starts a real Node-RED (the one under test: NODE_RED_PATH in the compat
 * run) in a child process with adminAuth configured — an admin user ('*') and a read-only user —
 * and the pack's config nodes loaded from the TypeScript sources, then calls the Test connection
 * endpoints with each user's token.
 */
import 'should';
import fs from 'fs';
import path from 'path';
import { useSandbox } from '../support/sandbox';
import { nodeRedDir } from '../support/servers';
import { adminToken, packNode, startNodeRedWithAdminAuth, type RunningNodeRed } from '../support/admin-nodered';
import { cs } from '../../sandbox/areas/cs-core';

const CONFIG_NODES = ['xecm/ot-xecm', 'otds/ot-otds', 'exstream/ot-exstream', 'messaging/ot-messaging'];

/** Node-RED with adminAuth and the pack's four config nodes. */
const startNodeRed = () =>
  startNodeRedWithAdminAuth({
    name: 'admin-auth',
    nodeFiles: CONFIG_NODES.map(packNode),
    credentialSecret: false,
    users: [
      { username: 'admin', password: 'admin-pass-1', permissions: '*' },
      { username: 'reader', password: 'reader-pass-1', permissions: 'read' },
    ],
  });
const token = adminToken;

describe('config: Test connection endpoints need the write permission (real Node-RED with adminAuth)', function () {
  this.timeout(90000);
  const h = useSandbox();
  let nr: RunningNodeRed;
  before(async () => {
    nr = await startNodeRed();
  });
  after(async () => {
    await nr?.stop();
  });

  const call = (type: string, bearer: string | undefined, body: unknown) =>
    fetch(`${nr.url}/opentext/${type}/test`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
      body: JSON.stringify(body),
    });
  const body = () => ({ settings: { baseUrl: h.csUrl, authMode: 'password' }, credentials: { username: 'Admin', password: 'sandbox-admin' } });

  it('loaded the pack\'s config nodes without errors', async () => {
    const admin = await token(nr.url, 'admin', 'admin-pass-1', '*');
    const res = await fetch(`${nr.url}/nodes`, { headers: { accept: 'application/json', authorization: `Bearer ${admin}` } });
    res.status.should.equal(200);
    const sets = (await res.json()) as Array<{ types: string[]; err?: string }>;
    const types = sets.flatMap((s) => s.types);
    for (const t of ['ot-xecm', 'ot-otds', 'ot-exstream', 'ot-messaging']) types.should.containEql(t);
    sets.filter((s) => s.err && s.types.some((t) => t.startsWith('ot-'))).should.have.length(0);
  });

  it('runs the Node-RED under test (NODE_RED_PATH in the compat run)', async () => {
    const admin = await token(nr.url, 'admin', 'admin-pass-1', '*');
    const res = await fetch(`${nr.url}/settings`, { headers: { authorization: `Bearer ${admin}` } });
    const expected = JSON.parse(fs.readFileSync(path.join(nodeRedDir(), 'package.json'), 'utf8')).version;
    // Node-RED adds "-git" to its version when a .git folder sits two levels above it (a clone)
    ((await res.json()) as { version: string }).version.replace(/-git$/, '').should.equal(expected);
  });

  it('refuses a request without a token (401)', async () => {
    (await call('ot-xecm', undefined, body())).status.should.equal(401);
    cs(h.sb.app).logins.should.equal(0);
  });

  it('refuses a read-only user (401) for every config node type', async () => {
    const reader = await token(nr.url, 'reader', 'reader-pass-1', 'read');
    for (const type of ['ot-xecm', 'ot-otds', 'ot-exstream', 'ot-messaging']) (await call(type, reader, body())).status.should.equal(401);
    cs(h.sb.app).logins.should.equal(0);
  });

  it('answers an admin (200) and really tests the connection', async () => {
    const admin = await token(nr.url, 'admin', 'admin-pass-1', '*');
    const ok = await call('ot-xecm', admin, body());
    ok.status.should.equal(200);
    ((await ok.json()) as Record<string, unknown>).should.eql({ ok: true, message: 'connected as Admin' });
    cs(h.sb.app).logins.should.equal(1);
    const bad = await call('ot-xecm', admin, { ...body(), credentials: { username: 'Admin', password: 'nope-123456' } });
    bad.status.should.equal(200);
    ((await bad.json()) as { ok: boolean; code: string }).code.should.equal('OT_AUTH');
    nr.output().should.not.match(/sandbox-admin|nope-123456|admin-pass-1/);
  });
});
