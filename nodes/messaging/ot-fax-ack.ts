/** ot-fax-ack: releases an inbound fax (msg.faxId from fax in) so it is not delivered again. */
import type { Node, NodeDef } from 'node-red';
import { register, onInput, evalProp, configNode, requireString, type RED, type Msg } from '../lib/nodered';
import { isOtError } from '../lib/errors';
import { releaseInboundFax } from '../lib/fax';
import type { MessagingConfigNode } from './messaging-connection';

interface Def extends NodeDef {
  server: string;
  faxId: string;
  faxIdType: string;
  ignoreMissing: boolean | string;
}

export = function (RED: RED) {
  function FaxAckNode(this: Node, def: Def) {
    RED.nodes.createNode(this, def);
    const node = this;
    const ignoreMissing = def.ignoreMissing === true || def.ignoreMissing === 'true';
    onInput(node, async (msg: Msg, send) => {
      const cfg = configNode<MessagingConfigNode>(RED, node, def.server, 'Cloud Messaging');
      const faxId = requireString(await evalProp(RED, node, msg, def.faxId || 'faxId', def.faxIdType || 'msg'), 'fax id');
      try {
        msg.faxAck = await releaseInboundFax(cfg.client, faxId);
      } catch (e) {
        if (!(ignoreMissing && isOtError(e) && e.code === 'OT_NOT_FOUND')) throw e;
        msg.faxAck = { id: faxId, released: false, reason: e.apiMessage || e.message };
        node.warn(RED._('ot-fax-ack.errors.missing', { id: faxId }));
        send(msg);
        return RED._('ot-fax-ack.status.missing', { id: faxId });
      }
      send(msg);
      return RED._('ot-fax-ack.status.released', { id: faxId });
    });
  }
  register(RED, 'ot-fax-ack', FaxAckNode);
};
