// Runs the integration suite INSIDE a real VS Code extension host (code-server 4.100.3 = VS Code 1.100.3):
// builds, starts the emulated tenant (when the checkout has one), starts code-server with a fresh user-data-dir and a
// temp copy of the sample workspace, opens the workbench in headless Chromium with `extensionDevelopmentPath` and
// `extensionTestsPath` in the URL payload, waits for the in-host mocha runner (suite/index.ts) to write its results,
// prints them and `RESULT: N passed, N failed`. Then the secrets scan (issue 6): every client secret and token/code the
// emulated tenant issued during the run (its GET /admin/issued), and anything token-shaped, is searched for in every
// file under the temp base (workspace, user-data with its logs, the results file) and in code-server's output and the
// workbench console; it counts as one more test (a hit fails it, naming the file, never the secret).
// Always stops code-server and the emulator.
// Env: ENTRA_INTEGRATION_TIMEOUT_MS (default 600000), ENTRA_TEST_GREP (mocha grep), ENTRA_TEST_VERBOSE=1 (echo logs),
//      ENTRA_SKIP_BUILD=1 (reuse out/ and dist/), ENTRA_CODE_SERVER_DIR (where the test VS Code is cached).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  CHROMIUM,
  CHROMIUM_ARGS,
  ROOT,
  copySampleWorkspace,
  ensureCodeServer,
  makeTempDir,
  removeDir,
  requirePrerequisites,
  seedUserSettings,
  startCodeServer,
  startEmulatorProcess,
  workbenchUrl,
} from '../../scripts/codeServer.mjs';
import { scanRunForSecrets } from '../reliability/scan.mjs';

const TIMEOUT_MS = Number(process.env.ENTRA_INTEGRATION_TIMEOUT_MS || 600_000);
const verbose = process.env.ENTRA_TEST_VERBOSE === '1';
const say = (msg) => console.log(`[integration] ${msg}`);

requirePrerequisites(['chromium']);
ensureCodeServer();

if (process.env.ENTRA_SKIP_BUILD !== '1') {
  const b = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--tests'], { cwd: ROOT, stdio: 'inherit' });
  if (b.status !== 0) {
    console.log('Build failed.');
    console.log('RESULT: 0 passed, 1 failed');
    process.exit(1);
  }
}
const testsModule = join(ROOT, 'out', 'test', 'integration', 'suite', 'index.js');
if (!existsSync(testsModule)) {
  console.log(`No compiled in-host runner at ${testsModule}; was the build run with --tests?`);
  console.log('RESULT: 0 passed, 1 failed');
  process.exit(1);
}

const base = makeTempDir('entra-integration-');
const resultsFile = join(base, 'results.json');
let emulator;
let server;
let browser;
const hostLog = [];
let exitCode = 1;

async function cleanup() {
  await browser?.close().catch(() => {});
  await server?.stop().catch(() => {});
  await emulator?.stop().catch(() => {});
  removeDir(base);
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    void cleanup().finally(() => process.exit(130));
  });
}

function extensionHostLogs() {
  const logsDir = join(base, 'user-data', 'logs');
  const out = [];
  const walk = (d) => {
    if (!existsSync(d)) return;
    for (const n of readdirSync(d)) {
      const f = join(d, n);
      if (statSync(f).isDirectory()) walk(f);
      else if (/(remoteexthost|exthost|Entra Connector)\.log$/.test(n)) out.push(f);
    }
  };
  walk(logsDir);
  return out.map((f) => `--- ${f.slice(base.length + 1)}\n${readFileSync(f, 'utf8').slice(-4000)}`).join('\n');
}

const SCAN_TITLE = 'no secret or token in the workspace, user-data, logs, results or output (secrets scan)';

/**
 * Stops the browser and code-server (so every log is flushed), then scans the whole temp base and the captured output.
 * SecretStorage is not under the base: code-server's workbench keeps it in the browser's localStorage
 * ("secrets.provider"), AES-sealed with a key half of which only `user-data/serve-web-key-half` (random bytes) is on
 * this side, so nothing needs excluding here. Returns 1 when the scan found something or could not run, else 0.
 */
