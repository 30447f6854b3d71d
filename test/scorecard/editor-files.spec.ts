/**
 * The editor files of every node follow the pack's conventions (docs/ARCHITECTURE.md, Node-RED's
 * help style guide): category OpenText (config for connections), a palette label and a label, an
 * icon of icons/; help that opens with a paragraph, then Inputs, Outputs, Details, References (a
 * connection: Details, References), message properties in dl.message-properties, no b/i, and the
 * precedence of node settings and message properties stated; every text the dialog and the runtime
 * show is in the node's en-US catalog; every TypedInput has its <prop> and <prop>Type defaults.
 */
import 'should';
import fs from 'fs';
import path from 'path';
import { packDefinitions, ROOT } from './node-defs';

type Catalog = Record<string, unknown>;

const defs = packDefinitions();
const MODULE = 'node-red-contrib-opentext';

function catalogOf(html: string, type: string): Catalog {
  return JSON.parse(fs.readFileSync(path.join(path.dirname(html), 'locales', 'en-US', `${type}.json`), 'utf8')) as Catalog;
}

function lookup(cat: Catalog, key: string): unknown {
  let o: unknown = cat;
  for (const p of key.split('.')) {
    if (!o || typeof o !== 'object') return undefined;
    o = (o as Catalog)[p];
  }
  return o;
}

/** Resolves "ns:key" (another set's catalog of the pack) or a plain key in the node's own catalog. */
function resolve(key: string, own: Catalog): unknown {
  const m = /^node-red-contrib-opentext\/([a-z-]+):(.+)$/.exec(key);
  if (!m) return lookup(own, key);
  const other = defs.find((d) => d.type === m[1]);
  if (!other) return undefined;
  return lookup(catalogOf(other.html, m[1]), m[2]);
}

function scripts(src: string, kind: 'template' | 'help', type: string): string {
  const attr = kind === 'template' ? 'data-template-name' : 'data-help-name';
  const m = new RegExp(`<script type="text/html" ${attr}="${type}">([\\s\\S]*?)</script>`).exec(src);
  return m ? m[1] : '';
}

describe('editor files of every node (labels, help, catalogs, TypedInputs)', () => {
  it('covers every node set of package.json', () => {
    defs.length.should.be.above(15);
  });

  for (const d of defs) {
    describe(d.type, () => {
      const src = fs.readFileSync(d.html, 'utf8');
      const js = [...src.matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
      const help = scripts(src, 'help', d.type);
      const template = scripts(src, 'template', d.type);
      const config = d.category === 'config';

      it('has its category, palette label, label and icon', () => {
        d.category!.should.equal(config ? 'config' : 'OpenText');
        d.keys.should.containEql('paletteLabel');
        d.keys.should.containEql('label');
        if (!config) {
          d.keys.should.containEql('color');
          String(d.icon).should.match(/^opentext-[a-z]+\.svg$/);
          fs.existsSync(path.join(ROOT, 'icons', String(d.icon))).should.be.true(`icons/${d.icon} is missing`);
        }
      });

      it('has help: an intro paragraph, then the standard sections in order, message properties in dl.message-properties, no b/i', () => {
        help.trim().should.match(/^<p>/, 'the help must open with a paragraph (the palette tooltip)');
        const h3 = [...help.matchAll(/<h3>([^<]*)<\/h3>/g)].map((m) => m[1].trim());
        h3.should.eql(config ? ['Details', 'References'] : ['Inputs', 'Outputs', 'Details', 'References']);
        if (!config) {
          const outputs = help.slice(help.indexOf('<h3>Outputs</h3>'), help.indexOf('<h3>Details</h3>'));
          outputs.should.match(/<dl class="message-properties">/);
        }
        help.should.not.match(/<(b|i)>/);
      });

      if (!config && /inputs:\s*1/.test(js) && /typedInput\(/.test(js)) {
        it('states the precedence of its settings and message properties', () => {
          help.should.match(/precedence|wins|win over|never change|never changed|cannot change|decides/i);
        });
      }

      it('has every text of the dialog and the runtime in its en-US catalog', () => {
        const cat = catalogOf(d.html, d.type);
        cat.should.have.property(d.type);
        const keys = new Set<string>();
        for (const m of template.matchAll(/data-i18n="([^"]+)"/g)) for (const part of m[1].split(';')) keys.add(part.replace(/^\[[a-z]+\]/, ''));
        for (const m of js.matchAll(/(?:this|node)\._\('([^']+)'/g)) keys.add(m[1]);
        for (const m of js.matchAll(/OpenTextEditor\.(?:tr)\('([a-z-]+)', '([^']+)'/g)) keys.add(`${MODULE}/${m[1]}:${m[1]}.${m[2]}`);
        const ts = d.html.replace(/\.html$/, '.ts');
        const runtime = fs.existsSync(ts) ? fs.readFileSync(ts, 'utf8') : '';
        for (const m of runtime.matchAll(/RED\._\('([a-z-]+\.[A-Za-z0-9_.]+)'/g)) if (!m[1].endsWith('.')) keys.add(m[1]);
        const missing = [...keys].filter((k) => !k.startsWith('node-red:') && resolve(k, cat) === undefined);
        missing.should.eql([]);
      });

      it('declares <prop> and <prop>Type in its defaults for every TypedInput', () => {
        const defaults = new Set(d.defaults || []);
        const prefix = config ? 'node-config-input-' : 'node-input-';
        const calls = [...js.matchAll(new RegExp(`\\$\\('#${prefix}([A-Za-z0-9_]+)'\\)\\.typedInput\\(\\{([^}]*)\\}`, 'g'))];
        for (const [, prop, opts] of calls) {
          defaults.has(prop).should.be.true(`${prop} is not in defaults`);
          const tf = new RegExp(`typeField:\\s*'#${prefix}([A-Za-z0-9_]+)'`).exec(opts);
          if (!tf) throw new Error(`${prop}: TypedInput without a typeField`);
          defaults.has(tf[1]).should.be.true(`${tf[1]} is not in defaults`);
          template.should.match(new RegExp(`id="${prefix}${tf[1]}"`), `${tf[1]} has no hidden input`);
        }
      });
    });
  }
});
