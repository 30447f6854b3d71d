/**
 * TLS through Node-RED's core tls-config node: the sandbox behind a TLS front whose certificate is
 * signed by a self-signed test CA (test/support/tls). Without the CA the request fails with a clear
 * OT_NETWORK TLS error; with the CA it succeeds; with verification off it succeeds and the config
 * node warns.
 */
import 'should';
import { useSandbox } from '../support/sandbox';
import { useNodeRed, xecmConfig, FlowNode } from '../support/nr';
import fs from 'fs';
import type { TLSSocket } from 'tls';
import type { Node, NodeDef } from 'node-red';
import { coreNode, json, startHttps, TLS_FILES, tlsFront, TlsFront } from '../support/servers';
import type { RED } from '../../nodes/lib/nodered';
import type { XecmConfigNode } from '../../nodes/xecm/xecm-connection';
import type { OtdsConfigNode } from '../../nodes/otds/otds-connection';
import { otds } from '../../sandbox/areas/otds';
import { otFailure as failure } from '../support/errors';

const xecmNode = require('../../nodes/xecm/ot-xecm');
const otdsNode = require('../../nodes/otds/ot-otds');
const tlsNode = coreNode('network/05-tls.js');

const tlsConfig = (extra: Record<string, unknown>): FlowNode => ({ id: 'tls1', type: 'tls-config', name: 'test CA', cert: '', key: '', ca: '', certname: '', keyname: '', caname: '', servername: '', verifyservercert: true, ...extra });

