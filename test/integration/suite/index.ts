// The in-host test runner: VS Code loads this module as `extensionTestsPath` inside the extension host and calls
// run(). It runs mocha (BDD: describe/it) over every compiled `*.test.js` next to it and, when the launcher
// gives ENTRA_TEST_RESULTS, writes the results there as JSON for test/integration/run.mjs to print.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export interface IntegrationTestResult {
  readonly title: string;
  readonly state: 'passed' | 'failed';
  readonly durationMs?: number;
  readonly error?: string;
}

function findTests(dir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findTests(full));
    else if (entry.name.endsWith('.test.js')) found.push(full);
  }
  return found.sort();
}

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 30_000, reporter: 'spec' });
  const grep = process.env.ENTRA_TEST_GREP;
  if (grep) mocha.grep(grep);
  for (const file of findTests(__dirname)) mocha.addFile(file);

  const results: IntegrationTestResult[] = [];
  const resultsFile = process.env.ENTRA_TEST_RESULTS;
  const write = (done: boolean, fatal?: string) => {
    if (!resultsFile) return;
    fs.writeFileSync(resultsFile + '.tmp', JSON.stringify({ done, fatal, results }, null, 2));
    fs.renameSync(resultsFile + '.tmp', resultsFile);
  };

  let failures: number;
  try {
    failures = await new Promise<number>((resolve) => {
      const runner = mocha.run(resolve);
      // Written after every test too, so that a launcher that times out can say how far the suite got.
      runner.on('pass', (t) => {
        results.push({ title: t.fullTitle(), state: 'passed', durationMs: t.duration });
        write(false);
      });
      runner.on('fail', (t, err: Error) => {
        results.push({ title: t.fullTitle(), state: 'failed', error: err?.stack ?? String(err) });
        write(false);
      });
    });
  } catch (err) {
    write(true, err instanceof Error ? (err.stack ?? err.message) : String(err));
    throw err;
  }
  write(true);
  if (failures > 0) throw new Error(`${failures} integration test(s) failed.`);
}
