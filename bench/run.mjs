// `npm run bench`: measures speed and memory the same way every time, prints one JSON summary on stdout and rewrites
// BENCHMARKS.md (figures, method, machine, date). Not part of `npm test`. A figure that cannot be measured here is
// printed as "not measured" with the reason — never an estimate. Each figure a user feels is measured beside its floor
// in the same run, interleaved, and reported as a ratio (the machine is shared: absolute times say little).
//   node bench/run.mjs                 everything (≈ 10 min on 2 busy cores)
//   node bench/run.mjs --no-write      print the JSON only, leave BENCHMARKS.md alone
//   node bench/run.mjs --only <figure> one figure: setup, connection, tree, check, activation, first-paint, diagnostics, host-heap;
//                                      its figures replace those in bench/last-run.json (the previous run's summary) and
//                                      BENCHMARKS.md is re-rendered from it, saying which figures are from which run
// ENTRA_BENCH_RUNS (default 10): runs per VS Code figure (each with its floor).
// Every full run also writes its summary to bench/last-run.json.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import * as esbuild from 'esbuild';
import { CODE_SERVER_DIR } from '../scripts/codeServer.mjs';
import { LAZY_HOST_FILES, lazyHostFiles, vscodeOnce } from '../scripts/lazyHost.mjs';

const ROOT = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const write = !process.argv.includes('--no-write');
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt > 0 ? process.argv[onlyAt + 1] : undefined;
const ONLY = ['setup', 'connection', 'tree', 'check', 'activation', 'first-paint', 'diagnostics', 'host-heap'];
if (onlyAt > 0 && !ONLY.includes(only)) {
  console.error(`bench: --only takes one of: ${ONLY.join(', ')}`);
  process.exit(2);
}
const LAST_RUN = join(ROOT, 'bench', 'last-run.json');
const say = (s) => process.stderr.write(`bench: ${s}\n`);
const round = (n, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function run(cmd, args, env = {}) {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - t0 }));
  });
}

function vscodeVersion() {
  const p = join(CODE_SERVER_DIR, 'node_modules', 'code-server', 'lib', 'vscode', 'package.json');
  if (!existsSync(p)) return 'not installed (npm run install:vscode)';
  const cs = JSON.parse(readFileSync(join(CODE_SERVER_DIR, 'node_modules', 'code-server', 'package.json'), 'utf8')).version;
  return `${JSON.parse(readFileSync(p, 'utf8')).version} (code-server ${cs})`;
}

// ---- bundles: production build into a temp folder (the repo's dist/ is left alone) -------------------------------
const jsoncEsm = {
  name: 'jsonc-parser-esm',
  setup(build) {
    build.onResolve({ filter: /^jsonc-parser$/ }, () => ({ path: join(ROOT, 'node_modules/jsonc-parser/lib/esm/main.js') }));
  },
};

