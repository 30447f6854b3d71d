/** ot-fax-status: the normalised status of a Cloud Fax job (per destination, with reasons). */
import type { Node, NodeDef } from 'node-red';
import { register, onInput, evalProp, configNode, type RED, type Msg } from '../lib/nodered';
import { faxJobId, faxStatus } from '../lib/fax';
import type { MessagingConfigNode } from './messaging-connection';

interface Def extends NodeDef {
  server: string;
  jobId: string;
  jobIdType: string;
}

export = function (RED: RED) {
  function FaxStatusNode(this: Node, def: Def) {
    RED.nodes.createNode(this, def);
    const node = this;
    onInput(node, async (msg: Msg, send) => {
      const cfg = configNode<MessagingConfigNode>(RED, node, def.server, 'Cloud Messaging');
      let value = await evalProp(RED, node, msg, def.jobId || 'payload', def.jobIdType || 'msg');
      if ((value === undefined || value === null || value === '') && msg.faxJobId !== undefined) value = msg.faxJobId;
      const jobId = faxJobId(value);
      const s = await faxStatus(cfg.client, jobId);
      msg.faxJobId = jobId;
      msg.payload = s;
      send(msg);
      return RED._('ot-fax-status.status.' + (s.final ? (s.failed ? 'failed' : 'delivered') : 'pending'), { job: jobId });
    });
  }
  register(RED, 'ot-fax-status', FaxStatusNode);
};
