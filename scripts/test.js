#!/usr/bin/env node
// The test command (npm test): builds the pack, runs every mocha suite over real HTTP against the
// sandbox while recording the traffic, then — where OpenText's definitions are beside the clone
// (../shared) — checks the recording against them with check-contract.
//
//   npm test                      everything
//   npm test -- test/http.spec.ts one file (extra arguments go to mocha)
//
// Environment: NODE_RED_PATH (run the node tests on another Node-RED), OT_TEST_NO_BUILD=1.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.join(__dirname, '..');
const artifacts = path.join(root, 'test-artifacts');
fs.mkdirSync(artifacts, { recursive: true });

if (!process.env.OT_TEST_NO_BUILD) {
  const b = spawnSync(process.execPath, [path.join(__dirname, 'build.js')], { stdio: 'inherit', cwd: root });
  if (b.status !== 0) process.exit(b.status || 1);
}

const recording = process.env.OT_SANDBOX_RECORD || path.join(artifacts, 'recording.jsonl');
fs.rmSync(recording, { force: true });
const extra = process.argv.slice(2);
const specs = extra.length ? extra : ['test/**/*.spec.ts'];
const mocha = spawnSync(
  process.execPath,
  [require.resolve('mocha/bin/mocha.js'), '--require', 'ts-node/register', '--timeout', '30000', '--exit', '--recursive', ...specs],
  {
    stdio: 'inherit',
    cwd: root,
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', TS_NODE_PROJECT: path.join(root, 'tsconfig.test.json'), OT_SANDBOX_RECORD: recording },
  },
);
if (mocha.status !== 0) process.exit(mocha.status || 1);

const checker = path.join(root, '..', 'shared', 'tools', 'check-contract.mjs');
if (extra.length === 0 && fs.existsSync(checker) && fs.existsSync(recording)) {
  console.log('\ncontract check of the recorded traffic against OpenText\'s API definitions:');
  const c = spawnSync(process.execPath, [checker, recording], { stdio: 'inherit', cwd: root });
  if (c.status !== 0) {
    console.error('contract check failed: a request differs from the real API (see above)');
    process.exit(c.status || 1);
  }
} else if (extra.length === 0) {
  console.log('\n(contract check skipped: ../shared/tools/check-contract.mjs is not beside this clone)');
}
