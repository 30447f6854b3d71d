/**
 * ot-fax-send: sends a fax through OpenText Cloud Fax. Optionally waits for the final status and
 * then sends delivered faxes to output 1 and failed ones to output 2.
 */
import type { Node, NodeDef } from 'node-red';
import { register, onInput, evalProp, configNode, objectInput, optionalNumber, requireString, status, type RED, type Msg } from '../lib/nodered';
import { OtError, invalidInput } from '../lib/errors';
import { render } from '../lib/template';
import { faxDocuments, faxDocumentType, parseDestinations, sendFax, waitForFaxFinal, type FaxDestination } from '../lib/fax';
import type { MessagingConfigNode } from './messaging-connection';

interface Def extends NodeDef {
  server: string;
  destinations: string;
  destinationsType: string;
  documents: string;
  documentsType: string;
  strings: 'path' | 'text';
  documentType: string;
  coversheet: string;
  coversheetType: string;
  coverFrom: string;
  coverFromType: string;
  coverSubject: string;
  billingCode: string;
  billingCodeType: string;
  customerReference: string;
  customerReferenceType: string;
  submitId: string;
  submitIdType: string;
  waitFinal: boolean | string;
  maxWait: number | string;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v);
const optText = (v: unknown, name: string): string | undefined => (v === undefined || v === null || v === '' ? undefined : requireString(v, name));

export = function (RED: RED) {
  function FaxSendNode(this: Node, def: Def) {
    RED.nodes.createNode(this, def);
    const node = this;
    const wait = def.waitFinal === true || def.waitFinal === 'true';
    // A flow saved with one output while waiting: every final status goes to that output.
    const split = wait && (def as Def & { wires?: unknown[] }).wires?.length !== 1;
    const aborter = new AbortController();
    node.on('close', () => aborter.abort());

    onInput(node, async (msg: Msg, send) => {
      const cfg = configNode<MessagingConfigNode>(RED, node, def.server, 'Cloud Messaging');

      // Destinations: the node's setting, else msg.destinations, else msg.payload.destinations.
      let destValue = await evalProp(RED, node, msg, def.destinations, def.destinationsType);
      if (destValue === undefined || destValue === null || destValue === '') destValue = msg.destinations ?? (isPlainObject(msg.payload) ? msg.payload.destinations : undefined);
      const destinations: FaxDestination[] = parseDestinations(destValue);
      if (!destinations.length) throw invalidInput(RED._('ot-fax-send.errors.noDestination'));

      // Documents: default msg.payload; a payload {documents: [...]} is read too.
      let docValue = await evalProp(RED, node, msg, def.documents || 'payload', def.documentsType || 'msg');
      if (isPlainObject(docValue) && Array.isArray(docValue.documents)) docValue = docValue.documents;
      const documents = await faxDocuments(docValue, {
        filename: typeof msg.filename === 'string' ? msg.filename : undefined,
        type: faxDocumentType(def.documentType) || faxDocumentType(msg.documentType),
        strings: def.strings === 'text' ? 'text' : 'path',
      });

      const template = optText(await evalProp(RED, node, msg, def.coversheet, def.coversheetType), 'cover sheet template');
      const submitId = requireString(await evalProp(RED, node, msg, def.submitId || '_msgid', def.submitIdType || 'msg'), 'submit id');
      const input = {
        destinations,
        documents,
        submitId,
        coversheet: template
          ? { name: template, from: optText(await evalProp(RED, node, msg, def.coverFrom, def.coverFromType), 'cover sheet sender'), subject: render(RED, node, def.coverSubject || '', msg) || undefined }
          : undefined,
        billingCode: optText(await evalProp(RED, node, msg, def.billingCode, def.billingCodeType), 'billing code'),
        customerReference: optText(await evalProp(RED, node, msg, def.customerReference, def.customerReferenceType), 'customer reference'),
        options: objectInput(msg.faxOptions, 'msg.faxOptions'),
      };

      const maxWait = wait ? (optionalNumber(def.maxWait, 'maximum wait', 1, 86400) ?? 600) : 0;
      const result = await sendFax(cfg.client, input);
      msg.faxJobId = result.job_id;
      msg.payload = result;
      if (!wait) {
        send(msg);
        return RED._('ot-fax-send.status.sent', { job: result.job_id });
      }

      status(node, 'busy', RED._('ot-fax-send.status.waiting', { job: result.job_id }), false);
      const { status: final, timedOut } = await waitForFaxFinal(cfg.client, result.job_id, { maxWaitMs: maxWait * 1000, signal: aborter.signal });
      msg.payload = { ...result, ...final };
      if (timedOut) {
        throw new OtError({ code: 'OT_TIMEOUT', message: RED._('ot-fax-send.errors.timeout', { job: result.job_id, seconds: maxWait, state: final.state }), details: { job_id: result.job_id, state: final.state } });
      }
      if (!split) {
        send(msg);
        return RED._('ot-fax-send.status.' + (final.failed === 0 ? 'delivered' : 'failed'), { job: result.job_id });
      }
      if (final.failed === 0) {
        send([msg, null]);
        return RED._('ot-fax-send.status.delivered', { job: result.job_id });
      }
      send([null, msg]);
      return RED._('ot-fax-send.status.failed', { job: result.job_id });
    });
  }
  register(RED, 'ot-fax-send', FaxSendNode);
};
