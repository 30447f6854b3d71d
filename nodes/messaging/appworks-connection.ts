/** Settings, credentials and client construction of the ot-appworks config node. */
import type { Node, NodeDef } from 'node-red';
import { HttpClient } from '../lib/http';
import { connectionOptions, ConnectionDef } from '../lib/connection';
import { OtError } from '../lib/errors';
import { registerSecret } from '../lib/redact';
import { SentMemory, type AppWorksSendResult } from '../lib/appworks';
import type { RED } from '../lib/nodered';

export interface AppWorksDef extends NodeDef, ConnectionDef {
  /** The gateway's base URL, e.g. https://appworks.example.com (the /gateway/v2/... part is added). */
  gatewayUrl: string;
}

export interface AppWorksCredentials {
  /** The trusted server key generated on the gateway's Trusted Servers tab. */
  key?: string;
}

export interface AppWorksConfigNode extends Node<AppWorksCredentials> {
  client: HttpClient;
  /** The trusted server key (a secret: never put it on a message, status or log line). */
  key: string;
  /** Recently sent notifications by idempotency key (the gateway has no submit id). */
  sent: SentMemory<AppWorksSendResult>;
}

export function buildAppWorksClient(RED: RED, def: Partial<AppWorksDef>, creds: AppWorksCredentials, log?: (l: 'debug' | 'warn', t: string) => void): { client: HttpClient; key: string } {
  const baseUrl = String(def.gatewayUrl || '').trim().replace(/\/+$/, '');
  if (!baseUrl) throw new OtError({ code: 'OT_INVALID_INPUT', message: 'AppWorks Gateway: the gateway URL is empty' });
  const key = String(creds.key || '').trim();
  registerSecret(key);
  const opts = connectionOptions(RED, def as ConnectionDef);
  const client = new HttpClient({ name: 'AppWorks Gateway', baseUrl, ...opts, log });
  return { client, key };
}
