/**
 * The Node-RED Flow Library scorecard (`node-red-dev validate` 0.1.6), the checks that can run
 * offline: P01, P03, P04, P05, P06, P07, N02, D01 — on the pack as it is published: built into a
 * temporary folder (scripts/build.js --out --transpile-only) beside a copy of package.json and the
 * package-root folders, the HTML read at `path + "/" + entry.replace(".js", ".html")` exactly as the
 * tool reads it, and parsed the same way (acorn on the `<script type="text/javascript">` blocks).
 *
 * P06 and P07 need node-red's npm dist-tags and engines, which the tool fetches from the registry.
 * They are pinned here (NODE_RED_REGISTRY, read on the date below) and also checked against the
 * Node-RED the tests run on (the devDependency), so the check stays offline and reproducible.
 * P02 is disabled in the tool; P08, N01, D02 and D03 need the registry or the Flow Library
 * catalogue and are not reproduced.
 */
import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import should from 'should';
import { allFiles, parseNodeHtml, readPackage, ROOT, type NodeDefinition, type PackageJson } from './node-defs';

interface Semver {
  satisfies(version: string, range: string): boolean;
  minVersion(range: string): { version: string } | null;
  valid(v: string): string | null;
}
const semver = require('semver') as Semver;

/** `npm view node-red dist-tags engines` (read 2026-08 for this test; update with new Node-RED majors). */
const NODE_RED_REGISTRY = { distTags: { latest: '5.0.7' } as Record<string, string>, latestEngines: '>=22.9' };

