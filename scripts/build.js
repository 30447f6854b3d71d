#!/usr/bin/env node
// Build: TypeScript -> CommonJS in dist/, then copy every non-TS file the Node-RED registry needs
// beside each node's .js (the .html, locales/, icons/) and the sandbox's static files.
//
//   node scripts/build.js                      type-check and compile into dist/
//   node scripts/build.js --out DIR            the same into another folder (used by npm start's test)
//   node scripts/build.js --transpile-only     compile file by file without the type check (fast)
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const root = path.join(__dirname, '..');
const args = process.argv.slice(2);
const outAt = args.indexOf('--out');
if (outAt >= 0 && !args[outAt + 1]) {
  console.error('build: --out needs a folder');
  process.exit(2);
}
const dist = outAt >= 0 ? path.resolve(args[outAt + 1]) : path.join(root, 'dist');
const transpileOnly = args.includes('--transpile-only');
fs.rmSync(dist, { recursive: true, force: true });

if (transpileOnly) {
  // Each .ts of the compiled folders on its own (no type check): for quick local runs and tests.
  const ts = require('typescript');
  const config = ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.convertCompilerOptionsFromJson(config.config.compilerOptions, root);
  const walk = (dir) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const f = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(f);
      else if (f.endsWith('.ts') && !f.endsWith('.d.ts')) {
        const out = ts.transpileModule(fs.readFileSync(f, 'utf8'), { compilerOptions: options, fileName: f });
        const target = path.join(dist, path.relative(root, f)).replace(/\.ts$/, '.js');
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, out.outputText);
      }
    }
  };
  walk(path.join(root, 'nodes'));
  walk(path.join(root, 'sandbox'));
} else {
  const tscArgs = [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')];
  if (outAt >= 0) tscArgs.push('--outDir', dist);
  execFileSync(process.execPath, tscArgs, { stdio: 'inherit' });
}

function copyTree(src, dst, filter) {
  if (!fs.existsSync(src)) return;
  for (const entry of fs.readdirSync(src, { withFileTypes: true })) {
    const s = path.join(src, entry.name);
    const d = path.join(dst, entry.name);
    if (entry.isDirectory()) copyTree(s, d, filter);
    else if (filter(s)) {
      fs.mkdirSync(path.dirname(d), { recursive: true });
      fs.copyFileSync(s, d);
    }
  }
}
const notTs = (f) => !f.endsWith('.ts');
copyTree(path.join(root, 'nodes'), path.join(dist, 'nodes'), notTs);
copyTree(path.join(root, 'sandbox'), path.join(dist, 'sandbox'), notTs);
// Icons: one shared set at the package root, copied beside every product folder's node files.
for (const entry of fs.readdirSync(path.join(dist, 'nodes'), { withFileTypes: true })) {
  if (entry.isDirectory() && entry.name !== 'lib') copyTree(path.join(root, 'icons'), path.join(dist, 'nodes', entry.name, 'icons'), () => true);
}
const cli = path.join(dist, 'sandbox', 'cli.js');
if (fs.existsSync(cli)) fs.chmodSync(cli, 0o755);
console.log(`build: ok${transpileOnly ? ' (transpiled without type check)' : ''}${outAt >= 0 ? ` -> ${dist}` : ''}`);
