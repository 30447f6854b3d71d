/**
 * ot-otds: an OpenText Directory Services connection. Holds the OAuth client and/or user
 * credentials and caches tokens and tickets for every node that uses it (single-flight).
 */
import { OtdsAuth } from '../lib/auth';
import { connectionOptions, registerTestEndpoint } from '../lib/connection';
import { redact } from '../lib/redact';
import { register, type RED } from '../lib/nodered';
import { buildOtds, OtdsConfigNode, OtdsDef } from './otds-connection';

export = function (RED: RED) {
  function OtdsNode(this: OtdsConfigNode, def: OtdsDef) {
    RED.nodes.createNode(this, def);
    let auth: OtdsAuth | undefined;
    const node = this;
    this.auth = () => {
      if (!auth) auth = buildOtds(RED, def, node.credentials || {}, (l, t) => (l === 'warn' ? node.warn(redact(t)) : node.debug(redact(t))));
      return auth;
    };
    // The client is built on first use; say now when TLS verification is off (as the other connections do).
    if (/^https:/i.test(String(def.baseUrl || '').trim()) && connectionOptions(RED, def).tls?.rejectUnauthorized === false) {
      node.warn('TLS certificate verification is turned off for this OTDS connection');
    }
    this.on('close', () => auth?.client.close());
  }
  register(RED, 'ot-otds', OtdsNode, {
    credentials: {
      clientId: { type: 'text' },
      clientSecret: { type: 'password' },
      username: { type: 'text' },
      password: { type: 'password' },
    },
  });
  registerTestEndpoint(RED, 'ot-otds', (settings, creds) => {
    const auth = buildOtds(RED, settings as Partial<OtdsDef>, creds);
    return {
      close: () => auth.client.close(),
      testConnection: async () => {
        const grant = (settings.grant as string) || 'client_credentials';
        if (settings.testTicket === true || (!creds.clientId && creds.username)) {
          await auth.ticket.get();
          return 'OTDS ticket received';
        }
        await auth.token.get();
        return `OAuth token received (${grant})`;
      },
    };
  });
};