async function bundles(out) {
  const common = { absWorkingDir: ROOT, bundle: true, minify: true, metafile: true, logLevel: 'silent', legalComments: 'none', plugins: [jsoncEsm], define: { 'process.env.NODE_ENV': '"production"' } };
  // As scripts/build.mjs splits it: extension.js is what activation loads; features.js and signIn.js load on first use.
  const host = await esbuild.build({ ...common, entryPoints: { extension: 'src/extension.ts', ...Object.fromEntries(LAZY_HOST_FILES.map((l) => [l.file, l.entry])) }, outdir: out, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'], plugins: [...common.plugins, lazyHostFiles, vscodeOnce], supported: { 'dynamic-import': false } });
  const cli = await esbuild.build({ ...common, entryPoints: { cli: 'src/cli/main.ts' }, outdir: out, platform: 'node', format: 'cjs', target: 'node20' });
  const web = await esbuild.build({ ...common, entryPoints: { 'webview/main': 'webview-ui/main.ts' }, outdir: out, platform: 'browser', format: 'esm', target: 'es2022' });
  const size = (f) => statSync(join(out, f)).size;
  return { host: host.metafile, cli: cli.metafile, web: web.metafile, sizes: { 'extension.js': size('extension.js'), ...Object.fromEntries(LAZY_HOST_FILES.map((l) => [`${l.file}.js`, size(`${l.file}.js`)])), 'cli.js': size('cli.js'), 'webview/main.js': size('webview/main.js') } };
}

/**
 * What activate() can reach without a dynamic import(): the inputs reachable from src/extension.ts over static
 * edges (import statements and require calls) in the esbuild metafile. MSAL and the Graph client must not be among them.
 */
function eagerGraph(meta) {
  const inputs = meta.inputs;
  const entry = Object.keys(inputs).find((k) => k.endsWith('src/extension.ts'));
  const seen = new Set([entry]);
  const via = new Map();
  const queue = [entry];
  while (queue.length) {
    const cur = queue.shift();
    for (const imp of inputs[cur]?.imports ?? []) {
      if (imp.external || imp.kind === 'dynamic-import' || seen.has(imp.path)) continue;
      seen.add(imp.path);
      via.set(imp.path, cur);
      queue.push(imp.path);
    }
  }
  /** The static import chain from the entry to the first module of a package (why it loads at activation). */
  const chainTo = (needle) => {
    let k = [...seen].find((x) => x.includes(needle));
    const chain = [];
    while (k) {
      chain.unshift(k.replace(/^.*node_modules\//, ''));
      k = via.get(k);
    }
    return chain.length ? chain : undefined;
  };
  const pkg = (p) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(p)?.[1];
  const bytes = (set) => [...set].reduce((n, k) => n + (inputs[k]?.bytes ?? 0), 0);
  const all = new Set(Object.keys(inputs));
  const lazy = new Set([...all].filter((k) => !seen.has(k)));
  const packages = (set) => [...new Set([...set].map(pkg).filter(Boolean))].sort();
  return {
    eagerModules: seen.size,
    eagerSourceBytes: bytes(seen),
    eagerPackages: packages(seen),
    lazyModules: lazy.size,
    lazySourceBytes: bytes(lazy),
    lazyPackages: packages(lazy),
    msalEager: [...seen].some((k) => k.includes('@azure/msal')),
    graphClientEager: [...seen].some((k) => k.includes('@microsoft/microsoft-graph-client')),
    msalChain: chainTo('@azure/msal'),
    graphClientChain: chainTo('@microsoft/microsoft-graph-client'),
  };
}

async function buildDist() {
  if (process.env.ENTRA_SKIP_BUILD) return;
  // What users install: the production build (minified), as `npm run package` packages it.
  say('npm run build:prod (the extension VS Code loads, as packaged)…');
  const built = await run(process.execPath, ['scripts/build.mjs', '--production']);
  if (built.code !== 0) throw new Error(`build failed:\n${built.stderr}`);
}

async function hostHeap() {
  const { measureHostHeap } = await import('./hostHeap.mjs');
  const r = await measureHostHeap({ say, root: ROOT });
  return r.notMeasured ? { heapNotMeasured: r.notMeasured } : { hostHeapMb: r };
}

/** bench/measures.ts (plain Node against the emulated tenant) for the given parts. */
async function measures(caPath, parts) {
  const m = await run(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/measures.ts', ...parts], { NODE_EXTRA_CA_CERTS: caPath });
  if (m.code !== 0) throw new Error(`bench/measures.ts failed:\n${m.stderr}`);
  return JSON.parse(m.stdout.trim().split('\n').pop());
}

async function vscodeFigures(caPath, which) {
  await buildDist();
  process.env.ENTRA_BENCH_VSCODE = which.join(',');
  return import('./vscode.mjs').then((mod) => mod.measureInVsCode({ say, caPath, root: ROOT })).catch((e) => ({ notMeasured: e instanceof Error ? e.message : String(e) }));
}

const wants = (figure) => !only || only === figure;
const started = Date.now();
const summary = {
  date: new Date().toISOString(),
  machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memoryGb: round(totalmem() / 1024 ** 3, 1), node: process.version, vscode: vscodeVersion(), platform: `${process.platform} ${process.arch}` },
  vscode: {},
};

const ca = spawnSync(process.execPath, ['--import', 'tsx', 'emulator/src/ensure-ca.ts'], { cwd: ROOT, encoding: 'utf8' });
const caPath = ca.stdout.trim().split('\n').pop();
if (ca.status !== 0 || !caPath) {
  console.error(`bench: could not create the emulated tenant's CA:\n${ca.stderr}`);
  process.exit(1);
}

const out = mkdtempSync(join(tmpdir(), 'entra-bench-dist-'));
try {
  if (wants('check') || wants('activation') || wants('first-paint')) {
    say('production bundles…');
    const b = await bundles(out);
    summary.bundles = { bytes: b.sizes, activation: eagerGraph(b.host) };
    if (wants('activation')) {
      // The activation bundle's own loading (compile + top level) in a plain Node process, each run a new process.
      const loads = [];
      for (let i = 0; i < 11; i++) {
        const r = await run(process.execPath, [join(ROOT, 'bench/loadBundle.cjs'), join(out, 'extension.js')]);
        if (r.code === 0) loads.push(JSON.parse(r.stdout).loadMs);
      }
      if (loads.length) summary.bundles.plainNodeLoadMs = { median: round(median(loads), 2), min: round(Math.min(...loads), 2), max: round(Math.max(...loads), 2), runs: loads.length };
    }
  }
  if (wants('check')) {
    say('entra-connector check over the corpus (3 runs)…');
    const corpus = 'test/fixtures/connectors/corpus';
    const runs = [];
    let files = 0;
    for (let i = 0; i < 3; i++) {
      const r = await run(process.execPath, [join(out, 'cli.js'), 'check', corpus, '--json']);
      if (r.code !== 0 && r.code !== 1) throw new Error(`check exited ${r.code}: ${r.stderr}`);
      files = JSON.parse(r.stdout).summary.files;
      runs.push(r.ms);
    }
    summary.check = { corpus, files, totalMsMedian: round(median(runs)), filesPerSecond: round(files / (median(runs) / 1000)), runs: runs.length };
  }
  // The plain-Node figures (round trips, CPU time, heap) and the extension host's heap run side by side: none of them is
  // a wall-time ratio. The VS Code figures that are ratios to a floor run after, alone.
  const parts = ['setup', 'connection', 'tree', 'check', 'diagnostics'].filter(wants);
  const plain = parts.length
    ? (say(`plain Node against the emulated tenant: ${parts.join(', ')}…`), measures(caPath, parts))
    : Promise.resolve({});
  // The extension host's own heap: a separate code-server session with an in-host payload (bench/host/heap.ts).
  const heap = wants('host-heap')
    ? buildDist().then(() => hostHeap()).catch((e) => ({ heapNotMeasured: `failed: ${e instanceof Error ? e.message : String(e)}` }))
    : Promise.resolve({});
  const [measured, heapFigures] = await Promise.all([plain, heap]);
  if (measured.setup) summary.setup = measured.setup;
  if (measured.connection) summary.connection = measured.connection;
  if (measured.tree) summary.tree = measured.tree;
  if (measured.memory) summary.memory = measured.memory;
  if (measured.checkPerFile) summary.check.perFile = measured.checkPerFile;
  if (measured.diagnosticsCompute) summary.diagnosticsCompute = measured.diagnosticsCompute;
  Object.assign(summary.vscode, heapFigures);
  const inVsCode = ['first-paint', 'diagnostics', 'activation'].filter(wants);
  if (inVsCode.length) Object.assign(summary.vscode, await vscodeFigures(caPath, inVsCode));
} finally {
  rmSync(out, { recursive: true, force: true });
}
summary.benchSeconds = round((Date.now() - started) / 1000);

let written = summary;
if (only) {
  // One figure: its values replace the previous run's, the rest stays as measured then.
  if (!existsSync(LAST_RUN)) {
    console.log(JSON.stringify(summary, null, 2));
    say('no bench/last-run.json (run the whole bench once); BENCHMARKS.md left alone');
    process.exit(0);
  }
  const last = JSON.parse(readFileSync(LAST_RUN, 'utf8'));
  const { date, machine, benchSeconds, vscode, ...rest } = summary;
  written = { ...last, ...rest, vscode: { ...(last.vscode ?? {}), ...vscode }, partial: { ...(last.partial ?? {}), [only]: { date, benchSeconds } } };
  void machine;
}
console.log(JSON.stringify(written, null, 2));
if (write) {
  writeFileSync(LAST_RUN, `${JSON.stringify(written, null, 2)}\n`);
  const { renderMarkdown } = await import('./markdown.mjs');
  writeFileSync(join(ROOT, 'BENCHMARKS.md'), renderMarkdown(written));
  say(`wrote ${relative(process.cwd(), join(ROOT, 'BENCHMARKS.md')) || 'BENCHMARKS.md'}`);
}
