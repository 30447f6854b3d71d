/**
 * Security against a real Node-RED (the one under test, NODE_RED_PATH in the compat run) with
 * adminAuth on and every node of the pack installed from the TypeScript sources:
 *
 * - every admin endpoint the pack registers (found by loading each module, not listed by hand)
 *   refuses a request without a token and a user without its permission, and answers one with it;
 * - secrets are absent from exported flows: what GET /flows answers, and the flow file on disk
 *   (credentials are stored apart, encrypted), after a deploy that carried them.
 */
import 'should';
import fs from 'fs';
import path from 'path';
import { useSandbox } from '../support/sandbox';
import { packTypes } from '../fuzz/support';
import { adminToken, startNodeRedWithAdminAuth, type RunningNodeRed } from '../support/admin-nodered';
type Obj = Record<string, unknown>;

interface Route {
  method: string;
  path: string;
  permission?: string;
}

/** The admin routes the pack registers, with the permission each asks for. */
function packRoutes(): Route[] {
  const routes: Route[] = [];
  const stub: unknown = new Proxy(function () {}, { get: () => stub, apply: () => stub });
  const add = (method: string) => (p: string, ...handlers: unknown[]) => {
    const guard = handlers.find((x) => x && typeof x === 'object' && 'permission' in (x as Obj)) as { permission: string } | undefined;
    routes.push({ method, path: p, permission: guard?.permission });
  };
  const fakeRed = new Proxy(
    {},
    {
      get: (_t, k) => {
        if (k === 'httpAdmin') return { get: add('GET'), post: add('POST'), put: add('PUT'), delete: add('DELETE'), use: () => undefined };
        if (k === 'auth') return { needsPermission: (permission: string) => ({ permission }) };
        if (k === 'nodes') return { registerType: () => undefined, getNode: () => null };
        return stub;
      },
    },
  );
  for (const t of packTypes()) (require(t.file) as (RED: unknown) => void)(fakeRed);
  return routes;
}

/** Node-RED with adminAuth and every node of the pack; credentials encrypted on disk. */
const startNodeRed = () =>
  startNodeRedWithAdminAuth({
    name: 'security-admin',
    nodeFiles: packTypes().map((t) => t.file),
    credentialSecret: 'security-test-credential-key',
    users: [
      { username: 'admin', password: 'admin-pass-7', permissions: '*' },
      { username: 'reader', password: 'reader-pass-7', permissions: 'read' },
      { username: 'viewer', password: 'viewer-pass-7', permissions: ['flows.read'] },
    ],
  });
const token = adminToken;

