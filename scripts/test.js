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

if (extra.length === 0 && !require('./contract').checkContract(recording)) process.exit(1);
