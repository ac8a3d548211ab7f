// Runs the gates and every test layer and prints one closing line: "N passed, N failed".
// Usage: node scripts/test.mjs [typecheck|lint|unit|contract|integration|e2e ...]  (default: all, in that order)
// The gates (typecheck: `tsc --noEmit`; lint: `eslint .`, which also enforces the layering) count as one check each.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const GATES = { typecheck: ['node_modules/typescript/bin/tsc', '-p', '.', '--noEmit'], lint: ['node_modules/eslint/bin/eslint.js', '.'] };
const LAYERS = [...Object.keys(GATES), 'unit', 'integration', 'e2e'];
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const layers = wanted.length > 0 ? wanted : LAYERS;

function findTests(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...findTests(full));
    else if (/\.test\.ts$/.test(name)) out.push(full);
  }
  return out.sort();
}

function run(cmd, args, env = {}) {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => {
      output += d;
      process.stdout.write(d);
    });
    child.stderr.on('data', (d) => process.stderr.write(d));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/** node:test TAP/spec summaries end with "ℹ pass N" / "ℹ fail N" (spec) or "# pass N" (tap). */
function countNodeTest(output) {
  const pass = [...output.matchAll(/^(?:ℹ|#) pass (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
  const fail = [...output.matchAll(/^(?:ℹ|#) fail (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
  return { pass, fail };
}

/** Mocha-style runners (integration, e2e) print "RESULT: N passed, N failed". */
function countResultLine(output) {
  const m = [...output.matchAll(/^RESULT: (\d+) passed, (\d+) failed/gm)].pop();
  return m ? { pass: Number(m[1]), fail: Number(m[2]) } : { pass: 0, fail: 0 };
}

let passed = 0;
let failed = 0;
const summary = [];

for (const gate of layers.filter((l) => l in GATES)) {
  const r = await run(process.execPath, GATES[gate]);
  const ok = r.code === 0;
  if (ok) passed++;
  else failed++;
  summary.push(`${gate}: ${ok ? '1 passed, 0 failed' : '0 passed, 1 failed'}`);
}
const testLayers = layers.filter((l) => !(l in GATES));
if (testLayers.length === 0) finish();

const build = await run('node', ['scripts/build.mjs', '--tests']);
if (build.code !== 0) {
  console.log('Build failed.');
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exit(1);
}

// Every test process trusts the emulated tenant's CA (made once, kept in the ignored .emulator/ folder).
const caEnv = {};
if (existsSync('emulator/src/ensure-ca.ts')) {
  const ca = await run(process.execPath, ['--import', 'tsx', 'emulator/src/ensure-ca.ts']);
  const caPath = ca.output.trim().split('\n').pop();
  if (ca.code !== 0 || !caPath || !existsSync(caPath)) {
    console.log('Could not create the emulated tenant\'s CA.');
    console.log(`${passed} passed, ${failed + 1} failed`);
    process.exit(1);
  }
  caEnv.NODE_EXTRA_CA_CERTS = caPath;
}

// One unit test starts the test VS Code (npm start's password check). When the integration or E2E layer will install
// it anyway, it is installed before the unit layer, so that test runs on a fresh machine instead of skipping.
if (testLayers.includes('unit') && testLayers.some((l) => l === 'integration' || l === 'e2e')) {
  const { codeServerInstalled } = await import('./codeServer.mjs');
  if (!codeServerInstalled()) await run(process.execPath, ['scripts/install-code-server.mjs']);
}

for (const layer of testLayers) {
  let result;
  if (layer === 'unit' || layer === 'contract' || layer === 'reliability') {
    const dirs = layer === 'unit' ? ['test/unit', 'emulator/test', 'test/contract', 'test/reliability'] : [`test/${layer}`];
    const files = [...new Set(dirs.flatMap(findTests))];
    if (files.length === 0) continue;
    const r = await run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files], caEnv);
    const counts = countNodeTest(r.output);
    if (r.code !== 0 && counts.fail === 0) counts.fail = 1;
    result = counts;
  } else {
    const script = `test/${layer}/run.mjs`;
    if (!existsSync(script)) continue;
    const r = await run('node', [script]);
    const counts = countResultLine(r.output);
    if (r.code !== 0 && counts.fail === 0) counts.fail = 1;
    result = counts;
  }
  passed += result.pass;
  failed += result.fail;
  summary.push(`${layer}: ${result.pass} passed, ${result.fail} failed`);
}

finish();

function finish() {
  console.log('\n' + summary.join('\n'));
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 || passed === 0 ? 1 : 0);
}
