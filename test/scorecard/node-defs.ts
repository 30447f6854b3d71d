/**
 * Reads node definitions out of a node's editor HTML the way `node-red-dev validate` (0.1.6,
 * src/libs/checknodes.js) does: only `<script type="text/javascript">` blocks, parsed with acorn
 * (ecmaVersion latest), `*.registerType(<string literal>, <object literal>)` calls found with
 * acorn-walk. Anything the scorecard cannot read statically is reported as an error code
 * (`non-literal`, `non-objectexpression`, `defaults-not-inline`, `icon-not-inline`, ...).
 */
import fs from 'fs';
import path from 'path';
import * as acorn from 'acorn';
import * as walk from 'acorn-walk';

export interface NodeDefinition {
  type: string;
  category?: unknown;
  color?: unknown;
  icon?: unknown;
  inputs?: unknown;
  outputs?: unknown;
  defaults?: string[];
  credentials?: string[];
  /** Names of every key of the definition object (paletteLabel, label, oneditprepare, ...). */
  keys: string[];
}

export interface ParsedHtml {
  defs: NodeDefinition[];
  errors: Array<{ code: string; message?: string }>;
}

/** The same expression node-red-dev uses to cut the editor scripts out of the HTML. */
const SCRIPT_RE = /<script.+?type=['"]text\/javascript['"].*?>([\S\s]*?)<\/script>/gi;

type AnyNode = acorn.Node & Record<string, unknown>;

function keyName(p: AnyNode): string {
  const k = p.key as AnyNode;
  return (k && (k.name as string)) ?? String(k && k.value);
}

export function parseNodeHtml(file: string): ParsedHtml {
  const content = fs.readFileSync(file, 'utf8');
  const parts: string[] = [];
  let m: RegExpExecArray | null;
  SCRIPT_RE.lastIndex = 0;
  while ((m = SCRIPT_RE.exec(content)) !== null) parts.push(m[1]);
  if (parts.length === 0) throw new Error(`${path.basename(file)}: no <script> sections found`);
  const defs: NodeDefinition[] = [];
  const errors: ParsedHtml['errors'] = [];
  for (const p of parts) {
    const ast = acorn.parse(p, { ecmaVersion: 'latest' });
    walk.simple(ast, {
      CallExpression(node) {
        const call = node as unknown as AnyNode;
        const callee = call.callee as AnyNode;
        const prop = callee && (callee.property as AnyNode | undefined);
        if (!prop || prop.name !== 'registerType') return;
        const [typeNode, defNode] = call.arguments as AnyNode[];
        if (!typeNode || typeNode.type !== 'Literal') {
          errors.push({ code: 'non-literal' });
          return;
        }
        if (!defNode || defNode.type !== 'ObjectExpression') {
          errors.push({ code: 'non-objectexpression', message: String(typeNode.value) });
          return;
        }
        const def: NodeDefinition = { type: String(typeNode.value), keys: [] };
        for (const prop0 of defNode.properties as AnyNode[]) {
          const name = keyName(prop0);
          def.keys.push(name);
          const value = prop0.value as AnyNode;
          if (name === 'defaults' || name === 'credentials') {
            if (value.type !== 'ObjectExpression') errors.push({ code: `${name}-not-inline`, message: def.type });
            else def[name] = (value.properties as AnyNode[]).map(keyName);
          } else if (['icon', 'color', 'inputs', 'outputs', 'category'].includes(name)) {
            if (value.type !== 'Literal') errors.push({ code: `${name}-not-inline`, message: def.type });
            else (def as unknown as Record<string, unknown>)[name] = value.value;
          }
        }
        defs.push(def);
      },
    });
  }
  if (defs.length === 0) throw new Error(`${path.basename(file)}: no type definitions found`);
  return { defs, errors };
}

/** Every file below `dir` (node-red-dev reads every file of examples/, not only *.json). */
export function allFiles(dir: string): string[] {
  const out: string[] = [];
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const f = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...allFiles(f));
    else out.push(f);
  }
  return out.sort();
}

export interface PackageJson {
  name: string;
  version: string;
  license?: string;
  repository?: unknown;
  bugs?: unknown;
  keywords?: string[];
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  'node-red': { version?: string; nodes: Record<string, string> };
}

export const ROOT = path.join(__dirname, '..', '..');

export function readPackage(dir = ROOT): PackageJson {
  return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as PackageJson;
}

/** The editor HTML of a `node-red.nodes` entry in the repository (the build copies it verbatim beside the .js). */
export function sourceHtml(entry: string): string {
  return path.join(ROOT, entry.replace(/^dist\//, '').replace(/\.js$/, '.html'));
}

/** Every node definition of the pack, from the sources, in package order. */
export function packDefinitions(): Array<NodeDefinition & { set: string; html: string }> {
  const pkg = readPackage();
  const out: Array<NodeDefinition & { set: string; html: string }> = [];
  for (const [set, entry] of Object.entries(pkg['node-red'].nodes)) {
    const html = sourceHtml(entry);
    for (const d of parseNodeHtml(html).defs) out.push({ ...d, set, html });
  }
  return out;
}
