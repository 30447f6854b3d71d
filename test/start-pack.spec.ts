/**
 * What npm start installs into Node-RED besides code: the icons (white on transparent, 40x60,
 * well-formed SVG) that the node definitions reference, copied by the build beside every product
 * folder where the Node-RED registry looks for them.
 */
import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import should from 'should';

const root = path.join(__dirname, '..');
const iconsDir = path.join(root, 'icons');
const REQUIRED = ['xecm', 'rm', 'exstream', 'fax', 'push', 'event', 'watch', 'workflow', 'upload', 'hold'].map((n) => `opentext-${n}.svg`);

/** A small well-formedness check: every tag closed in order, attributes quoted, one root element. */
function wellFormed(xml: string): { ok: boolean; why?: string; root?: string } {
  const body = xml.replace(/<\?xml[^>]*\?>/, '').replace(/<!--[\s\S]*?-->/g, '').trim();
  const stack: string[] = [];
  let rootName: string | undefined;
  const re = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|<|>/g;
  let m: RegExpExecArray | null;
  let last = 0;
  while ((m = re.exec(body))) {
    if (m[0] === '<' || m[0] === '>') return { ok: false, why: `stray "${m[0]}" at ${m.index}` };
    const between = body.slice(last, m.index);
    if (!stack.length && between.trim()) return { ok: false, why: 'text outside the root element' };
    last = re.lastIndex;
    const [, close, name, , selfClose] = m;
    if (close) {
      if (stack.pop() !== name) return { ok: false, why: `</${name}> does not close the open element` };
    } else {
      if (!stack.length && rootName) return { ok: false, why: 'more than one root element' };
      rootName ||= name;
      if (!selfClose) stack.push(name);
    }
  }
  if (stack.length) return { ok: false, why: `<${stack[stack.length - 1]}> is not closed` };
  if (body.slice(last).trim()) return { ok: false, why: 'text after the root element' };
  return { ok: true, root: rootName };
}

describe('npm start: the icons of the pack', () => {
  const files = fs.readdirSync(iconsDir).filter((f) => f.endsWith('.svg'));

  it('has the ten OpenText icons', () => {
    files.should.containDeep(REQUIRED);
  });

  for (const f of REQUIRED) {
    it(`${f} is a well-formed 40x60 SVG with white shapes on a transparent background`, () => {
      const svg = fs.readFileSync(path.join(iconsDir, f), 'utf8');
      const wf = wellFormed(svg);
      should(wf.why).be.undefined();
      wf.ok.should.be.true();
      wf.root!.should.equal('svg');
      svg.should.match(/<svg[^>]*\sxmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      svg.should.match(/<svg[^>]*\sviewBox="0 0 40 60"/);
      svg.should.match(/<svg[^>]*\swidth="40"[^>]*\sheight="60"/);
      svg.should.match(/<title>[^<]+<\/title>/);
      const colours = [...svg.matchAll(/\b(fill|stroke)="([^"]*)"/g)].map((m) => m[2].toLowerCase());
      colours.length.should.be.above(0);
      for (const c of colours) ['#fff', '#ffffff', 'white', 'none'].should.containEql(c);
      svg.should.not.match(/<(image|script|foreignObject|style)\b|href=|url\(/i);
      svg.should.not.match(/<rect[^>]*width="40"[^>]*height="60"/); // no background
    });
  }

  it('covers every opentext-*.svg icon a node definition references', () => {
    const refs = new Set<string>();
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith('.html')) for (const m of fs.readFileSync(p, 'utf8').matchAll(/icon:\s*['"]([^'"]+)['"]/g)) refs.add(m[1]);
      }
    };
    walk(path.join(root, 'nodes'));
    const ours = [...refs].filter((r) => r.startsWith('opentext-'));
    for (const r of ours) files.should.containEql(r);
  });

  it('is copied by the build beside every product folder of dist/nodes', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ot-icons-'));
    try {
      const b = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.js'), '--out', out, '--transpile-only'], { cwd: root, encoding: 'utf8' });
      b.status!.should.equal(0, b.stderr);
      b.stdout.should.match(/build: ok \(transpiled without type check\)/);
      const products = fs.readdirSync(path.join(out, 'nodes'), { withFileTypes: true }).filter((e) => e.isDirectory() && e.name !== 'lib').map((e) => e.name);
      products.should.containDeep(['xecm', 'otds', 'exstream', 'messaging']);
      for (const p of products) fs.readdirSync(path.join(out, 'nodes', p, 'icons')).should.containDeep(REQUIRED);
      fs.existsSync(path.join(out, 'sandbox', 'web', 'index.html')).should.be.true();
      fs.existsSync(path.join(out, 'sandbox', 'cli.js')).should.be.true();
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
