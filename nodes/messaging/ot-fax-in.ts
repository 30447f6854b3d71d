/**
 * ot-fax-in: takes inbound faxes from the Cloud Fax queue, every N seconds and on input ("poll
 * now"). Each fax stays held by the service until ot-fax-ack releases it; one that is not released
 * within its hold comes back and is emitted again with msg.redelivery = true (at least once).
 */
import type { Node, NodeDef } from 'node-red';
import { register, configNode, optionalNumber, type RED, type Msg } from '../lib/nodered';
import { SeenStore, startPoller } from '../lib/watch';
import { invalidInput } from '../lib/errors';
import { onInboundFaxReleased, pollInboundFaxes } from '../lib/fax';
import type { MessagingConfigNode } from './messaging-connection';

interface Def extends NodeDef {
  server: string;
  interval: number | string;
  holdSec: number | string;
  maxPerPoll: number | string;
  groupNo: string;
  customer: boolean | string;
  domain: string;
}

export = function (RED: RED) {
  function FaxInNode(this: Node, def: Def) {
    RED.nodes.createNode(this, def);
    const node = this;
    let settingsError: Error | undefined;
    const read = (v: unknown, name: string, min: number, max: number, dflt: number) => {
      try {
        return optionalNumber(v, name, min, max) ?? dflt;
      } catch (e) {
        settingsError ||= e as Error;
        return dflt;
      }
    };
    const intervalSec = read(def.interval, RED._('ot-fax-in.label.interval'), 0, 86400, 60);
    const holdSec = Math.round(read(def.holdSec, RED._('ot-fax-in.label.holdSec'), 5, 3600, 900));
    const maxPerPoll = Math.round(read(def.maxPerPoll, RED._('ot-fax-in.label.maxPerPoll'), 1, 100, 10));
    const store = new SeenStore(node, { key: 'otFaxIn' });
    const unsubscribe = onInboundFaxReleased((id) => {
      if (!store.has(id)) return;
      store.forget(id);
      store.save().catch((e) => node.warn(String((e as Error).message)));
    });
    node.on('close', unsubscribe);

    startPoller(node, {
      intervalSec,
      busyText: RED._('ot-fax-in.status.polling'),
      resultText: (n) => RED._('ot-fax-in.status.received', { count: n }),
      poll: async (send) => {
        if (settingsError) throw invalidInput(settingsError.message);
        const cfg = configNode<MessagingConfigNode>(RED, node, def.server, 'Cloud Messaging');
        const r = await pollInboundFaxes(
          cfg.client,
          store,
          { holdSec, maxPerPoll, groupNo: def.groupNo || undefined, customer: def.customer === true || def.customer === 'true', domain: def.domain || undefined },
          ({ fax, redelivery, attempt, heldUntil }) => {
            const msg: Record<string, unknown> = {
              topic: fax.receivingFax || '',
              payload: fax.document.data,
              filename: fax.document.name,
              faxId: fax.id,
              redelivery,
              fax: {
                id: fax.id,
                jobId: fax.jobId,
                senderFax: fax.senderFax,
                senderCsid: fax.senderCsid,
                receivingFax: fax.receivingFax,
                pages: fax.pages,
                receivedTime: fax.receivedTime,
                domain: fax.domain,
                documentName: fax.document.name,
                documentType: fax.document.type,
                size: fax.document.size,
                metadata: fax.metadata || {},
                attempt,
                holdSec,
                heldUntil: new Date(heldUntil).toISOString(),
              },
            };
            send(msg as Msg);
          },
        );
        return r.emitted;
      },
    });
    if (settingsError) node.error(settingsError.message);
  }
  register(RED, 'ot-fax-in', FaxInNode);
};
