/**
 * The "Test connection" admin endpoints (POST /opentext/<type>/test) of the four config nodes, as
 * the edit dialog calls them: the dialog's settings and credentials, "__PWRD__" for a stored
 * password, ${ENV_VAR} credentials. (Permission checks need a real admin API: admin-auth.spec.ts.)
 */
import 'should';
import { useSandbox } from '../support/sandbox';
import { useNodeRed, xecmConfig, FlowNode } from '../support/nr';
import { cs } from '../../sandbox/areas/cs-core';
import { otds } from '../../sandbox/areas/otds';

const xecmNode = require('../../nodes/xecm/ot-xecm');
const otdsNode = require('../../nodes/otds/ot-otds');
const exstreamNode = require('../../nodes/exstream/ot-exstream');
const messagingNode = require('../../nodes/messaging/ot-messaging');
const ALL = [otdsNode, xecmNode, exstreamNode, messagingNode];

interface Answer {
  ok: boolean;
  code?: string;
  message: string;
}

describe('config: Test connection endpoints', () => {
  const h = useSandbox();
  const helper = useNodeRed();
  afterEach(() => {
    delete process.env.OT_TEST_DIALOG_PASS;
  });

  async function test(type: string, body: Record<string, unknown>): Promise<Answer> {
    const res = await helper.request().post(`/opentext/${type}/test`).send(body).expect(200).expect('content-type', /json/);
    return res.body as Answer;
  }
  const deployed: FlowNode[] = [];
  async function deploy(flow: FlowNode[] = [], creds: Record<string, Record<string, string>> = {}) {
    deployed.splice(0, deployed.length, ...flow);
    await helper.load(ALL, flow, creds);
  }

  describe('ot-xecm', () => {
    const settings = () => ({ baseUrl: h.csUrl, authMode: 'password', timeout: '5', retries: '1' });

    it('answers ok with the user it connected as', async () => {
      await deploy();
      (await test('ot-xecm', { settings: settings(), credentials: { username: 'Admin', password: 'sandbox-admin' } })).should.eql({ ok: true, message: 'connected as Admin' });
      cs(h.sb.app).logins.should.equal(1);
    });

    it('answers the clear error for a wrong password, without the password', async () => {
      await deploy();
      const a = await test('ot-xecm', { settings: settings(), credentials: { username: 'Admin', password: 'wrong-dialog-pw-19' } });
      a.ok.should.be.false();
      a.code!.should.equal('OT_AUTH');
      a.message.should.match(/Content Server login failed: HTTP 401 – Invalid username\/password specified\./);
      JSON.stringify(a).should.not.match(/wrong-dialog-pw-19/);
    });

    it('answers a network error for a server that is not there', async () => {
      await deploy();
      const a = await test('ot-xecm', { settings: { ...settings(), baseUrl: 'http://127.0.0.1:9/otcs/cs.exe/api' }, credentials: { username: 'Admin', password: 'x-123456' } });
      a.ok.should.be.false();
      a.code!.should.equal('OT_NETWORK');
      a.message.should.match(/ECONNREFUSED/);
    });

    it('answers OT_INVALID_INPUT for an empty base URL or a request without settings', async () => {
      await deploy();
      const a = await test('ot-xecm', {});
      a.should.eql({ ok: false, code: 'OT_INVALID_INPUT', message: 'Extended ECM: the REST base URL is empty' });
    });

    it('uses the stored password of the deployed node when the dialog sends "__PWRD__"', async () => {
      const x = xecmConfig(h.csUrl);
      await deploy([x.node], { xecm1: { username: 'Admin', password: 'sandbox-admin' } });
      (await test('ot-xecm', { id: 'xecm1', settings: settings(), credentials: { username: 'Admin', password: '__PWRD__' } })).ok.should.be.true();
      // a password typed in the dialog wins over the stored one
      (await test('ot-xecm', { id: 'xecm1', settings: settings(), credentials: { username: 'Admin', password: 'typed-wrong-pw' } })).code!.should.equal('OT_AUTH');
      // the stored user name is used when the dialog leaves it out
      (await test('ot-xecm', { id: 'xecm1', settings: settings(), credentials: { password: '__PWRD__' } })).message.should.equal('connected as Admin');
    });

    it('never uses the stored secrets of a node of another type', async () => {
      await deploy([{ id: 'otds1', type: 'ot-otds', baseUrl: h.url }], { otds1: { username: 'Admin', password: 'sandbox-admin' } });
      const a = await test('ot-xecm', { id: 'otds1', settings: settings(), credentials: { username: 'Admin', password: '__PWRD__' } });
      a.ok.should.be.false();
      a.code!.should.equal('OT_INVALID_INPUT');
      a.message.should.match(/user name and password are needed/);
      cs(h.sb.app).logins.should.equal(0);
    });

    it('resolves ${ENV_VAR} credentials typed in the dialog', async () => {
      process.env.OT_TEST_DIALOG_PASS = 'sandbox-admin';
      await deploy();
      (await test('ot-xecm', { settings: settings(), credentials: { username: 'Admin', password: '${OT_TEST_DIALOG_PASS}' } })).should.eql({ ok: true, message: 'connected as Admin' });
      delete process.env.OT_TEST_DIALOG_PASS;
      const a = await test('ot-xecm', { settings: settings(), credentials: { username: 'Admin', password: '${OT_TEST_DIALOG_PASS}' } });
      a.ok.should.be.false();
      a.code!.should.equal('OT_INVALID_INPUT');
    });

    it('tests an OTDS-authenticated connection through the deployed OTDS node', async () => {
      await deploy([{ id: 'otds1', type: 'ot-otds', baseUrl: h.url, grant: 'client_credentials' }], { otds1: { clientId: 'node-red', clientSecret: 'sandbox-client-secret' } });
      (await test('ot-xecm', { settings: { baseUrl: h.csUrl, authMode: 'otds-bearer', otds: 'otds1' }, credentials: {} })).should.eql({ ok: true, message: 'connected as Admin' });
      const a = await test('ot-xecm', { settings: { baseUrl: h.csUrl, authMode: 'otds-bearer', otds: 'nope' }, credentials: {} });
      a.code!.should.equal('OT_INVALID_INPUT');
      a.message.should.match(/no OTDS connection is selected/);
    });
  });

  describe('ot-otds', () => {
    it('answers ok for an OAuth client, and the OAuth error for a wrong secret', async () => {
      await deploy();
      (await test('ot-otds', { settings: { baseUrl: h.url, grant: 'client_credentials' }, credentials: { clientId: 'node-red', clientSecret: 'sandbox-client-secret' } })).should.eql({ ok: true, message: 'OAuth token received (client_credentials)' });
      const a = await test('ot-otds', { settings: { baseUrl: h.url, grant: 'client_credentials' }, credentials: { clientId: 'node-red', clientSecret: 'wrong-client-secret-3' } });
      a.ok.should.be.false();
      a.code!.should.equal('OT_AUTH');
      a.message.should.match(/invalid_client|Client authentication failed/);
      JSON.stringify(a).should.not.match(/wrong-client-secret-3/);
    });

    it('gets an OTDS ticket when only a user is given, with the stored password', async () => {
      await deploy([{ id: 'otds1', type: 'ot-otds', baseUrl: h.url }], { otds1: { username: 'admin', password: 'sandbox-admin' } });
      (await test('ot-otds', { id: 'otds1', settings: { baseUrl: h.url }, credentials: { clientId: '', clientSecret: '', username: 'admin', password: '__PWRD__' } })).should.eql({ ok: true, message: 'OTDS ticket received' });
      otds(h.sb.app).ticketRequests.should.equal(1);
    });
  });

  describe('ot-exstream', () => {
    const flow: FlowNode[] = [{ id: 'otds1', type: 'ot-otds', baseUrl: 'BASE', grant: 'client_credentials' }];
    const creds = { otds1: { clientId: 'exstream-service', clientSecret: 'sandbox-exstream-secret', username: 'exstream', password: 'sandbox-exstream' } };

    it('answers ok for the orchestration service (version) and the service gateway (OTDS ticket)', async () => {
      await deploy([{ ...flow[0], baseUrl: h.url }], creds);
      const a = await test('ot-exstream', { settings: { baseUrl: h.url, family: 'orchestration', otds: 'otds1' } });
      a.ok.should.be.true();
      a.message.should.match(/^orchestration service /);
      (await test('ot-exstream', { settings: { baseUrl: h.url, family: 'sgw', tenant: 'sandbox-tenant', otds: 'otds1' } })).should.eql({ ok: true, message: 'OTDS ticket received for the service gateway' });
    });

    it('says which OTDS connection is missing', async () => {
      await deploy();
      const a = await test('ot-exstream', { settings: { baseUrl: h.url, family: 'orchestration', otds: '' } });
      a.should.eql({ ok: false, code: 'OT_INVALID_INPUT', message: 'Exstream: select the OTDS connection that issues its tokens' });
    });
  });

  describe('ot-messaging', () => {
    it('answers ok for a messaging account and the 401 for a wrong password', async () => {
      await deploy();
      const settings = { baseUrl: `${h.url}/mra/v1`, authMode: 'basic' };
      (await test('ot-messaging', { settings, credentials: { username: 'sandbox-fax', password: 'sandbox-messaging' } })).should.eql({ ok: true, message: 'credentials accepted' });
      const a = await test('ot-messaging', { settings, credentials: { username: 'sandbox-fax', password: 'wrong-fax-pass-4' } });
      a.ok.should.be.false();
      a.code!.should.equal('OT_AUTH');
      JSON.stringify(a).should.not.match(/wrong-fax-pass-4/);
    });

    it('answers ok for an OCP tenant client', async () => {
      await deploy();
      const settings = { baseUrl: `${h.url}/mra/v1`, authMode: 'ocp', tokenUrl: `${h.url}/tenants/sandbox/oauth2/token` };
      (await test('ot-messaging', { settings, credentials: { clientId: 'messaging-tenant', clientSecret: 'sandbox-messaging-secret' } })).ok.should.be.true();
      otds(h.sb.app).tokenRequests.should.equal(1);
    });
  });
});
