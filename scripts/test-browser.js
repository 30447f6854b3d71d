#!/usr/bin/env node
// Real-browser tests (npm run test:browser): Debian's Chromium driven by playwright-core against a
// real Node-RED started with the pack and the OpenText sandbox (scripts/start.js on free ports).
// Runs test/browser/**/*.e2e.ts with mocha; screenshots land in test-artifacts/screenshots/. The
// sandbox traffic is recorded to test-artifacts/recording-browser.jsonl and, where OpenText's API
// definitions are beside the clone (../shared), checked with check-contract.
//
//   npm run test:browser                       everything
//   npm run test:browser -- --grep palette     extra arguments go to mocha
//
// Environment: CHROMIUM_PATH (default /usr/bin/chromium), OT_BROWSER_HEADED=1 (watch it),
// OT_UPDATE_SCREENSHOTS=1 (copy the README's three screenshots to docs/screenshots/ after a green
// run). No build of dist/ is needed: the tests build the pack into a temporary folder themselves.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.join(__dirname, '..');
const artifacts = path.join(root, 'test-artifacts');
fs.mkdirSync(path.join(artifacts, 'screenshots'), { recursive: true });

const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
if (!fs.existsSync(chromium)) {
  console.error(`test:browser: no Chromium at ${chromium} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
  process.exit(1);
}
try {
  require.resolve('playwright-core', { paths: [root] });
} catch {
  console.error('test:browser: playwright-core is not installed (npm install --save-dev playwright-core)');
  process.exit(1);
}

const recording = process.env.OT_SANDBOX_RECORD || path.join(artifacts, 'recording-browser.jsonl');
fs.rmSync(recording, { force: true });
const extra = process.argv.slice(2);
const mocha = spawnSync(
  process.execPath,
  [require.resolve('mocha/bin/mocha.js'), '--require', 'ts-node/register', '--timeout', '180000', '--exit', 'test/browser/**/*.e2e.ts', ...extra],
  {
    stdio: 'inherit',
    cwd: root,
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', TS_NODE_PROJECT: path.join(root, 'tsconfig.test.json'), OT_SANDBOX_RECORD: recording },
  },
);
if (mocha.status !== 0) process.exit(mocha.status || 1);

// OT_UPDATE_SCREENSHOTS=1: the README's screenshots (docs/screenshots/) are refreshed from this run.
const README_SHOTS = ['palette.png', 'dialog-ot-workspace.png', 'example-FAX-1.png'];
if (process.env.OT_UPDATE_SCREENSHOTS) {
  const docs = path.join(root, 'docs', 'screenshots');
  fs.mkdirSync(docs, { recursive: true });
  for (const f of README_SHOTS) {
    const src = path.join(artifacts, 'screenshots', f);
    if (!fs.existsSync(src)) {
      console.error(`test:browser: ${f} was not taken by this run`);
      process.exit(1);
    }
    fs.copyFileSync(src, path.join(docs, f));
    console.log(`test:browser: docs/screenshots/${f} updated`);
  }
}

const checker = path.join(root, '..', 'shared', 'tools', 'check-contract.mjs');
if (fs.existsSync(checker) && fs.existsSync(recording)) {
  console.log("\ncontract check of the browser run's sandbox traffic against OpenText's API definitions:");
  const c = spawnSync(process.execPath, [checker, recording], { stdio: 'inherit', cwd: root });
  if (c.status !== 0) process.exit(c.status || 1);
}
