/**
 * ot-appworks: an OpenText AppWorks Gateway connection (gateway URL and trusted server key), used
 * by "send push" for AppWorks notifications.
 */
import { attachClient, registerTestEndpoint } from '../lib/connection';
import { register, type RED } from '../lib/nodered';
import { OtError } from '../lib/errors';
import { notificationsPath, SentMemory } from '../lib/appworks';
import { AppWorksConfigNode, AppWorksDef, buildAppWorksClient } from './appworks-connection';

export = function (RED: RED) {
  function AppWorksNode(this: AppWorksConfigNode, def: AppWorksDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    this.sent = new SentMemory();
    this.key = '';
    attachClient(node, 'AppWorks Gateway', (log) => {
      const built = buildAppWorksClient(RED, def, node.credentials || {}, log);
      node.key = built.key;
      if (!node.key) node.warn(RED._('ot-appworks.errors.noKey'));
      return built.client;
    });
  }
  register(RED, 'ot-appworks', AppWorksNode, { credentials: { key: { type: 'password' } } });
  registerTestEndpoint(RED, 'ot-appworks', (settings, creds) => {
    const { client, key } = buildAppWorksClient(RED, settings as Partial<AppWorksDef>, creds);
    return {
      close: () => client.close(),
      testConnection: async () => {
        if (!key) throw new OtError({ code: 'OT_INVALID_INPUT', message: 'the trusted server key is empty' });
        // The notifications API has no read-only call and any POST would notify someone, so this
        // only checks that the notifications endpoint is there: a POST-only resource answers GET
        // with 405 (or 401/403 before the method check). 404 means a wrong gateway URL.
        try {
          await client.request({ operation: 'test connection', method: 'GET', path: notificationsPath(client), maxAttempts: 1, auth: false });
        } catch (e) {
          if (e instanceof OtError && (e.statusCode === 405 || e.statusCode === 401 || e.statusCode === 403)) return 'gateway found (the key is checked on the first notification)';
          throw e;
        }
        return 'gateway found (the key is checked on the first notification)';
      },
    };
  });
};
