#!/usr/bin/env node
// Build: TypeScript -> CommonJS in dist/, then copy every non-TS file the Node-RED registry needs
// beside each node's .js (the .html, locales/, icons/) and the sandbox's static files.
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const root = path.join(__dirname, '..');
const dist = path.join(root, 'dist');
fs.rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')], { stdio: 'inherit' });

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
console.log('build: ok');
