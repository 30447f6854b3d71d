/**
 * ot-exstream-generate ("generate document"): one Exstream generation per message. Modes:
 * on-demand generate (communication id + driver data source), a named on-demand input service, a
 * batch input service (answers the job id), or the Exstream 16.x service gateway. The driver data
 * comes from msg.payload (JSON object or string, XML string). The document(s) come back as Buffers.
 */
import type { Node, NodeDef } from 'node-red';
import type { Request, Response } from 'express';
import { register, onInput, evalProp, configNode, requireString, type RED, type Msg } from '../lib/nodered';
import { invalidInput, OtError } from '../lib/errors';
import { redact } from '../lib/redact';
import {
  driverData,
  generate,
  listCommunications,
  runOnDemandInput,
  sgwCommunication,
  submitBatch,
  type DriverFormat,
  type ExstreamDocument,
  type GenerateResult,
  type OutputMode,
} from '../lib/exstream';
import type { ExstreamConfigNode } from './exstream-connection';

type Mode = 'generate' | 'ondemand' | 'batch' | 'sgw';
const MODES: Mode[] = ['generate', 'ondemand', 'batch', 'sgw'];

interface Def extends NodeDef {
  server?: string;
  mode?: Mode;
  domain?: string;
  domainType?: string;
  communicationId?: string;
  communicationIdType?: string;
  /** Only for the label (set by the editor's communication picker). */
  communicationName?: string;
  driverDataSource?: string;
  driverDataSourceType?: string;
  inputService?: string;
  inputServiceType?: string;
  sgwName?: string;
  sgwNameType?: string;
  sgwVersion?: string;
  sgwVersionType?: string;
  driverData?: string;
  driverDataType?: string;
  dataFormat?: DriverFormat;
  output?: OutputMode;
  correlationId?: string;
  correlationIdType?: string;
}

/** The documents as the message carries them. */
interface MsgDocument {
  filename: string;
  contentType: string;
  size: number;
  queueName?: string;
  customerNumber?: string;
  content: Buffer;
}

function toMsgDocument(d: ExstreamDocument): MsgDocument {
  return { filename: d.filename, contentType: d.contentType, size: d.size, queueName: d.queueName, customerNumber: d.customerNumber, content: d.content };
}

function optionalText(v: unknown, name: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string' && typeof v !== 'number') throw invalidInput(`${name} must be text or a number, not ${Array.isArray(v) ? 'an array' : typeof v}`);
  const s = String(v).trim();
  return s || undefined;
}

