/**
 * ot-exstream: an OpenText Exstream connection (cloud-native orchestration service, or the 16.x
 * service gateway), authenticated through an ot-otds node.
 */
import { HttpClient } from '../lib/http';
import { registerTestEndpoint } from '../lib/connection';
import { redact } from '../lib/redact';
import { register, type RED } from '../lib/nodered';
import { buildExstreamClient, ExstreamConfigNode, ExstreamDef } from './exstream-connection';
import { orchestrationVersion } from '../lib/exstream';

export = function (RED: RED) {
  function ExstreamNode(this: ExstreamConfigNode, def: ExstreamDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    this.domain = def.domain || '';
    this.family = def.family || 'orchestration';
    this.tenant = def.tenant || '';
    try {
      this.client = buildExstreamClient(RED, def, (l, t) => (l === 'warn' ? node.warn(redact(t)) : node.debug(redact(t))));
      if (this.client.insecure) node.warn('TLS certificate verification is turned off for this Exstream connection');
    } catch (e) {
      node.error(redact((e as Error).message));
      const err = e;
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
  register(RED, 'ot-exstream', ExstreamNode);
  registerTestEndpoint(RED, 'ot-exstream', (settings) => {
    const def = settings as Partial<ExstreamDef>;
    const client = buildExstreamClient(RED, def);
    return {
      close: () => client.close(),
      testConnection: async () => {
        if ((def.family || 'orchestration') === 'sgw') {
          await client.options.auth!.headers();
          return 'OTDS ticket received for the service gateway';
        }
        // BackendServiceVersionInfo {apiIdentifier, major, minor, patch, versionString}
        const v = await orchestrationVersion(client);
        return `orchestration service ${v.versionString || [v.major, v.minor, v.patch].filter(Boolean).join('.') || 'answered'}`;
      },
    };
  });
};
