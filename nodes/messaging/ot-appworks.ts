/**
 * ot-appworks: an OpenText AppWorks Gateway connection (gateway URL and trusted server key), used
 * by "send push" for AppWorks notifications.
 */
import { HttpClient } from '../lib/http';
import { registerTestEndpoint } from '../lib/connection';
import { redact } from '../lib/redact';
import { register, type RED } from '../lib/nodered';
import { OtError } from '../lib/errors';
import { notificationsPath, SentMemory } from '../lib/appworks';
import { AppWorksConfigNode, AppWorksDef, buildAppWorksClient } from './appworks-connection';

export = function (RED: RED) {
  function AppWorksNode(this: AppWorksConfigNode, def: AppWorksDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    this.sent = new SentMemory();
    try {
      const built = buildAppWorksClient(RED, def, this.credentials || {}, (l, t) => (l === 'warn' ? node.warn(redact(t)) : node.debug(redact(t))));
      this.client = built.client;
      this.key = built.key;
      if (!this.key) node.warn(RED._('ot-appworks.errors.noKey'));
      if (this.client.insecure) node.warn('TLS certificate verification is turned off for this AppWorks Gateway connection');
    } catch (e) {
      node.error(redact((e as Error).message));
      const err = e;
      this.key = '';
      this.client = new Proxy({} as HttpClient, { get: () => { throw err; } });
    }
    this.on('close', () => {
      try {
        node.client.close();
      } catch {
        /* nothing to close */
      }
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
