// Runs the E2E test files (test/e2e/**/*.e2e.ts, or the files given as arguments) with mocha (BDD) under tsx,
// saves a screenshot of every open workbench when a test fails, and prints `RESULT: N passed, N failed`.
// Secrets scan (issue 6): each workbench's temp folders are searched when it closes (support.ts); at the end the runner
// searches test-results/ (text logs; screenshots are binary images and skipped) and its own output for every secret and
// token the tenants issued during the run. It counts as one more test.
// Started by test/e2e/run.mjs, which first builds and makes sure the test VS Code is installed.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import Mocha from 'mocha';
import { scanRunForSecrets } from '../reliability/scan.mjs';
import { closeAll, RESULTS_DIR, screenshotOpenWorkbenches, secretsScan } from './support';

// The runner's own output, for the secrets scan.
let output = '';
for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream) as (...a: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    output += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('latin1');
    return write(chunk, ...rest);
  }) as typeof stream.write;
}

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
  const failedTests: { file: string; title: string; suite?: true }[] = [];
  try {
    await mocha.loadFilesAsync();
    await new Promise<void>((resolve) => {
      const runner = mocha.run(() => resolve());
      runner.on('pass', () => passed++);
      runner.on('fail', (test: Mocha.Runnable) => {
        failed++;
        // For run.mjs, which runs a failed test once more in a fresh workbench: its file and what selects it (a
        // failed hook selects its whole suite).
        const hook = (test as Mocha.Runnable & { type?: string }).type === 'hook' && test.parent !== undefined;
        failedTests.push({ file: test.file ?? '', title: hook ? test.parent!.fullTitle() : test.fullTitle(), ...(hook ? { suite: true } : {}) });
      });
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
  const title = 'no secret or token in the workspaces, user-data, logs, test-results or output (secrets scan)';
  let scanFailed = false;
  try {
    const r = await scanRunForSecrets({
      issued: secretsScan.issued,
      dirs: existsSync(RESULTS_DIR) ? [RESULTS_DIR] : [],
      texts: [{ name: 'E2E runner output', text: output }],
    });
    for (const s of secretsScan.summaries) console.log(`  secrets scan, ${s}`);
    console.log(`  secrets scan, test-results and runner output: ${r.summary}`);
    const hits = [...secretsScan.hits, ...r.hits.map((h) => `${h} (test-results/runner output)`)];
    console.log(`  ${hits.length ? '✘' : '✔'} ${title}`);
    for (const h of hits) console.log(`      found: ${h}`);
    if (hits.length) scanFailed = true;
  } catch (err) {
    console.log(`  ✘ ${title}\n      the scan could not run: ${err instanceof Error ? err.message : String(err)}`);
    scanFailed = true;
  }
  console.log(`E2E-SUMMARY ${JSON.stringify({ passed, failed, failedTests, scanFailed })}`);
  if (scanFailed) failed++;
  else passed++;
  console.log(`RESULT: ${passed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}

void main();
