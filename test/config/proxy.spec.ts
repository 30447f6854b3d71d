/**
 * Proxies: Node-RED's core 'http proxy' config node, HTTP_PROXY / HTTPS_PROXY / NO_PROXY from the
 * environment, proxy authentication, absolute-URI requests for http:// targets and CONNECT tunnels
 * for https:// targets (the sandbox behind a TLS front), through a local test proxy that counts
 * what passed.
 */
import 'should';
import { useSandbox } from '../support/sandbox';
import { useNodeRed, xecmConfig, FlowNode } from '../support/nr';
import { coreNode, TLS_FILES, tlsFront, TlsFront } from '../support/servers';
import { startProxy, TestProxy } from '../support/proxy';
import { bypassProxy, proxyFromEnv } from '../../nodes/lib/agents';
import type { XecmConfigNode } from '../../nodes/xecm/xecm-connection';
import type { OtdsConfigNode } from '../../nodes/otds/otds-connection';
import { cs } from '../../sandbox/areas/cs-core';
import { otFailure as failure } from '../support/errors';

const xecmNode = require('../../nodes/xecm/ot-xecm');
const otdsNode = require('../../nodes/otds/ot-otds');
const tlsNode = coreNode('network/05-tls.js');
const proxyNode = coreNode('network/06-httpproxy.js');

const ENV_KEYS = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy'];

