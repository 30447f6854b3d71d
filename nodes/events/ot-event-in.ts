/**
 * ot-event-in ("OpenText event in"): an HTTP endpoint under Node-RED's httpNode for OpenText
 * callbacks (fax status, inbound fax notice, push engagement, Exstream delivery exceptions, custom).
 * Verifies the shared secret, answers at once, drops repeats within a window, and emits one
 * normalised event per callback.
 */
import type { Node, NodeDef } from 'node-red';
import type { Request, Response, RequestHandler } from 'express';
import { register, status, type RED, type Msg } from '../lib/nodered';
import { RecentIds } from '../lib/watch';
import { classifyEvent, dedupeKey, EVENT_TYPES, readRawBody, verifyCallback, type OtEventType, type VerifyMode } from '../lib/events';
import { registerSecret } from '../lib/redact';
import { isOtError } from '../lib/errors';

interface Def extends NodeDef {
  url?: string;
  verify?: VerifyMode;
  tokenHeader?: string;
  signatureHeader?: string;
  /** Comma list of event types to emit; empty = all. */
  types?: string;
  /** Seconds within which a repeated event id is dropped; 0 = keep repeats. */
  dedupe?: string | number;
}

interface Creds {
  secret?: string;
}

interface Layer {
  route?: { path?: string; methods?: Record<string, boolean>; stack?: Array<{ handle?: unknown }> };
}

const MAX_BODY = 1024 * 1024;

export = function (RED: RED) {
  function EventInNode(this: Node<Creds>, def: Def) {
    RED.nodes.createNode(this, def);
    const node = this;
    const secret = String(node.credentials?.secret || '');
    registerSecret(secret);
    const mode: VerifyMode = (['either', 'token', 'hmac', 'none'] as const).includes(def.verify as VerifyMode) ? (def.verify as VerifyMode) : 'either';
    const verify = { mode, secret, tokenHeader: (def.tokenHeader || 'X-OT-Token').trim(), signatureHeader: (def.signatureHeader || 'X-OT-Signature').trim() };
    const filter = new Set(
      String(def.types || '')
        .split(',')
        .map((s) => s.trim())
        .filter((s): s is OtEventType => (EVENT_TYPES as string[]).includes(s)),
    );
    const windowSec = def.dedupe === '' || def.dedupe === undefined ? 600 : Math.max(0, Number(def.dedupe) || 0);
    const recent = new RecentIds(windowSec * 1000);
    let url = String(def.url || '').trim();
    if (url && !url.startsWith('/')) url = '/' + url;

    if (!url) {
      node.error(RED._('ot-event-in.errors.noUrl'));
      status(node, 'error', RED._('ot-event-in.status.noUrl'), false);
      return;
    }
    if (!RED.httpNode || typeof (RED.httpNode as unknown as { post?: unknown }).post !== 'function') {
      node.error(RED._('ot-event-in.errors.noHttp'));
      status(node, 'error', RED._('ot-event-in.status.noHttp'), false);
      return;
    }
    if (mode !== 'none' && !secret) {
      node.error(RED._('ot-event-in.errors.noSecret'));
      status(node, 'error', RED._('ot-event-in.status.noSecret'), false);
    } else if (mode === 'none') {
      status(node, 'warn', RED._('ot-event-in.status.open'), false);
    } else {
      status(node, 'idle', url, false);
    }

    const handler: RequestHandler = (req: Request, res: Response) => {
      void (async () => {
        let raw: Buffer;
        try {
          raw = await readRawBody(req as unknown as Parameters<typeof readRawBody>[0], MAX_BODY);
        } catch (e) {
          const code = isOtError(e) && e.statusCode === 413 ? 413 : 400;
          if (!res.headersSent) res.status(code).json({ error: code === 413 ? 'request body too large' : 'could not read the request body' });
          return;
        }
        const check = verifyCallback(verify, req.headers, raw);
        if (!check.ok) {
          res.status(401).json({ error: 'invalid or missing credentials' });
          status(node, 'warn', RED._('ot-event-in.status.rejected', { reason: check.reason }));
          return;
        }
        let body: unknown;
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          res.status(400).json({ error: 'the body must be JSON' });
          status(node, 'warn', RED._('ot-event-in.status.badJson'));
          return;
        }
        if (!body || typeof body !== 'object') {
          res.status(400).json({ error: 'the body must be a JSON object or array' });
          status(node, 'warn', RED._('ot-event-in.status.badJson'));
          return;
        }
        const ev = classifyEvent(body);
        if (filter.size && !filter.has(ev.type)) {
          // Accepted (so the sender does not retry) but not for this node.
          res.status(200).json({ received: true, ignored: true });
          return;
        }
        const duplicate = windowSec > 0 && recent.seenBefore(dedupeKey(ev, raw));
        // Answer first: the sender must not wait for (or be failed by) downstream processing.
        res.status(200).json({ received: true, duplicate });
        if (duplicate) {
          status(node, 'idle', RED._('ot-event-in.status.duplicate', { type: ev.type }));
          return;
        }
        const msg = { topic: ev.type, payload: { type: ev.type, correlationId: ev.correlationId, eventId: ev.eventId, receivedAt: new Date().toISOString(), payload: ev.payload } } as unknown as Msg;
        status(node, 'ok', ev.type);
        node.send(msg);
      })().catch((e) => {
        if (!res.headersSent) res.status(500).json({ error: 'internal error' });
        node.error(e instanceof Error ? e.message : String(e));
      });
    };

    const middleware = RED.settings.httpNodeMiddleware as unknown;
    const chain: RequestHandler[] = [];
    if (typeof middleware === 'function') chain.push(middleware as RequestHandler);
    else if (Array.isArray(middleware)) chain.push(...(middleware as RequestHandler[]));
    const app = RED.httpNode as unknown as { post: (path: string, ...h: RequestHandler[]) => void; _router?: { stack: Layer[] }; router?: { stack: Layer[] } };
    app.post(url, ...chain, handler);

    node.on('close', (_removed: boolean, done: () => void) => {
      // Remove exactly this node's route (Express 4 keeps it in _router, Express 5 in router).
      const stack = (app._router || app.router)?.stack;
      if (stack) {
        for (let i = stack.length - 1; i >= 0; i--) {
          const r = stack[i].route;
          if (r && r.path === url && r.methods?.post && r.stack?.some((l) => l.handle === handler)) stack.splice(i, 1);
        }
      }
      status(node, 'clear');
      done();
    });
  }
  register(RED, 'ot-event-in', EventInNode, { credentials: { secret: { type: 'password' } } });
};
