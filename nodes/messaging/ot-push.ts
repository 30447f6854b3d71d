/**
 * ot-push ("send push"): one push notification per message, through Cloud Messaging
 * (`utils/parser` request file) or an AppWorks Gateway. Recipients, mustache title and body, data,
 * deep link, action buttons, priority and time to live; or a raw request file from msg.payload.
 */
import crypto from 'crypto';
import type { Node, NodeDef } from 'node-red';
import { register, onInput, evalProp, configNode, objectInput, optionalNumber, toOtError, type RED, type Msg } from '../lib/nodered';
import { render } from '../lib/template';
import { invalidInput } from '../lib/errors';
import {
  buildPushRequestFile,
  MAX_TTL,
  parseActions,
  parseRecipients,
  pushStatus,
  recipientLabels,
  recipientResults,
  recipientsOfFile,
  requestFileInput,
  submitPushRequest,
  type PushRecipients,
  type PushStatus,
} from '../lib/push';
import { buildAppWorksMessage, sendAppWorksNotification } from '../lib/appworks';
import type { MessagingConfigNode } from './messaging-connection';
import type { AppWorksConfigNode } from './appworks-connection';

interface Def extends NodeDef {
  backend?: 'messaging' | 'appworks';
  messaging?: string;
  appworks?: string;
  mode?: 'compose' | 'raw';
  recipients?: string;
  recipientsType?: string;
  title?: string;
  body?: string;
  data?: string;
  dataType?: string;
  deepLink?: string;
  actions?: string;
  actionsType?: string;
  priority?: string;
  ttl?: string | number;
  reference?: string;
  submitId?: string;
  submitIdType?: string;
  domain?: string;
  filename?: string;
  awType?: string;
  displayType?: string;
  confirm?: boolean | string;
  /** [GUESS] status path relative to the /mra/v1 base (default utils/parser/status). */
  statusPath?: string;
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

export = function (RED: RED) {
  function PushNode(this: Node, def: Def) {
    RED.nodes.createNode(this, def);
    const node = this;
    const backend = def.backend === 'appworks' ? 'appworks' : 'messaging';
    const raw = def.mode === 'raw';
    const confirm = def.confirm === true || def.confirm === 'true';

    onInput(node, async (msg: Msg, send) => {
      const tpl = (t: string | undefined) => render(RED, node, t || '', msg).trim();
      // Idempotency: msg._msgid by default. Split and clone copies keep the _msgid, so with the
      // default a hash of the content is added (a repeat of the same push stays one push).
      const keyValue = await evalProp(RED, node, msg, def.submitId ?? '_msgid', def.submitIdType || 'msg');
      if (keyValue !== undefined && keyValue !== null && keyValue !== '' && typeof keyValue !== 'string' && typeof keyValue !== 'number') {
        throw invalidInput('the idempotency key must be text or a number');
      }
      const key = keyValue === undefined || keyValue === null || keyValue === '' ? undefined : String(keyValue);
      const hashed = (content: unknown) => {
        if (!key) return undefined;
        const defaultKey = (def.submitIdType || 'msg') === 'msg' && (def.submitId ?? '_msgid') === '_msgid';
        if (!defaultKey) return key;
        return `${key}-${crypto.createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, 16)}`;
      };

      const recipientsValue = await evalProp(RED, node, msg, def.recipients ?? 'recipients', def.recipientsType || 'msg');
      const recipients: PushRecipients | undefined = raw && (recipientsValue === undefined || recipientsValue === null || recipientsValue === '') ? undefined : parseRecipients(recipientsValue);

      let compose: Omit<Parameters<typeof buildPushRequestFile>[0], 'recipients'> | undefined;
      if (!raw) {
        const title = tpl(def.title) || text(msg.title).trim();
        const body = tpl(def.body) || text(msg.body).trim() || text(msg.payload).trim();
        const data = objectInput(await evalProp(RED, node, msg, def.data ?? 'data', def.dataType || 'msg'), 'data');
        const actions = parseActions(await evalProp(RED, node, msg, def.actions || '', def.actionsType || 'str'));
        const ttlValue = optionalNumber(def.ttl, 'time to live', 0, MAX_TTL);
        compose = {
          title,
          body,
          deepLink: tpl(def.deepLink) || text(msg.deepLink).trim() || undefined,
          priority: def.priority || 'normal',
          ttl: ttlValue,
          actions,
          data,
          reference: tpl(def.reference) || text(msg.reference).trim() || undefined,
        };
      }

      if (backend === 'messaging') {
        const cfg = configNode<MessagingConfigNode>(RED, node, def.messaging, 'Cloud Messaging');
        let file: Record<string, unknown>;
        let labels: string[];
        if (raw) {
          file = requestFileInput(msg.payload);
          labels = recipientsOfFile(file);
        } else {
          const built = buildPushRequestFile({ ...compose!, recipients: recipients! });
          file = built as unknown as Record<string, unknown>;
          labels = recipientLabels(built.recipients);
        }
        const submitId = hashed(file);
        const filename = tpl(def.filename) || `push-${(submitId || crypto.randomUUID()).replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 80)}.json`;
        const { job_id } = await submitPushRequest(cfg.client, file, { domain: (def.domain || 'MR').trim(), filename, submitId });
        let status: PushStatus | undefined;
        let statusError: Record<string, unknown> | undefined;
        if (confirm) {
          // The push went out; a failing status read must not turn that into an error.
          try {
            status = await pushStatus(cfg.client, job_id, (def.statusPath || '').trim() || undefined);
          } catch (e) {
            statusError = toOtError(e).toJSON();
          }
        }
        const reference = typeof file.reference === 'string' ? file.reference : undefined;
        msg.payload = { backend, job_id, reference, recipients: recipientResults(labels, status), ...(status ? { status } : {}), ...(statusError ? { statusError } : {}) };
        send(msg);
        return RED._('ot-push.status.sent', { n: labels.length });
      }

      const cfg = configNode<AppWorksConfigNode>(RED, node, def.appworks, 'AppWorks Gateway');
      if (!recipients) throw invalidInput('AppWorks needs recipients (user names) even for a raw message');
      const others = (['groups', 'topics', 'devices'] as const).filter((k) => recipients[k].length);
      if (others.length) throw invalidInput(`AppWorks notifications go to user names only, not ${others.join(' or ')}`);
      const users = recipients.users;
      const message = raw
        ? requestFileInput(msg.payload)
        : buildAppWorksMessage({ ...compose!, header: compose!.title, type: (def.awType || 'node-red').trim(), displayType: def.displayType || 'show' });
      const { result, duplicate } = await cfg.sent.once(hashed({ message, users }), () => sendAppWorksNotification(cfg.client, cfg.key, message, users));
      msg.payload = {
        backend,
        job_id: result.id ?? null,
        reference: typeof message.reference === 'string' ? message.reference : undefined,
        recipients: result.users.map((u) => ({ recipient: `user:${u}`, devices: [] as string[], result: 'sent' })),
        duplicate,
      };
      send(msg);
      if (duplicate) return RED._('ot-push.status.duplicate');
      return RED._('ot-push.status.sent', { n: result.users.length });
    });
  }
  register(RED, 'ot-push', PushNode);
};