describe('security: admin endpoints and exported flows (real Node-RED with adminAuth)', function () {
  this.timeout(120000);
  const h = useSandbox();
  let nr: RunningNodeRed;
  const routes = packRoutes();
  before(async () => {
    nr = await startNodeRed();
  });
  after(async () => {
    await nr?.stop();
  });

  const call = (r: Route, bearer: string | undefined) =>
    fetch(`${nr.url}${r.path.replace(/^\//, '/')}`, {
      method: r.method,
      headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
      body: r.method === 'GET' ? undefined : JSON.stringify({ settings: { baseUrl: 'http://127.0.0.1:9' }, credentials: { password: 'route-secret-1' } }),
    });

  it('the pack loaded, and every admin route it registers asks for a permission of its own type', async () => {
    const admin = await token(nr.url, 'admin', 'admin-pass-7', '*');
    const res = await fetch(`${nr.url}/nodes`, { headers: { accept: 'application/json', authorization: `Bearer ${admin}` } });
    const sets = (await res.json()) as Array<{ types: string[]; err?: string }>;
    const loaded = sets.flatMap((s) => s.types);
    for (const t of packTypes()) loaded.should.containEql(t.type);
    sets.filter((s) => s.err && s.types.some((t) => t.startsWith('ot-'))).should.have.length(0);
    routes.length.should.be.above(4);
    for (const r of routes) {
      (r.permission || '').should.match(/^ot-[a-z-]+\.(read|write)$/, `${r.method} ${r.path} is not protected by RED.auth.needsPermission`);
      r.path.should.startWith(`/opentext/${r.permission!.split('.')[0]}/`);
    }
  });

  it('refuses every admin route without a token, and to a user without the permission', async () => {
    const viewer = await token(nr.url, 'viewer', 'viewer-pass-7', 'flows.read');
    const reader = await token(nr.url, 'reader', 'reader-pass-7', 'read');
    for (const r of routes) {
      (await call(r, undefined)).status.should.equal(401, `${r.method} ${r.path} without a token`);
      (await call(r, viewer)).status.should.be.oneOf([401, 403]);
      if (r.permission!.endsWith('.write')) (await call(r, reader)).status.should.be.oneOf([401, 403]);
    }
  });

  it('answers a user with the permission', async () => {
    const admin = await token(nr.url, 'admin', 'admin-pass-7', '*');
    const reader = await token(nr.url, 'reader', 'reader-pass-7', 'read');
    for (const r of routes) {
      const who = r.permission!.endsWith('.read') ? reader : admin;
      const res = await call(r, who);
      [401, 403].includes(res.status).should.equal(false, `${r.method} ${r.path} refused a user with ${r.permission}`);
    }
    nr.output().should.not.match(/route-secret-1|admin-pass-7|reader-pass-7/);
  });

  it('a deployed flow with every connection: no secret in what GET /flows answers nor in the flow file', async () => {
    const admin = await token(nr.url, 'admin', 'admin-pass-7', '*');
    const secrets = { csPassword: 'export-cs-password-81', clientSecret: 'export-client-secret-82', otdsPassword: 'export-otds-password-83', messagingPassword: 'export-messaging-84', ocpSecret: 'export-ocp-secret-85', appworksKey: 'export-appworks-key-86', eventSecret: 'export-event-secret-87' };
    const flows = [
      { id: 't1', type: 'tab', label: 'export' },
      { id: 'x1', type: 'ot-xecm', name: 'cs', baseUrl: h.csUrl, authMode: 'password', credentials: { username: 'Admin', password: secrets.csPassword } },
      { id: 'o1', type: 'ot-otds', name: 'otds', baseUrl: h.url, grant: 'password', credentials: { clientId: 'node-red', clientSecret: secrets.clientSecret, username: 'admin', password: secrets.otdsPassword } },
      { id: 'm1', type: 'ot-messaging', name: 'messaging', baseUrl: `${h.url}/mra/v1`, authMode: 'basic', credentials: { username: 'sandbox-fax', password: secrets.messagingPassword } },
      { id: 'm2', type: 'ot-messaging', name: 'ocp', baseUrl: `${h.url}/mra/v1`, authMode: 'ocp', tokenUrl: `${h.url}/tenants/t/oauth2/token`, credentials: { clientId: 'messaging-tenant', clientSecret: secrets.ocpSecret } },
      { id: 'a1', type: 'ot-appworks', name: 'aw', gatewayUrl: h.url, credentials: { key: secrets.appworksKey } },
      { id: 'e1', type: 'ot-exstream', name: 'ex', baseUrl: h.url, family: 'orchestration', domain: 'sandbox', otds: 'o1' },
      { id: 'ev1', type: 'ot-event-in', z: 't1', x: 100, y: 100, url: '/export-events', verify: 'token', wires: [[]], credentials: { secret: secrets.eventSecret } },
      { id: 'n1', type: 'ot-node', z: 't1', x: 100, y: 200, server: 'x1', operation: 'get', node: 'nodeId', nodeType: 'msg', wires: [[]] },
    ];
    const deploy = await fetch(`${nr.url}/flows`, { method: 'POST', headers: { 'content-type': 'application/json', 'node-red-deployment-type': 'full', authorization: `Bearer ${admin}` }, body: JSON.stringify(flows) });
    deploy.status.should.equal(204);
    const exported = await (await fetch(`${nr.url}/flows`, { headers: { authorization: `Bearer ${admin}` } })).text();
    const onDisk = fs.readFileSync(path.join(nr.userDir, 'flows.json'), 'utf8');
    const credFile = path.join(nr.userDir, 'flows_cred.json');
    const credsOnDisk = fs.existsSync(credFile) ? fs.readFileSync(credFile, 'utf8') : '';
    const list = JSON.parse(exported) as Obj[];
    list.should.be.an.Array();
    list.length.should.equal(flows.length);
    for (const [name, s] of Object.entries(secrets)) {
      exported.includes(s).should.equal(false, `${name} is in GET /flows`);
      onDisk.includes(s).should.equal(false, `${name} is in flows.json`);
      credsOnDisk.includes(s).should.equal(false, `${name} is stored unencrypted`);
    }
    // the credentials were kept (encrypted), not dropped: the editor is told a password is set
    credsOnDisk.should.match(/"\$":/);
    const x1 = list.find((n) => n.id === 'x1')!;
    x1.should.not.have.property('credentials');
    nr.output().should.not.match(/export-[a-z-]+-8\d/);
  });
});
