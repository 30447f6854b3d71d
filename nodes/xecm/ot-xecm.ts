/**
 * ot-xecm: an Extended ECM (Content Server REST) connection, used by the Platform and Records
 * Management nodes. Authenticates with a user name and password (Content Server ticket), or through
 * an ot-otds node (OTDS bearer token or OTDS ticket sent on every call).
 */
import { AuthProvider } from '../lib/http';
import { attachClient, registerTestEndpoint } from '../lib/connection';
import { register, type RED } from '../lib/nodered';
import { buildXecmClient, lazyOtds, XecmConfigNode, XecmDef } from './xecm-connection';

export = function (RED: RED) {
  function XecmNode(this: XecmConfigNode, def: XecmDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    this.baseUrl = def.baseUrl;
    attachClient(node, 'Extended ECM', (log) => buildXecmClient(RED, def, node.credentials || {}, undefined, log));
  }
  register(RED, 'ot-xecm', XecmNode, {
    credentials: { username: { type: 'text' }, password: { type: 'password' } },
  });
  registerTestEndpoint(RED, 'ot-xecm', (settings, creds) => {
    const def = settings as Partial<XecmDef>;
    let otds: AuthProvider | undefined;
    if (def.authMode && def.authMode !== 'password') otds = lazyOtds(RED, def.otds, def.authMode === 'otds-bearer' ? 'bearer' : 'otdsticket');
    const client = buildXecmClient(RED, def, creds, otds);
    return {
      close: () => client.close(),
      testConnection: async () => {
        const res = await client.request<{ data?: { name?: string } }>({ operation: 'test connection', method: 'GET', path: 'v1/auth' });
        return `connected as ${res.data?.data?.name ?? 'unknown user'}`;
      },
    };
  });
};
