/**
 * The drop-down list endpoints (nodes/lib/admin.ts) behind RED.auth.needsPermission for real:
 * node-red-node-test-helper lets every admin request through, so this starts a real Node-RED (the
 * one under test: NODE_RED_PATH in the compat run) with adminAuth — an admin ('*'), a read-only
 * user ('read', which grants every `<type>.read`) and a user who may only read flows — the pack's
 * ot-xecm loaded from the TypeScript source and deployed against the sandbox, then calls
 * GET opentext/ot-xecm/lists/... with each user's token.
 */
import 'should';
import { useSandbox } from '../support/sandbox';
import { adminToken, packNode, startNodeRedWithAdminAuth, type RunningNodeRed } from '../support/admin-nodered';

describe('editor drop-downs: list endpoints need the <type>.read permission (real Node-RED with adminAuth)', function () {
  this.timeout(90000);
  const h = useSandbox();
  let nr: RunningNodeRed;
  let url = '';

  before(async () => {
    nr = await startNodeRedWithAdminAuth({
      name: 'lists-auth',
      nodeFiles: [packNode('xecm/ot-xecm')],
      credentialSecret: false,
      users: [
        { username: 'admin', password: 'admin-pass-1', permissions: '*' },
        { username: 'reader', password: 'reader-pass-1', permissions: 'read' },
        { username: 'flows', password: 'flows-pass-1', permissions: ['flows.read'] },
      ],
      flows: [{ id: 'x1', type: 'ot-xecm', name: 'sandbox', baseUrl: h.csUrl, authMode: 'password', timeout: 10, retries: 1, maxDelay: 1, concurrency: 4 }],
      credentials: { x1: { username: 'Admin', password: 'sandbox-admin' } },
    });
    url = nr.url;
  });

  after(async () => {
    await nr?.stop();
  });

  const token = (username: string, password: string, scope: string) => adminToken(url, username, password, scope);

  const list = (name: string, bearer?: string) => fetch(`${url}/opentext/ot-xecm/lists/${name}?server=x1`, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });

  it('refuses a request without a token (401) and does not call OpenText', async () => {
    (await list('holds')).status.should.equal(401);
    (await list('workspacetypes')).status.should.equal(401);
    (h.sb.app.area('cs') as { logins: number }).logins.should.equal(0);
  });

  it('refuses a user without ot-xecm.read (401)', async () => {
    const flows = await token('flows', 'flows-pass-1', 'flows.read');
    (await list('holds', flows)).status.should.equal(401);
    (h.sb.app.area('cs') as { logins: number }).logins.should.equal(0);
  });

  it('answers a read-only user and an admin with the lists, read through the deployed connection', async () => {
    const reader = await token('reader', 'reader-pass-1', 'read');
    const r = await list('holds', reader);
    r.status.should.equal(200);
    const body = (await r.json()) as { ok: boolean; items: Array<{ value: string }> };
    body.ok.should.be.true();
    body.items.map((i) => i.value).should.containEql('Litigation 2026');
    const admin = await token('admin', 'admin-pass-1', '*');
    const w = await list('workflowmaps', admin);
    w.status.should.equal(200);
    ((await w.json()) as { items: unknown[] }).items.length.should.be.above(0);
    nr.output().should.not.match(/sandbox-admin|reader-pass-1|admin-pass-1/);
  });
});
