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
const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'e2e', 'runner.ts'), ...process.argv.slice(2)], {
  cwd: ROOT,
  stdio: 'inherit',
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => {
  if (code === null) {
    console.log(`The E2E runner was stopped (${signal}).`);
    console.log('RESULT: 0 passed, 1 failed');
  }
  process.exit(code ?? 1);
});
