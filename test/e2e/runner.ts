// Runs the E2E test files (test/e2e/**/*.e2e.ts, or the files given as arguments) with mocha (BDD) under tsx,
// saves a screenshot of every open workbench when a test fails, and prints `RESULT: N passed, N failed`.
// Started by test/e2e/run.mjs, which first builds and makes sure the test VS Code is installed.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import Mocha from 'mocha';
import { closeAll, screenshotOpenWorkbenches } from './support';

function findE2e(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...findE2e(full));
    else if (name.endsWith('.e2e.ts')) out.push(full);
  }
  return out.sort();
}

const files = process.argv.length > 2 ? process.argv.slice(2) : findE2e(__dirname);
const mocha = new Mocha({
  ui: 'bdd',
  timeout: 180_000,
  reporter: 'spec',
  rootHooks: {
    async afterEach(this: Mocha.Context) {
      const test = this.currentTest;
      if (test?.state !== 'failed') return;
      for (const file of await screenshotOpenWorkbenches(test.fullTitle())) {
        console.log(`      screenshot: ${relative(process.cwd(), file)}`);
      }
    },
  },
});
const grep = process.env.ENTRA_TEST_GREP;
if (grep) mocha.grep(grep);
for (const f of files) mocha.addFile(f);

// A function rather than top-level await: .ts files here load as CommonJS.
async function main(): Promise<void> {
  let passed = 0;
  let failed = 0;
  try {
    await mocha.loadFilesAsync();
    await new Promise<void>((resolve) => {
      const runner = mocha.run(() => resolve());
      runner.on('pass', () => passed++);
      runner.on('fail', () => failed++);
    });
  } catch (err) {
    console.log(`E2E run failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    failed = Math.max(failed, 1);
  }
  await closeAll();
  if (passed + failed === 0) {
    console.log('No E2E test ran.');
    failed = 1;
  }
  console.log(`RESULT: ${passed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}

void main();
