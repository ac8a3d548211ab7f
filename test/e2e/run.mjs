// Runs the end-to-end tests: a real VS Code (code-server) with the extension installed, in Debian's Chromium driven
// by playwright-core. Builds, makes sure the test VS Code is installed, then runs test/e2e/runner.ts under tsx
// (mocha over test/e2e/**/*.e2e.ts, or the files given as arguments). Prints `RESULT: N passed, N failed`.
// Env: ENTRA_SKIP_BUILD=1 (reuse dist/), ENTRA_TEST_GREP (mocha grep), ENTRA_UPDATE_SCREENSHOTS=1 (README images).
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, ensureCodeServer, requirePrerequisites } from '../../scripts/codeServer.mjs';

requirePrerequisites(['chromium']);
ensureCodeServer();
if (process.env.ENTRA_SKIP_BUILD !== '1') {
  const b = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  if (b.status !== 0) {
    console.log('Build failed.');
    console.log('RESULT: 0 passed, 1 failed');
    process.exit(1);
  }
}
/** Runs test/e2e/runner.ts once, echoing its output; resolves with its summary (undefined when it printed none). */
function runOnce(files, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'e2e', 'runner.ts'), ...files], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['inherit', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk.toString('utf8');
      process.stdout.write(chunk);
    });
    const stop = (sig) => child.kill(sig);
    for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, stop);
    child.on('exit', (code, signal) => {
      for (const sig of ['SIGINT', 'SIGTERM']) process.off(sig, stop);
      if (code === null) console.log(`The E2E runner was stopped (${signal}).`);
      const line = [...out.matchAll(/^E2E-SUMMARY (.*)$/gm)].pop();
      resolve(code === null || !line ? undefined : JSON.parse(line[1]));
    });
  });
}

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const first = await runOnce(process.argv.slice(2));
let result = first && { passed: first.passed + (first.scanFailed ? 0 : 1), failed: first.failed + (first.scanFailed ? 1 : 0) };
// A test that failed is run once more, alone, in a fresh workbench with a fresh tenant (its first failure — the
// screenshot, the notifications, the extension's log — stays above in the output). It passes only if that run
// passes; a test that fails twice fails the run. Not when the run failed for another reason (a file that did not
// load, the secrets scan) or when many tests failed: then something is broken, not slow.
if (first && first.failed > 0 && !first.scanFailed && first.failedTests.length === first.failed && first.failed <= 3) {
  const titles = first.failedTests.map((t) => t.title);
  console.log(`\nRunning ${titles.length} failed E2E test(s) once more, in a fresh workbench:\n${titles.map((t) => `  - ${t}`).join('\n')}\n`);
  const files = [...new Set(first.failedTests.map((t) => t.file))];
  const again = await runOnce(files, { ENTRA_TEST_GREP: first.failedTests.map((t) => `^${escape(t.title)}${t.suite ? ' ' : '$'}`).join('|') });
  const passedAgain = again?.passed ?? 0;
  const failedAgain = !again ? titles.length : again.failed + (again.scanFailed ? 1 : 0) + (again.passed + again.failed === 0 ? titles.length : 0);
  result = { passed: first.passed + 1 + passedAgain, failed: failedAgain };
  console.log(`E2E: ${first.failed} test(s) failed the first time; run again: ${passedAgain} passed, ${failedAgain} failed.`);
}
if (!result) result = { passed: 0, failed: 1 };
console.log(`RESULT: ${result.passed} passed, ${result.failed} failed`);
process.exit(result.failed > 0 ? 1 : 0);
