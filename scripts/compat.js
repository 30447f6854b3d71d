#!/usr/bin/env node
// The compatibility run (npm run test:compat): the node tests again, on Node-RED 5 under Node 22.
//
// Installs, from the npm registry only, the Node 22 binary (npm package node-<platform>-<arch>@22)
// and node-red@5 into the git-ignored cache folder .compat/ (reused on later runs), then runs mocha
// exactly as scripts/test.js does (ts-node, the same spec files) with that node binary and
// NODE_RED_PATH pointing at the installed Node-RED (test/support/nr.ts honours it).
//
//   npm run test:compat                       every spec
//   npm run test:compat -- test/config/*.ts   some specs (extra arguments go to mocha)
//
// Environment: OT_COMPAT_NODE (default 22), OT_COMPAT_NODE_RED (default 5) — npm version ranges;
// OT_COMPAT_REFRESH=1 reinstalls the cache. Any failure ends the run with a non-zero exit code.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.join(__dirname, '..');
const cache = path.join(root, '.compat');
const nodeRange = process.env.OT_COMPAT_NODE || '22';
const nodeRedRange = process.env.OT_COMPAT_NODE_RED || '5';
const nodePkg = `node-${process.platform}-${process.arch}`;

function fail(message) {
  console.error(`\ntest:compat FAILED: ${message}`);
  process.exit(1);
}

function major(version) {
  return String(version || '').replace(/^v/, '').split('.')[0];
}

function installedVersion(pkg) {
  try {
    return JSON.parse(fs.readFileSync(path.join(cache, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

const nodeBin = path.join(cache, 'node_modules', nodePkg, 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
const nodeRedDir = path.join(cache, 'node_modules', 'node-red');

function cacheIsUsable() {
  if (process.env.OT_COMPAT_REFRESH) return false;
  const n = installedVersion(nodePkg);
  const r = installedVersion('node-red');
  // The ranges are majors by default; a pinned version (22.9.0) must match exactly.
  const fits = (v, range) => !!v && (/^\d+$/.test(range) ? major(v) === range : v === range);
  return fits(n, nodeRange) && fits(r, nodeRedRange) && fs.existsSync(nodeBin);
}

if (!cacheIsUsable()) {
  console.log(`test:compat: installing ${nodePkg}@${nodeRange} and node-red@${nodeRedRange} into .compat/ (from the npm registry)`);
  fs.rmSync(path.join(cache, 'node_modules'), { recursive: true, force: true });
  fs.mkdirSync(cache, { recursive: true });
  fs.writeFileSync(path.join(cache, 'package.json'), JSON.stringify({ name: 'ot-compat-cache', private: true, description: 'npm run test:compat cache (git-ignored)' }, null, 2) + '\n');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(
    npm,
    ['install', '--prefix', cache, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--ignore-scripts', '--omit=dev', '--loglevel=error', `${nodePkg}@${nodeRange}`, `node-red@${nodeRedRange}`],
    { stdio: 'inherit', cwd: cache, env: { ...process.env, npm_config_update_notifier: 'false' } },
  );
  if (r.error) fail(`cannot run npm: ${r.error.message}`);
  if (r.status !== 0) fail(`npm install of ${nodePkg}@${nodeRange} and node-red@${nodeRedRange} exited with ${r.status}`);
  if (!cacheIsUsable()) fail(`after the install, .compat/ does not hold ${nodePkg}@${nodeRange} (${installedVersion(nodePkg) || 'missing'}) and node-red@${nodeRedRange} (${installedVersion('node-red') || 'missing'})`);
} else {
  console.log('test:compat: reusing .compat/');
}

try {
  fs.chmodSync(nodeBin, 0o755);
} catch (e) {
  fail(`cannot make ${nodeBin} executable: ${e.message}`);
}
const v = spawnSync(nodeBin, ['--version'], { encoding: 'utf8' });
if (v.error || v.status !== 0) fail(`the Node binary ${nodeBin} does not run: ${v.error ? v.error.message : v.stderr}`);
const nodeVersion = v.stdout.trim();
const nodeRedVersion = installedVersion('node-red');
if (/^\d+$/.test(nodeRange) && major(nodeVersion) !== nodeRange) fail(`expected Node ${nodeRange}, got ${nodeVersion}`);
console.log(`test:compat: Node ${nodeVersion}, Node-RED ${nodeRedVersion}`);

// The same mocha invocation as scripts/test.js, with the other node binary and Node-RED.
const artifacts = path.join(root, 'test-artifacts');
fs.mkdirSync(artifacts, { recursive: true });
const recording = process.env.OT_SANDBOX_RECORD || path.join(artifacts, 'recording-compat.jsonl');
fs.rmSync(recording, { force: true });
const extra = process.argv.slice(2);
const specs = extra.length ? extra : ['test/**/*.spec.ts'];
const mocha = spawnSync(
  nodeBin,
  [require.resolve('mocha/bin/mocha.js'), '--require', 'ts-node/register', '--timeout', '30000', '--exit', '--recursive', ...specs],
  {
    stdio: 'inherit',
    cwd: root,
    env: {
      ...process.env,
      TS_NODE_TRANSPILE_ONLY: 'true',
      TS_NODE_PROJECT: path.join(root, 'tsconfig.test.json'),
      OT_SANDBOX_RECORD: recording,
      NODE_RED_PATH: nodeRedDir,
      // the node binary of the run, for specs that start child processes
      PATH: `${path.dirname(nodeBin)}${path.delimiter}${process.env.PATH || ''}`,
    },
  },
);
if (mocha.error) fail(`cannot run mocha with ${nodeBin}: ${mocha.error.message}`);
if (mocha.status !== 0) fail(`the tests failed on Node-RED ${nodeRedVersion} / Node ${nodeVersion} (mocha exited with ${mocha.status === null ? `signal ${mocha.signal}` : mocha.status})`);

if (extra.length === 0 && !require('./contract').checkContract(recording)) fail('the contract check found requests that differ from the real API (see above)');
console.log(`test:compat: passed on Node-RED ${nodeRedVersion} / Node ${nodeVersion}`);