describe('config: TLS with a private CA (core tls-config node)', () => {
  const h = useSandbox();
  const helper = useNodeRed();
  let front: TlsFront;
  before(async () => {
    front = await tlsFront(h.sb.port);
  });
  after(() => front.close());

  const csUrl = () => `${front.url}/otcs/cs.exe/api`;
  const me = (n: XecmConfigNode) => n.client.request<{ data: { name: string } }>({ operation: 'who am I', method: 'GET', path: 'v1/auth' });
  const warnings = () =>
    helper
      .log()
      .args.map((a: unknown[]) => a[0] as { level: number; msg: unknown; id?: string })
      .filter((m: { level: number }) => m.level === 30)
      .map((m: { msg: unknown; id?: string }) => `${m.id}: ${String(m.msg)}`);

  it('fails with OT_NETWORK and a hint to add the CA when the server certificate is not trusted', async () => {
    const x = xecmConfig(csUrl());
    await helper.load([xecmNode], [x.node], x.creds);
    const n = helper.getNode('xecm1') as unknown as XecmConfigNode;
    const e = await failure(me(n));
    e.code.should.equal('OT_NETWORK');
    e.message.should.match(/TLS error talking to https:\/\/localhost:\d+/);
    e.message.should.match(/self[- ]signed|unable to verify|SELF_SIGNED|UNABLE_TO/i);
    e.message.should.match(/add the server's CA in a TLS configuration/);
    // a certificate problem is not transient: no retry
    e.attempts!.should.equal(1);
  });

  it('succeeds with the CA from a tls-config node (file path)', async () => {
    const x = xecmConfig(csUrl(), { tls: 'tls1' });
    await helper.load([tlsNode, xecmNode], [tlsConfig({ ca: TLS_FILES.ca }), x.node], x.creds);
    const n = helper.getNode('xecm1') as unknown as XecmConfigNode;
    (await me(n)).data.data.name.should.equal('Admin');
    n.client.insecure.should.be.false();
    front.handshakes.should.be.above(0);
    warnings().join('\n').should.not.match(/verification is turned off/);
  });

  it('succeeds with the CA pasted into the tls-config node (credentials)', async () => {
    const fs = await import('fs');
    const x = xecmConfig(csUrl(), { tls: 'tls1' });
    await helper.load([tlsNode, xecmNode], [tlsConfig({}), x.node], { ...x.creds, tls1: { cadata: fs.readFileSync(TLS_FILES.ca, 'utf8') } });
    const n = helper.getNode('xecm1') as unknown as XecmConfigNode;
    (await me(n)).data.data.name.should.equal('Admin');
  });

  it('succeeds with verification turned off, and the config node warns about it', async () => {
    const x = xecmConfig(csUrl(), { tls: 'tls1' });
    await helper.load([tlsNode, xecmNode], [tlsConfig({ verifyservercert: false }), x.node], x.creds);
    const n = helper.getNode('xecm1') as unknown as XecmConfigNode;
    (await me(n)).data.data.name.should.equal('Admin');
    n.client.insecure.should.be.true();
    warnings().should.containEql('xecm1: TLS certificate verification is turned off for this Extended ECM connection');
  });

  it('uses the TLS settings for OTDS too, and warns when verification is off', async () => {
    const flow: FlowNode[] = [tlsConfig({ verifyservercert: false }), { id: 'otds1', type: 'ot-otds', baseUrl: front.url, grant: 'client_credentials', tls: 'tls1' }];
    await helper.load([tlsNode, otdsNode], flow, { otds1: { clientId: 'node-red', clientSecret: 'sandbox-client-secret' } });
    const n = helper.getNode('otds1') as unknown as OtdsConfigNode;
    (await n.auth().token.get()).should.be.a.String();
    otds(h.sb.app).tokenRequests.should.equal(1);
    warnings().should.containEql('otds1: TLS certificate verification is turned off for this OTDS connection');
  });

  it('tests the connection from the dialog with the selected tls-config node', async () => {
    const x = xecmConfig(csUrl(), { tls: 'tls1' });
    await helper.load([tlsNode, xecmNode], [tlsConfig({ ca: TLS_FILES.ca }), x.node], x.creds);
    const ok = await helper.request().post('/opentext/ot-xecm/test').send({ settings: { baseUrl: csUrl(), authMode: 'password', tls: 'tls1' }, credentials: { username: 'Admin', password: 'sandbox-admin' } }).expect(200);
    ok.body.should.eql({ ok: true, message: 'connected as Admin' });
    const bad = await helper.request().post('/opentext/ot-xecm/test').send({ settings: { baseUrl: csUrl(), authMode: 'password' }, credentials: { username: 'Admin', password: 'sandbox-admin' } }).expect(200);
    bad.body.ok.should.be.false();
    bad.body.code.should.equal('OT_NETWORK');
    bad.body.message.should.match(/TLS error/);
  });
});

/**
 * Stands in for Node-RED 5's tls-config node with a PKCS#12 bundle (certType "pfx"): its
 * addTLSOptions() hands out `pfx` and `passphrase` instead of key and certificate.
 */
function pfxTlsModule(RED: RED): void {
  function PfxTls(this: Node & { addTLSOptions(o: Record<string, unknown>): Record<string, unknown> }, def: NodeDef) {
    RED.nodes.createNode(this, def);
    this.addTLSOptions = (o) => Object.assign(o, { pfx: fs.readFileSync(TLS_FILES.clientP12), passphrase: TLS_FILES.clientP12Passphrase, ca: fs.readFileSync(TLS_FILES.ca), rejectUnauthorized: true });
  }
  RED.nodes.registerType('test-tls-pfx', PfxTls as unknown as Parameters<RED['nodes']['registerType']>[1]);
}

describe('config: mutual TLS (client certificates)', () => {
  const helper = useNodeRed();
  let server: Awaited<ReturnType<typeof startHttps>>;
  const peers: string[] = [];
  before(async () => {
    server = await startHttps(
      (_req, res, raw) => {
        const cn = String((raw.socket as TLSSocket).getPeerCertificate().subject?.CN || '');
        peers.push(cn);
        json(res, 200, { client: cn });
      },
      { clientCa: TLS_FILES.clientCert },
    );
  });
  after(() => server.close());

  const url = () => `https://localhost:${server.port}/otcs/cs.exe/api`;
  const call = () => (helper.getNode('xecm1') as unknown as XecmConfigNode).client.request<{ client: string }>({ operation: 'who am I', method: 'GET', path: 'v1/auth', auth: false });

  it('presents the client certificate and key files of the tls-config node', async () => {
    const x = xecmConfig(url(), { tls: 'tls1' });
    await helper.load([tlsNode, xecmNode], [tlsConfig({ ca: TLS_FILES.ca, cert: TLS_FILES.clientCert, key: TLS_FILES.clientKey }), x.node], x.creds);
    (await call()).data.client.should.equal('node-red-contrib-opentext test client');
  });

  it('presents a PKCS#12 bundle with its passphrase (Node-RED 5 tls-config)', async () => {
    const x = xecmConfig(url(), { tls: 'tls1' });
    await helper.load([pfxTlsModule, xecmNode], [{ id: 'tls1', type: 'test-tls-pfx' }, x.node], x.creds);
    (await call()).data.client.should.equal('node-red-contrib-opentext test client');
  });

  it('fails with OT_NETWORK when the server demands a certificate and none is configured', async () => {
    const x = xecmConfig(url(), { tls: 'tls1', retries: 1 });
    await helper.load([tlsNode, xecmNode], [tlsConfig({ ca: TLS_FILES.ca }), x.node], x.creds);
    const before = peers.length;
    const e = await failure(call());
    e.code.should.equal('OT_NETWORK');
    peers.length.should.equal(before);
  });
});