describe('scorecard (node-red-dev validate, offline checks) on the built package', function () {
  this.timeout(60000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ot-scorecard-'));
  const pkgDir = path.join(tmp, 'node-red-contrib-opentext');
  let pkg: PackageJson;
  const defs: Record<string, NodeDefinition> = {};
  const errors: Array<{ file: string; code: string; message?: string }> = [];

  before(() => {
    const b = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.js'), '--out', path.join(pkgDir, 'dist'), '--transpile-only'], { cwd: ROOT, encoding: 'utf8' });
    if (b.status !== 0) throw new Error(`build failed: ${b.stdout}${b.stderr}`);
    fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(pkgDir, 'package.json'));
    for (const d of ['examples', 'icons', 'resources']) if (fs.existsSync(path.join(ROOT, d))) fs.symlinkSync(path.join(ROOT, d), path.join(pkgDir, d), 'junction');
    pkg = readPackage(pkgDir);
    // checknodes.js: for each node-red.nodes entry, the .html beside the .js
    for (const n of Object.values(pkg['node-red'].nodes)) {
      const html = pkgDir + '/' + n.replace('.js', '.html');
      const parsed = parseNodeHtml(html);
      for (const d of parsed.defs) defs[d.type] = d;
      for (const e of parsed.errors) errors.push({ file: n, ...e });
    }
  });

  after(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('P01: package.json has a license', () => {
    pkg.should.have.property('license');
    should(pkg.license).be.a.String().and.not.be.empty();
  });

  it('P03: package.json has a repository or a bugs link', () => {
    (pkg.repository !== undefined || pkg.bugs !== undefined).should.be.true();
  });

  it('P04: the name is scoped, or uses node-red-contrib- when it starts with node-red', () => {
    const scoped = /@[a-z\d][\w-.]+\/[a-z\d][\w-.]*/.test(pkg.name);
    const badPrefix = /^(node-red|nodered)(?!-contrib-)/i.test(pkg.name);
    (scoped || !badPrefix).should.be.true(`package name "${pkg.name}" uses the node-red prefix without -contrib-`);
  });

  it('P05: keywords include node-red', () => {
    should(pkg.keywords).be.an.Array();
    pkg.keywords!.should.containEql('node-red');
  });

  it('P06: node-red.version is declared and satisfied by a current Node-RED (latest / maintenance tags, and the one under test)', () => {
    should(pkg['node-red'].version).be.a.String();
    const range = pkg['node-red'].version!;
    const supported = Object.entries(NODE_RED_REGISTRY.distTags).filter(([t]) => /.*maintenance.*|^latest$/.test(t)).map(([, v]) => v);
    supported.length.should.be.above(0);
    supported.some((v) => semver.satisfies(v, range)).should.be.true(`${range} is satisfied by none of ${supported.join(', ')}`);
    const installed = (JSON.parse(fs.readFileSync(require.resolve('node-red/package.json'), 'utf8')) as { version: string }).version;
    semver.satisfies(installed, range).should.be.true(`${range} does not accept the Node-RED ${installed} the tests run on`);
  });

  it("P07: engines.node accepts the minimum Node.js of node-red@latest (and of the Node-RED under test)", () => {
    should(pkg.engines && pkg.engines.node).be.a.String();
    const range = pkg.engines!.node!;
    const latestMin = semver.minVersion(NODE_RED_REGISTRY.latestEngines)!.version;
    latestMin.should.equal('22.9.0');
    semver.satisfies(latestMin, range).should.be.true(`engines.node ${range} does not accept Node ${latestMin}`);
    const nr = JSON.parse(fs.readFileSync(require.resolve('node-red/package.json'), 'utf8')) as { engines: { node: string } };
    const testedMin = semver.minVersion(nr.engines.node)!.version;
    // Our floor may be higher than the installed Node-RED's: what matters is that both majors we
    // support (4.x on Node 20, 5.x on Node 22) are accepted.
    semver.satisfies('20.19.0', range).should.be.true(`engines.node ${range} rejects Node 20 (Node-RED 4, minimum ${testedMin})`);
  });

  it('node definitions are statically readable: literal type, object literal, defaults/credentials/icon/color/inputs/outputs/category inline', () => {
    errors.should.eql([]);
    const types = Object.keys(defs);
    // one type per node set, named like the set
    types.sort().should.eql(Object.keys(pkg['node-red'].nodes).sort());
  });

  it('every node set has its HTML, icons/ and locales/en-US/<name>.json beside the built .js', () => {
    for (const [set, entry] of Object.entries(pkg['node-red'].nodes)) {
      const js = path.join(pkgDir, entry);
      fs.existsSync(js).should.be.true(`${entry} is missing`);
      const dir = path.dirname(js);
      const base = path.basename(js, '.js');
      fs.existsSync(path.join(dir, base + '.html')).should.be.true(`${set}: no ${base}.html`);
      fs.statSync(path.join(dir, 'icons')).isDirectory().should.be.true(`${set}: no icons/`);
      fs.existsSync(path.join(dir, 'locales', 'en-US', base + '.json')).should.be.true(`${set}: no locales/en-US/${base}.json`);
      const icon = defs[set].icon;
      if (typeof icon === 'string' && !icon.startsWith('font-awesome/') && !icon.startsWith('node-red/')) {
        fs.existsSync(path.join(dir, 'icons', icon)).should.be.true(`${set}: icon ${icon} is not in ${path.relative(pkgDir, dir)}/icons`);
      }
    }
  });

  it('N02: examples/ exists and every non-config node appears as a type in an example (flat JSON arrays)', () => {
    const exDir = path.join(pkgDir, 'examples');
    const files = allFiles(exDir);
    files.length.should.be.above(0, 'no examples found');
    const wanted = Object.keys(defs).filter((t) => defs[t].category !== 'config');
    wanted.length.should.be.above(10);
    const seen = new Set<string>();
    for (const f of files) {
      // node-red-dev parses every file and calls example.forEach: each must be a flat array
      const example = JSON.parse(fs.readFileSync(f, 'utf8')) as unknown;
      Array.isArray(example).should.be.true(`${path.relative(exDir, f)} is not a flat JSON array`);
      for (const n of example as Array<{ type?: string }>) if (n && typeof n.type === 'string') seen.add(n.type);
    }
    const missing = wanted.filter((t) => !seen.has(t));
    missing.should.eql([], `examples not found for: ${missing.join(', ')}`);
  });

  it('D01: at most 6 runtime dependencies (devDependencies do not count)', () => {
    const deps = Object.keys(pkg.dependencies || {});
    deps.length.should.be.belowOrEqual(6, `dependencies: ${deps.join(', ')}`);
    deps.should.not.containEql('node-red');
  });
});