async function secretsScan() {
  await browser?.close().catch(() => {});
  await server?.stop().catch(() => {});
  try {
    const { hits, summary } = await scanRunForSecrets({
      emulator: emulator?.endpoints,
      dirs: [base],
      texts: [
        { name: 'code-server output', text: server?.output() ?? '' },
        { name: 'workbench console', text: hostLog.join('\n') },
      ],
    });
    say(`secrets scan: ${summary}`);
    console.log(`  ${hits.length ? '✘' : '✔'} ${SCAN_TITLE}`);
    for (const h of hits) console.log(`      found: ${h}`);
    return hits.length ? 1 : 0;
  } catch (err) {
    console.log(`  ✘ ${SCAN_TITLE}\n      the scan could not run: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

try {
  emulator = await startEmulatorProcess({ log: verbose ? (s) => process.stderr.write(s) : undefined });
  say(emulator ? `emulated tenant at ${emulator.endpoints.loginEndpoint}` : 'no emulated tenant in this checkout; running without it');

  const workspaceDir = copySampleWorkspace(base);
  seedUserSettings(join(base, 'user-data'), emulator?.endpoints);
  const env = {
    ENTRA_TEST_RESULTS: resultsFile,
    ...(emulator ? { ENTRA_EMULATOR: emulator.line, NODE_EXTRA_CA_CERTS: emulator.endpoints.caCertPath } : {}),
    ...(process.env.ENTRA_TEST_GREP ? { ENTRA_TEST_GREP: process.env.ENTRA_TEST_GREP } : {}),
  };
  server = await startCodeServer({ baseDir: base, env, log: verbose ? (s) => process.stderr.write(s) : undefined });
  say(`code-server at ${server.url}`);

  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('console', (m) => {
    const text = m.text();
    hostLog.push(text);
    if (verbose) console.log(`  [workbench] ${text}`);
  });
  page.on('pageerror', (e) => hostLog.push(`pageerror: ${e.message}`));
  const url = workbenchUrl(server, { folder: workspaceDir, extensionDevelopmentPath: ROOT, extensionTestsPath: testsModule });
  // Generous: on a busy 2-core machine code-server's first page load alone can take half a minute.
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 120_000 });
  await page.waitForSelector('.monaco-workbench', { timeout: 120_000 });
  say('workbench open; waiting for the in-host suite…');

  const deadline = Date.now() + TIMEOUT_MS;
  let report;
  while (!report) {
    if (existsSync(resultsFile)) {
      const r = JSON.parse(readFileSync(resultsFile, 'utf8'));
      if (r.done) report = r;
    }
    if (!report) {
      if (Date.now() > deadline) {
        const partial = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')).results : [];
        for (const t of partial) console.log(`  ${t.state === 'passed' ? '✔' : '✘'} ${t.title}`);
        throw new Error(
          `Timed out after ${TIMEOUT_MS / 1000}s waiting for the integration suite to finish inside the extension host ` +
            `(${partial.length} test(s) had finished; set ENTRA_INTEGRATION_TIMEOUT_MS to wait longer).`,
        );
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  const passed = report.results.filter((t) => t.state === 'passed');
  const failed = report.results.filter((t) => t.state === 'failed');
  for (const t of report.results) {
    console.log(`  ${t.state === 'passed' ? '✔' : '✘'} ${t.title}${t.durationMs !== undefined ? ` (${t.durationMs} ms)` : ''}`);
    if (t.error) console.log(t.error.split('\n').map((l) => `      ${l}`).join('\n'));
  }
  let failures = failed.length;
  if (report.fatal) {
    console.log(`The in-host runner failed: ${report.fatal}`);
    failures = Math.max(failures, 1);
  }
  if (report.results.length === 0) {
    console.log('No integration test ran.');
    failures = Math.max(failures, 1);
  }
  if (failures > 0) {
    console.log(extensionHostLogs());
    if (!verbose) console.log(hostLog.slice(-20).map((l) => `  [workbench] ${l}`).join('\n'));
  }
  const scanFailed = await secretsScan();
  failures += scanFailed;
  console.log(`RESULT: ${passed.length + 1 - scanFailed} passed, ${failures} failed`);
  exitCode = failures > 0 ? 1 : 0;
} catch (err) {
  console.log(`Integration run failed: ${err instanceof Error ? err.message : String(err)}`);
  console.log(extensionHostLogs());
  console.log(hostLog.slice(-20).map((l) => `  [workbench] ${l}`).join('\n'));
  const scanFailed = await secretsScan();
  console.log(`RESULT: 0 passed, ${1 + scanFailed} failed`);
  exitCode = 1;
} finally {
  await cleanup();
}
process.exit(exitCode);
