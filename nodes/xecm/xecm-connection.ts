/** Settings, credentials and client construction of the ot-xecm config node. */
import type { Node, NodeDef } from 'node-red';
import { AuthProvider, HttpClient, Headers } from '../lib/http';
import { CsTicketAuth, csViaOtds } from '../lib/auth';
import { connectionOptions, ConnectionDef } from '../lib/connection';
import { OtError } from '../lib/errors';
import type { RED } from '../lib/nodered';
import type { OtdsConfigNode } from '../otds/otds-connection';

export type XecmAuthMode = 'password' | 'otds-bearer' | 'otds-ticket';

export interface XecmDef extends NodeDef, ConnectionDef {
  baseUrl: string;
  authMode?: XecmAuthMode;
  otds?: string;
  domain?: string;
}

export interface XecmCredentials {
  username?: string;
  password?: string;
}

export interface XecmConfigNode extends Node<XecmCredentials> {
  /** The shared HTTP client of this connection (base URL = the REST base, ending in /api). */
  client: HttpClient;
  baseUrl: string;
}

/** Looks up the OTDS node lazily: config nodes are not created in a guaranteed order. */
export function lazyOtds(RED: RED, otdsId: string | undefined, mode: 'bearer' | 'otdsticket'): AuthProvider {
  let inner: AuthProvider | undefined;
  const get = () => {
    if (inner) return inner;
    const n = otdsId ? (RED.nodes.getNode(otdsId) as OtdsConfigNode | null) : null;
    if (!n || typeof n.auth !== 'function') throw new OtError({ code: 'OT_INVALID_INPUT', message: 'Extended ECM: this connection authenticates through OTDS, but no OTDS connection is selected' });
    inner = csViaOtds(n.auth(), mode);
    return inner;
  };
  return {
    headers: () => get().headers(),
    invalidate: (sent: Headers) => get().invalidate(sent),
  };
}

export function buildXecmClient(RED: RED, def: Partial<XecmDef>, creds: XecmCredentials, otdsAuth?: AuthProvider, log?: (l: 'debug' | 'warn', t: string) => void): HttpClient {
  const opts = connectionOptions(RED, def as ConnectionDef);
  const baseUrl = String(def.baseUrl || '').trim().replace(/\/+$/, '');
  if (!baseUrl) throw new OtError({ code: 'OT_INVALID_INPUT', message: 'Extended ECM: the REST base URL is empty' });
  const client = new HttpClient({ name: 'Extended ECM', baseUrl, ...opts, log });
  const mode = def.authMode || 'password';
  if (mode === 'password') {
    client.options.auth = new CsTicketAuth(client, creds.username || '', creds.password || '', def.domain || undefined);
  } else {
    client.options.auth = otdsAuth || lazyOtds(RED, def.otds, mode === 'otds-bearer' ? 'bearer' : 'otdsticket');
  }
  return client;
}

