/**
 * File names that come from a message or a server: a name never carries a path to Content
 * Server or a fax service, and a download never climbs out of the folder it is meant for.
 * Both separators count, whatever the platform, since a name may come from a Windows client.
 */
import path from 'path';
import { invalidInput } from './errors';

/** The last part of a name written with `/` or `\` separators; '' for `.`, `..` or nothing. */
export function baseName(name: string): string {
  const last = name.trim().split(/[\\/]/).pop() || '';
  return last === '.' || last === '..' ? '' : last;
}

/**
 * The absolute path of a download target, refused (OT_INVALID_INPUT) when any of its segments is
 * `..`: a templated or message-provided path may not escape the folder its author wrote.
 */
export function safeTargetPath(target: string, operation: string): string {
  if (target.split(/[\\/]/).some((s) => s === '..')) throw invalidInput(`${operation}: the path ${JSON.stringify(target)} has ".." segments; give a path without them`);
  return path.resolve(target);
}
