// The extension host's heap (issue 6, figure 6): bundles bench/host/heap.ts, starts the emulated tenant and
// code-server with the sample workspace, opens the workbench in headless Chromium with the extension under development
// (this checkout's dist/, built by bench/run.mjs) and the payload as `extensionTestsPath`, the way
// test/integration/run.mjs runs the integration suite, and waits for the payload's JSON result. Always stops
// code-server, Chromium and the emulator. Resolves to the figures, or `{ notMeasured: why }`.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import {
  CHROMIUM,
  CHROMIUM_ARGS,
  codeServerInstalled,
  copySampleWorkspace,
  makeTempDir,
  removeDir,
  seedUserSettings,
  startCodeServer,
  startEmulatorProcess,
  workbenchUrl,
} from '../scripts/codeServer.mjs';

const LIMIT_MS = Number(process.env.ENTRA_BENCH_HEAP_TIMEOUT_MS ?? 420_000);

export async function measureHostHeap({ say, root }) {
  if (!codeServerInstalled()) return { notMeasured: 'the test VS Code is not installed (npm run install:vscode)' };
  if (!existsSync(CHROMIUM)) return { notMeasured: `no Chromium at ${CHROMIUM}` };
  if (!existsSync(join(root, 'dist', 'extension.js'))) return { notMeasured: 'dist/extension.js is missing (npm run build)' };
  const base = makeTempDir('entra-bench-heap-');
  const resultsFile = join(base, 'heap.json');
  let emulator;
  let server;
  let browser;
  try {
    const payload = join(base, 'payload', 'heap.js');
    await esbuild.build({ absWorkingDir: root, entryPoints: [join(root, 'bench', 'host', 'heap.ts')], outfile: payload, bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'], logLevel: 'silent' });

    say(`extension host heap (code-server, a full setup + ${process.env.ENTRA_BENCH_HEAP_REFRESHES ?? 300} Connectors-view refreshes, up to ${LIMIT_MS / 1000} s)…`);
    emulator = await startEmulatorProcess();
    if (!emulator) return { notMeasured: 'no emulated tenant in this checkout (emulator/src/cli.ts)' };
    const workspaceDir = copySampleWorkspace(base);
    seedUserSettings(join(base, 'user-data'), emulator.endpoints);
    server = await startCodeServer({
      baseDir: base,
      env: { ENTRA_BENCH_HEAP_RESULTS: resultsFile, ...(process.env.ENTRA_BENCH_HEAP_REFRESHES ? { ENTRA_BENCH_HEAP_REFRESHES: process.env.ENTRA_BENCH_HEAP_REFRESHES } : {}), ENTRA_EMULATOR: emulator.line, NODE_EXTRA_CA_CERTS: emulator.endpoints.caCertPath },
      log: process.env.ENTRA_BENCH_VERBOSE ? (s) => process.stderr.write(s) : undefined,
    });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(workbenchUrl(server, { folder: workspaceDir, extensionDevelopmentPath: root, extensionTestsPath: payload }), { waitUntil: 'domcontentloaded', timeout: 120_000 });
    const deadline = Date.now() + LIMIT_MS;
    for (;;) {
      if (existsSync(resultsFile)) {
        const r = JSON.parse(readFileSync(resultsFile, 'utf8'));
        if (r.done) return r.result ?? { notMeasured: `the in-host payload failed: ${String(r.error).split('\n').slice(0, 3).join(' | ').slice(0, 400)}` };
      }
      if (Date.now() > deadline) return { notMeasured: `no result from the extension host within ${LIMIT_MS / 1000} s (set ENTRA_BENCH_HEAP_TIMEOUT_MS)` };
      await new Promise((r) => setTimeout(r, 500));
    }
  } catch (e) {
    return { notMeasured: `failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` };
  } finally {
    await browser?.close().catch(() => {});
    await server?.stop().catch(() => {});
    await emulator?.stop().catch(() => {});
    removeDir(base);
  }
}