describe('config: proxies', () => {
  const h = useSandbox();
  const helper = useNodeRed();
  let front: TlsFront;
  let proxy: TestProxy;
  const saved: Record<string, string | undefined> = {};

  before(async () => {
    front = await tlsFront(h.sb.port);
    for (const k of ENV_KEYS) saved[k] = process.env[k];
  });
  after(() => front.close());
  beforeEach(async () => {
    for (const k of ENV_KEYS) delete process.env[k];
    proxy = await startProxy();
  });
  afterEach(async () => {
    for (const k of ENV_KEYS) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    await proxy.close();
  });

  const tlsConfig: FlowNode = { id: 'tls1', type: 'tls-config', cert: '', key: '', ca: TLS_FILES.ca, verifyservercert: true };
  const proxyConfig = (url: string, noproxy: string[] = []): FlowNode => ({ id: 'proxy1', type: 'http proxy', name: 'test proxy', url, noproxy });
  const me = (n: XecmConfigNode) => n.client.request<{ data: { name: string } }>({ operation: 'who am I', method: 'GET', path: 'v1/auth' });
  const xecm = () => helper.getNode('xecm1') as unknown as XecmConfigNode;

  it('sends http:// requests through the core http proxy node (absolute URIs)', async () => {
    const x = xecmConfig(h.csUrl, { proxy: 'proxy1' });
    await helper.load([proxyNode, xecmNode], [proxyConfig(proxy.url), x.node], x.creds);
    (await me(xecm())).data.data.name.should.equal('Admin');
    proxy.forwarded.should.equal(2);
    proxy.seen.should.containEql(`POST ${h.csUrl}/v1/auth`);
    proxy.seen.should.containEql(`GET ${h.csUrl}/v1/auth`);
    proxy.tunnels.should.equal(0);
  });

  it('tunnels https:// requests through the core http proxy node with CONNECT (TLS end to end)', async () => {
    const x = xecmConfig(`${front.url}/otcs/cs.exe/api`, { proxy: 'proxy1', tls: 'tls1' });
    await helper.load([proxyNode, tlsNode, xecmNode], [proxyConfig(proxy.url), tlsConfig, x.node], x.creds);
    (await me(xecm())).data.data.name.should.equal('Admin');
    (await me(xecm())).status.should.equal(200);
    proxy.tunnels.should.be.aboveOrEqual(1);
    proxy.seen.should.containEql(`CONNECT localhost:${front.port}`);
    proxy.forwarded.should.equal(0);
  });

  it('goes direct for hosts in the proxy node\'s "no proxy" list', async () => {
    const x = xecmConfig(h.csUrl, { proxy: 'proxy1' });
    await helper.load([proxyNode, xecmNode], [proxyConfig(proxy.url, ['127.0.0.1']), x.node], x.creds);
    (await me(xecm())).status.should.equal(200);
    proxy.seen.should.have.length(0);
  });

  it('authenticates to a proxy with the proxy node\'s credentials (http and https targets)', async () => {
    await proxy.close();
    proxy = await startProxy({ auth: { username: 'proxy-user', password: 'proxy-pass-8812' } });
    const x = xecmConfig(h.csUrl, { proxy: 'proxy1' });
    const x2 = { ...xecmConfig(`${front.url}/otcs/cs.exe/api`, { proxy: 'proxy1', tls: 'tls1' }).node, id: 'xecm2' };
    await helper.load([proxyNode, tlsNode, xecmNode], [proxyConfig(proxy.url), tlsConfig, x.node, x2], { ...x.creds, xecm2: x.creds.xecm1, proxy1: { username: 'proxy-user', password: 'proxy-pass-8812' } });
    (await me(xecm())).status.should.equal(200);
    (await me(helper.getNode('xecm2') as unknown as XecmConfigNode)).status.should.equal(200);
    proxy.refused.should.equal(0);
    proxy.forwarded.should.equal(2);
    proxy.tunnels.should.be.aboveOrEqual(1);
    proxy.authHeaders.every((v) => v === `Basic ${Buffer.from('proxy-user:proxy-pass-8812').toString('base64')}`).should.be.true();
  });

  it('fails clearly with wrong proxy credentials and never shows the proxy password', async () => {
    await proxy.close();
    proxy = await startProxy({ auth: { username: 'proxy-user', password: 'proxy-pass-8812' } });
    const x = xecmConfig(h.csUrl, { proxy: 'proxy1', retries: 1 });
    const x2 = { ...xecmConfig(`${front.url}/otcs/cs.exe/api`, { proxy: 'proxy1', tls: 'tls1', retries: 1 }).node, id: 'xecm2' };
    await helper.load([proxyNode, tlsNode, xecmNode], [proxyConfig(proxy.url), tlsConfig, x.node, x2], { ...x.creds, xecm2: x.creds.xecm1, proxy1: { username: 'proxy-user', password: 'wrong-proxy-pass-55' } });
    const e1 = await failure(me(xecm()));
    e1.code.should.equal('OT_AUTH');
    e1.message.should.match(/407/);
    e1.message.should.match(/proxy/i);
    const e2 = await failure(me(helper.getNode('xecm2') as unknown as XecmConfigNode));
    e2.code.should.equal('OT_NETWORK');
    e2.message.should.match(/proxy refused the tunnel: HTTP 407/);
    for (const e of [e1, e2]) JSON.stringify(e).concat(String(e), e.stack || '').should.not.match(/wrong-proxy-pass-55/);
    proxy.refused.should.be.aboveOrEqual(2);
    cs(h.sb.app).logins.should.equal(0);
  });

  it('uses HTTP_PROXY from the environment for http:// targets', async () => {
    process.env.HTTP_PROXY = proxy.url;
    const x = xecmConfig(h.csUrl);
    await helper.load([xecmNode], [x.node], x.creds);
    (await me(xecm())).status.should.equal(200);
    proxy.forwarded.should.equal(2);
  });

  it('reads the proxy environment at the first request of a connection and keeps it until a redeploy', async () => {
    const x = xecmConfig(h.csUrl);
    await helper.load([xecmNode], [x.node], x.creds);
    (await me(xecm())).status.should.equal(200);
    proxy.forwarded.should.equal(0);
    // set after the first request: this connection keeps going direct
    process.env.HTTP_PROXY = proxy.url;
    (await me(xecm())).status.should.equal(200);
    proxy.forwarded.should.equal(0);
    // a redeployed connection reads it again
    await helper.unload();
    await helper.load([xecmNode], [x.node], x.creds);
    (await me(xecm())).status.should.equal(200);
    proxy.forwarded.should.equal(2);
  });

  it('uses HTTPS_PROXY from the environment for https:// targets (CONNECT), with credentials in the URL', async () => {
    await proxy.close();
    proxy = await startProxy({ auth: { username: 'env-user', password: 'env-pass-3344' } });
    process.env.HTTPS_PROXY = proxy.url.replace('http://', 'http://env-user:env-pass-3344@');
    const x = xecmConfig(`${front.url}/otcs/cs.exe/api`, { tls: 'tls1' });
    await helper.load([tlsNode, xecmNode], [tlsConfig, x.node], x.creds);
    (await me(xecm())).status.should.equal(200);
    proxy.tunnels.should.be.aboveOrEqual(1);
    proxy.refused.should.equal(0);
  });

  it('bypasses the environment proxy for NO_PROXY hosts', async () => {
    process.env.HTTP_PROXY = proxy.url;
    process.env.NO_PROXY = 'example.com,127.0.0.1';
    const x = xecmConfig(h.csUrl);
    await helper.load([xecmNode], [x.node], x.creds);
    (await me(xecm())).status.should.equal(200);
    proxy.seen.should.have.length(0);
  });

  it('ignores the environment when the connection says so (useProxyEnv false)', async () => {
    process.env.HTTP_PROXY = proxy.url;
    const x = xecmConfig(h.csUrl, { useProxyEnv: false });
    await helper.load([xecmNode], [x.node], x.creds);
    (await me(xecm())).status.should.equal(200);
    proxy.seen.should.have.length(0);
  });

  it('sends OTDS token requests through the proxy too', async () => {
    const flow: FlowNode[] = [proxyConfig(proxy.url), { id: 'otds1', type: 'ot-otds', baseUrl: h.url, grant: 'client_credentials', proxy: 'proxy1' }];
    await helper.load([proxyNode, otdsNode], flow, { otds1: { clientId: 'node-red', clientSecret: 'sandbox-client-secret' } });
    await (helper.getNode('otds1') as unknown as OtdsConfigNode).auth().token.get();
    proxy.seen.should.eql([`POST ${h.url}/otdsws/oauth2/token`]);
  });

  it('reads the proxy environment like curl (lower and upper case, NO_PROXY suffixes, ports, *)', () => {
    const t = (u: string) => new URL(u);
    proxyFromEnv(t('http://a.example.com/x'), { http_proxy: 'http://p:1' })!.url.should.equal('http://p:1');
    proxyFromEnv(t('https://a.example.com/x'), { HTTPS_PROXY: 'http://s:2', HTTP_PROXY: 'http://p:1' })!.url.should.equal('http://s:2');
    (proxyFromEnv(t('http://a.example.com/x'), { HTTPS_PROXY: 'http://s:2' }) === undefined).should.be.true();
    bypassProxy(t('http://a.example.com'), ['example.com']).should.be.true();
    bypassProxy(t('http://a.example.com'), ['.example.com']).should.be.true();
    bypassProxy(t('http://example.com'), ['.example.com']).should.be.true();
    bypassProxy(t('http://badexample.com'), ['example.com']).should.be.false();
    bypassProxy(t('http://a.example.com:8080'), ['example.com:8080']).should.be.true();
    bypassProxy(t('http://a.example.com:8081'), ['example.com:8080']).should.be.false();
    bypassProxy(t('https://host'), ['*']).should.be.true();
    bypassProxy(t('http://[::1]:80'), ['::1']).should.be.true();
    bypassProxy(t('http://[::1]:8080'), ['[::1]:8080']).should.be.true();
    bypassProxy(t('http://[::1]:8081'), ['[::1]:8080']).should.be.false();
    bypassProxy(t('http://[::2]'), ['::1']).should.be.false();
  });
});
