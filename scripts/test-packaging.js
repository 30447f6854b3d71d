#!/usr/bin/env node
// Packaging test (npm run test:packaging): npm pack of the module (built into a staging copy, dist/
// of the working tree untouched), the tarball's contents, npm install of the tarball into a fresh
// Node-RED user directory, Node-RED started on it and every node type found in GET /nodes.
// Runs test/packaging/**/*.e2e.ts with mocha; the tarball's file list is kept in
// test-artifacts/pack-contents.txt. Extra arguments go to mocha. OT_PACK_KEEP=1 keeps the temp folder.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.join(__dirname, '..');
fs.mkdirSync(path.join(root, 'test-artifacts'), { recursive: true });
const mocha = spawnSync(
  process.execPath,
  [require.resolve('mocha/bin/mocha.js'), '--require', 'ts-node/register', '--timeout', '300000', '--exit', 'test/packaging/**/*.e2e.ts', ...process.argv.slice(2)],
  {
    stdio: 'inherit',
    cwd: root,
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', TS_NODE_PROJECT: path.join(root, 'tsconfig.test.json') },
  },
);
process.exit(mocha.status === null ? 1 : mocha.status);
