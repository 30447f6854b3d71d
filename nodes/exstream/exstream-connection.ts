/** Settings, credentials and client construction of the ot-exstream config node. */
import type { Node, NodeDef } from 'node-red';
import { AuthProvider, Headers, HttpClient } from '../lib/http';
import { connectionOptions, ConnectionDef } from '../lib/connection';
import { OtError } from '../lib/errors';
import type { RED } from '../lib/nodered';
import type { OtdsConfigNode } from '../otds/otds-connection';

/** orchestration: cloud-native Exstream (on-demand / batch inputs); sgw: Exstream 16.x service gateway. */
export type ExstreamFamily = 'orchestration' | 'sgw';

export interface ExstreamDef extends NodeDef, ConnectionDef {
  baseUrl: string;
  domain?: string;
  family?: ExstreamFamily;
  /** 16.x service gateway tenant (path segment before /sgw). */
  tenant?: string;
  otds?: string;
}

export interface ExstreamConfigNode extends Node {
  client: HttpClient;
  /** The default Exstream domain (not `domain`: a Node object carries Node.js' domain there). */
  exstreamDomain: string;
  family: ExstreamFamily;
  tenant: string;
}

/** Bearer token (orchestration) or OTDS ticket (16.x) from the selected OTDS node, looked up lazily. */
export function exstreamAuth(RED: RED, otdsId: string | undefined, family: ExstreamFamily): AuthProvider {
  let inner: AuthProvider | undefined;
  const get = () => {
    if (inner) return inner;
    const n = otdsId ? (RED.nodes.getNode(otdsId) as OtdsConfigNode | null) : null;
    if (!n || typeof n.auth !== 'function') throw new OtError({ code: 'OT_INVALID_INPUT', message: 'Exstream: select the OTDS connection that issues its tokens' });
    inner = family === 'sgw' ? n.auth().otdsTicket() : n.auth().bearer();
    return inner;
  };
  return { headers: () => get().headers(), invalidate: (sent: Headers) => get().invalidate(sent) };
}

export function buildExstreamClient(RED: RED, def: Partial<ExstreamDef>, log?: (l: 'debug' | 'warn', t: string) => void): HttpClient {
  const baseUrl = String(def.baseUrl || '').trim().replace(/\/+$/, '');
  if (!baseUrl) throw new OtError({ code: 'OT_INVALID_INPUT', message: 'Exstream: the base URL is empty' });
  return new HttpClient({ name: 'Exstream', baseUrl, ...connectionOptions(RED, def as ConnectionDef), auth: exstreamAuth(RED, def.otds, def.family || 'orchestration'), log });
}
