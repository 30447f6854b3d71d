import Mustache from 'mustache';
import type { Node } from 'node-red';
import { OtError } from './errors';
import type { Msg, RED } from './nodered';

/**
 * Renders a mustache template against `{ msg, flow, global, env }` (and the message's own
 * properties at the top level, as the core template node does). No HTML escaping: the targets are
 * plain text (fax cover subjects, push titles, LQL queries).
 */
export function render(RED: RED, node: Node, template: string, msg: Msg | undefined): string {
  if (!template || !template.includes('{{')) return template;
  const ctx = node.context();
  const contextProxy = (store: { get: (k: string) => unknown }) =>
    new Proxy({}, {
      get: (_t, key) => (typeof key === 'string' ? store.get(key) : undefined),
      has: (_t, key) => typeof key === 'string' && store.get(key) !== undefined,
    });
  const env = new Proxy({}, {
    get: (_t, key) => (typeof key === 'string' ? RED.util.getSetting(node, key) ?? process.env[key] : undefined),
    has: (_t, key) => typeof key === 'string' && (RED.util.getSetting(node, key) ?? process.env[key]) !== undefined,
  });
  const view = { ...(msg || {}), msg: msg || {}, flow: contextProxy(ctx.flow), global: contextProxy(ctx.global), env };
  try {
    return Mustache.render(template, view, {}, { escape: (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)) });
  } catch (e) {
    throw new OtError({ code: 'OT_INVALID_INPUT', message: `invalid template: ${(e as Error).message}` });
  }
}

/** Renders without a node (for the layer's own use and tests): plain view, no escaping. */
export function renderPlain(template: string, view: Record<string, unknown>): string {
  if (!template || !template.includes('{{')) return template;
  try {
    return Mustache.render(template, view, {}, { escape: (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)) });
  } catch (e) {
    throw new OtError({ code: 'OT_INVALID_INPUT', message: `invalid template: ${(e as Error).message}` });
  }
}
