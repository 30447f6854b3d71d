/**
 * Reading a node's TypedInput settings where plain text is a mustache template: shared by the
 * nodes that let text settings refer to the message ({{payload.subject}}). The node setting is
 * evaluated against the message, so `msg` wins only when the user picks a `msg.` type.
 */
import type { Node } from 'node-red';
import { evalProp, thenMaybe, type MaybePromise, type Msg, type RED } from './nodered';
import { render } from './template';
import { invalidInput } from './errors';

/** No value: undefined, null, or text that is only white space. */
export const empty = (v: unknown): boolean => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/**
 * One TypedInput value: plain text (type 'str', or `dflt` when no type is set) is a mustache
 * template rendered against the message and trimmed; an empty setting of another type is
 * undefined; anything else is evaluated as its type says.
 */
export function readTemplated(RED: RED, node: Node, msg: Msg, value: string | undefined, type: string | undefined, dflt = 'str'): MaybePromise<unknown> {
  const t = type || dflt;
  if (t === 'str') return thenMaybe(value || '', (v) => render(RED, node, v, msg).trim());
  if (value === undefined || value === '') return undefined;
  return evalProp(RED, node, msg, value, t);
}

/** Reads the setting `<name>` with its type from `<name>Type` (see readTemplated). */
export type SettingReader = (name: string, dflt?: string) => MaybePromise<unknown>;

/** A SettingReader over a node's settings for one message. */
export function settingReader(RED: RED, node: Node, def: Record<string, unknown>, msg: Msg): SettingReader {
  return (name, dflt = 'str') => readTemplated(RED, node, msg, def[name] as string | undefined, def[`${name}Type`] as string | undefined, dflt);
}

/**
 * A text setting: undefined when it yields nothing; a number becomes text; anything else is bad
 * input. A plain-text setting ('str', also when no type is set) is a mustache template
 * ({{msg.fax.caseId}}) rendered against the message; the result is trimmed (undefined when empty).
 */
export function readText(RED: RED, node: Node, msg: Msg, value: string | undefined, type: string | undefined): MaybePromise<string | undefined> {
  return thenMaybe(evalProp(RED, node, msg, value, type), (v) => {
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string' && typeof v !== 'number') throw invalidInput(`expected text, got ${Array.isArray(v) ? 'an array' : typeof v}`);
    return (type || 'str') === 'str' ? render(RED, node, String(v), msg).trim() || undefined : String(v).trim();
  });
}
