/** Settings, credentials and client construction of the ot-otds config node. */
import type { Node, NodeDef } from 'node-red';
import { OtdsAuth, OtdsGrant } from '../lib/auth';
import { connectionOptions, ConnectionDef } from '../lib/connection';
import { HttpClient } from '../lib/http';
import type { RED } from '../lib/nodered';

export interface OtdsDef extends NodeDef, ConnectionDef {
  baseUrl: string;
  tenant?: string;
  tokenPath?: string;
  grant?: OtdsGrant;
  clientAuth?: 'form' | 'basic';
  scope?: string;
  subjectUser?: string;
}

export interface OtdsCredentials {
  clientId?: string;
  clientSecret?: string;
  username?: string;
  password?: string;
}

export interface OtdsConfigNode extends Node<OtdsCredentials> {
  /** The token/ticket cache of this OTDS connection (built on first use). */
  auth(): OtdsAuth;
}

export function buildOtds(RED: RED, def: Partial<OtdsDef>, creds: OtdsCredentials, log?: (l: 'debug' | 'warn', t: string) => void): OtdsAuth {
  const client = new HttpClient({ name: 'OTDS', baseUrl: String(def.baseUrl || '').trim(), ...connectionOptions(RED, def as ConnectionDef), log });
  return new OtdsAuth(client, {
    baseUrl: client.baseUrl,
    tenant: def.tenant || undefined,
    tokenPath: def.tokenPath || undefined,
    grant: (def.grant as OtdsGrant) || 'client_credentials',
    clientId: creds.clientId,
    clientSecret: creds.clientSecret,
    username: creds.username,
    password: creds.password,
    subjectUser: def.subjectUser || undefined,
    scope: def.scope || undefined,
    basicClientAuth: def.clientAuth === 'basic',
  });
}