export = function (RED: RED) {
  function ExstreamGenerateNode(this: Node, def: Def) {
    RED.nodes.createNode(this, def);
    const node = this;
    const mode: Mode = MODES.includes(def.mode as Mode) ? (def.mode as Mode) : 'generate';
    const output: OutputMode = def.output === 'pdf' || def.output === 'raw' ? def.output : 'documents';
    const format: DriverFormat = def.dataFormat === 'json' || def.dataFormat === 'xml' ? def.dataFormat : 'auto';

    onInput(node, async (msg: Msg, send) => {
      const cfg = configNode<ExstreamConfigNode>(RED, node, def.server, 'Exstream');
      if (mode === 'sgw' && cfg.family !== 'sgw') throw invalidInput('the 16.x service gateway mode needs an Exstream connection of the 16.x service gateway type');
      if (mode !== 'sgw' && cfg.family === 'sgw') throw invalidInput('this mode needs an Exstream connection of the orchestration (cloud-native) type; the selected one is a 16.x service gateway');
      const data = driverData(await evalProp(RED, node, msg, def.driverData ?? 'payload', def.driverDataType || 'msg'), format, 'the driver data');
      const correlationId = optionalText(await evalProp(RED, node, msg, def.correlationId ?? 'correlationId', def.correlationIdType || 'msg'), 'the correlation id');
      const domain = mode === 'sgw' ? '' : optionalText(await evalProp(RED, node, msg, def.domain, def.domainType), 'the domain') || cfg.exstreamDomain;
      if (mode !== 'sgw' && !domain) throw invalidInput('no domain: set one in this node or a default domain in the Exstream connection');

      let result: GenerateResult;
      const info: Record<string, unknown> = { mode, output };
      if (mode === 'generate') {
        const communicationId = requireString(await evalProp(RED, node, msg, def.communicationId, def.communicationIdType), 'the communication id');
        const driverDataSource = requireString(await evalProp(RED, node, msg, def.driverDataSource, def.driverDataSourceType), 'the driver data source');
        Object.assign(info, { domain, communicationId, driverDataSource });
        result = await generate(cfg.client, { domain, communicationId, driverDataSource, data, output, correlationId, name: def.communicationName || undefined });
      } else if (mode === 'ondemand' || mode === 'batch') {
        const inputService = requireString(await evalProp(RED, node, msg, def.inputService, def.inputServiceType), 'the input service name');
        Object.assign(info, { domain, inputService });
        if (mode === 'batch') {
          const { jobs, raw } = await submitBatch(cfg.client, { domain, inputService, data, correlationId });
          msg.payload = output === 'raw' ? raw : { jobId: jobs[0].jobId, id: jobs[0].id };
          msg.jobId = jobs[0].jobId;
          msg.exstream = { ...info, jobs };
          if (correlationId) msg.correlationId = correlationId;
          send(msg);
          return RED._('ot-exstream-generate.status.submitted');
        }
        result = await runOnDemandInput(cfg.client, { domain, inputService, data, output, correlationId });
      } else {
        const name = requireString(await evalProp(RED, node, msg, def.sgwName, def.sgwNameType), 'the communication name');
        const versionText = optionalText(await evalProp(RED, node, msg, def.sgwVersion, def.sgwVersionType), 'the communication version');
        if (versionText !== undefined && !/^\d+$/.test(versionText)) throw invalidInput('the communication version must be a whole number');
        const tenant = cfg.tenant;
        if (!tenant) throw invalidInput('the 16.x service gateway needs the tenant set in the Exstream connection');
        Object.assign(info, { tenant, name, version: versionText === undefined ? undefined : Number(versionText) });
        result = await sgwCommunication(cfg.client, { tenant, name, version: versionText === undefined ? undefined : Number(versionText), data, output: output === 'raw' ? 'raw' : 'documents', correlationId });
      }

      if (correlationId) msg.correlationId = correlationId;
      if (output === 'raw') {
        msg.payload = result.raw;
        msg.exstream = info;
        send(msg);
        return RED._('ot-exstream-generate.status.answered');
      }
      if (result.documentId && !result.documents.length) {
        msg.payload = { documentId: result.documentId };
        msg.exstream = { ...info, documentId: result.documentId };
        send(msg);
        return RED._('ot-exstream-generate.status.answered');
      }
      if (!result.documents.length) throw new OtError({ code: 'OT_API', message: 'Exstream answered without a document' });
      const documents = result.documents.map(toMsgDocument);
      msg.documents = documents;
      if (documents.length === 1) {
        msg.payload = documents[0].content;
        msg.filename = documents[0].filename;
        msg.contentType = documents[0].contentType;
      } else {
        msg.payload = documents;
        delete msg.filename;
        delete msg.contentType;
      }
      msg.exstream = { ...info, count: documents.length, customerNumbers: [...new Set(documents.map((d) => d.customerNumber).filter(Boolean))] };
      send(msg);
      return RED._('ot-exstream-generate.status.generated', { count: documents.length });
    });
  }
  register(RED, 'ot-exstream-generate', ExstreamGenerateNode);

  // Editor: the approved communications of a domain with their driver names, through a deployed
  // ot-exstream connection (the design service of the orchestration family).
  RED.httpAdmin.get('/opentext/ot-exstream-generate/communications', RED.auth.needsPermission('ot-exstream-generate.read'), async (req: Request, res: Response) => {
    const id = typeof req.query.server === 'string' ? req.query.server : '';
    const cfg = id ? (RED.nodes.getNode(id) as ExstreamConfigNode | null) : null;
    if (!cfg) {
      res.status(404).json({ ok: false, code: 'OT_INVALID_INPUT', message: RED._('ot-exstream-generate.errors.notDeployed') });
      return;
    }
    if (cfg.family === 'sgw') {
      res.status(400).json({ ok: false, code: 'OT_INVALID_INPUT', message: RED._('ot-exstream-generate.errors.noDesign') });
      return;
    }
    const domain = (typeof req.query.domain === 'string' && req.query.domain.trim()) || cfg.exstreamDomain;
    try {
      const list = await listCommunications(cfg.client, domain);
      res.json({ ok: true, domain, communications: list });
    } catch (e) {
      const err = e instanceof OtError ? e : new OtError({ code: 'OT_API', message: (e as Error)?.message || String(e) });
      res.status(502).json({ ok: false, code: err.code, message: redact(err.message) });
    }
  });
};
