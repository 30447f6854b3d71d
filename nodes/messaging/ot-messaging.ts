/**
 * ot-messaging: an OpenText Cloud Messaging connection (Cloud Fax and Push Notifications), with
 * HTTP Basic (messaging account) or an OCP tenant client-credentials token.
 */
import { attachClient, registerTestEndpoint } from '../lib/connection';
import { register, type RED } from '../lib/nodered';
import { OtError } from '../lib/errors';
import { buildMessagingClient, MessagingConfigNode, MessagingDef } from './messaging-connection';

export = function (RED: RED) {
  function MessagingNode(this: MessagingConfigNode, def: MessagingDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    attachClient(node, 'Cloud Messaging', (log) => buildMessagingClient(RED, def, node.credentials || {}, log));
  }
  register(RED, 'ot-messaging', MessagingNode, {
    credentials: { username: { type: 'text' }, password: { type: 'password' }, clientId: { type: 'text' }, clientSecret: { type: 'password' } },
  });
  registerTestEndpoint(RED, 'ot-messaging', (settings, creds) => {
    const client = buildMessagingClient(RED, settings as Partial<MessagingDef>, creds);
    return {
      close: () => client.close(),
      testConnection: async () => {
        // A status query for a job that does not exist: 401 means bad credentials, 404/400 means we are in.
        try {
          await client.request({ operation: 'test connection', method: 'GET', path: 'outbound/faxes/status', query: { job_id: 'connection-test' }, maxAttempts: 1 });
        } catch (e) {
          if (e instanceof OtError && (e.code === 'OT_NOT_FOUND' || e.code === 'OT_INVALID_INPUT')) return 'credentials accepted';
          throw e;
        }
        return 'credentials accepted';
      },
    };
  });
};
