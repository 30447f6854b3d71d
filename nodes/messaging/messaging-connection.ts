/** Settings, credentials and client construction of the ot-messaging config node. */
import type { Node, NodeDef } from 'node-red';
import { HttpClient } from '../lib/http';
import { basicAuth, OcpTokenAuth } from '../lib/auth';
import { connectionOptions, ConnectionDef } from '../lib/connection';
import { OtError } from '../lib/errors';
import type { RED } from '../lib/nodered';

export interface MessagingDef extends NodeDef, ConnectionDef {
  /** Cloud Messaging base URL ending in /mra/v1. */
  baseUrl: string;
  authMode?: 'basic' | 'ocp';
  /** OCP tenant token URL, e.g. https://us.api.opentext.com/tenants/<tenant>/oauth2/token */
  tokenUrl?: string;
}

export interface MessagingCredentials {
  username?: string;
  password?: string;
  clientId?: string;
  clientSecret?: string;
}

export interface MessagingConfigNode extends Node<MessagingCredentials> {
  client: HttpClient;
}

export function buildMessagingClient(RED: RED, def: Partial<MessagingDef>, creds: MessagingCredentials, log?: (l: 'debug' | 'warn', t: string) => void): HttpClient {
  const baseUrl = String(def.baseUrl || '').trim().replace(/\/+$/, '');
  if (!baseUrl) throw new OtError({ code: 'OT_INVALID_INPUT', message: 'Cloud Messaging: the base URL is empty' });
  const opts = connectionOptions(RED, def as ConnectionDef);
  const client = new HttpClient({ name: 'Cloud Messaging', baseUrl, ...opts, log });
  if ((def.authMode || 'basic') === 'basic') {
    client.options.auth = basicAuth(creds.username || '', creds.password || '');
  } else {
    const tokenUrl = String(def.tokenUrl || '').trim();
    if (!tokenUrl) throw new OtError({ code: 'OT_INVALID_INPUT', message: 'Cloud Messaging: the OCP token URL is empty' });
    let origin: string;
    try {
      origin = new URL(tokenUrl).origin;
    } catch {
      throw new OtError({ code: 'OT_INVALID_INPUT', message: `Cloud Messaging: the token URL "${tokenUrl}" is not a URL` });
    }
    const tokenClient = new HttpClient({ name: 'OCP token', baseUrl: origin, ...opts, log });
    client.options.auth = new OcpTokenAuth(tokenClient, tokenUrl, creds.clientId || '', creds.clientSecret || '');
  }
  return client;
}
