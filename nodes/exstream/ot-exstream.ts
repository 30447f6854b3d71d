/**
 * ot-exstream: an OpenText Exstream connection (cloud-native orchestration service, or the 16.x
 * service gateway), authenticated through an ot-otds node.
 */
import { attachClient, registerTestEndpoint } from '../lib/connection';
import { register, type RED } from '../lib/nodered';
import { buildExstreamClient, ExstreamConfigNode, ExstreamDef } from './exstream-connection';
import { orchestrationVersion } from '../lib/exstream';

export = function (RED: RED) {
  function ExstreamNode(this: ExstreamConfigNode, def: ExstreamDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    this.exstreamDomain = def.domain || '';
    this.family = def.family || 'orchestration';
    this.tenant = def.tenant || '';
    attachClient(node, 'Exstream', (log) => buildExstreamClient(RED, def, log));
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
