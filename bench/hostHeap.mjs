// The extension host's heap (issue 6, figure 6): bundles bench/host/heap.ts, starts the emulated tenant and
// code-server with the sample workspace, opens the workbench in headless Chromium with the extension under development
// (this checkout's dist/, built by bench/run.mjs) and the payload as `extensionTestsPath`, the way
// test/integration/run.mjs runs the integration suite, and waits for the payload's JSON result. Always stops
// code-server, Chromium and the emulator. Resolves to the figures, or `{ notMeasured: why }`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
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
      env: { ENTRA_BENCH_HEAP_RESULTS: resultsFile, ENTRA_BENCH_HEAP_SNAPSHOTS: base, ...(process.env.ENTRA_BENCH_HEAP_REFRESHES ? { ENTRA_BENCH_HEAP_REFRESHES: process.env.ENTRA_BENCH_HEAP_REFRESHES } : {}), ENTRA_EMULATOR: emulator.line, NODE_EXTRA_CA_CERTS: emulator.endpoints.caCertPath },
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
        if (r.done && !r.result) return { notMeasured: `the in-host payload failed: ${String(r.error).split('\n').slice(0, 3).join(' | ').slice(0, 400)}` };
        if (r.done) return { ...r.result, growth: snapshotGrowth(base) };
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

/** Self size and count per constructor (object), closure name, or kind, in a V8 heap snapshot. */
function byKind(file) {
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  const f = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [t, n, sz] = [f.indexOf('type'), f.indexOf('name'), f.indexOf('self_size')];
  const nodes = snap.nodes;
  const out = new Map();
  for (let i = 0; i < nodes.length; i += f.length) {
    const type = types[nodes[i + t]];
    const name = snap.strings[nodes[i + n]];
    const key = type === 'object' ? name : type === 'closure' ? `closure ${name || '(anonymous)'}` : type === 'string' || type === 'concatenated string' || type === 'sliced string' ? '(strings)' : `(${type}) ${type === 'array' || type === 'hidden' ? name : ''}`.trim();
    const e = out.get(key) ?? { count: 0, bytes: 0 };
    e.count++;
    e.bytes += nodes[i + sz];
    out.set(key, e);
  }
  return out;
}

/** What grew between the two snapshots of the later window, per refresh, largest first; undefined without snapshots. */
function snapshotGrowth(dir) {
  const files = readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot')).sort((a, b) => Number(/\d+/.exec(a)[0]) - Number(/\d+/.exec(b)[0]));
  if (files.length !== 2) return undefined;
  const [from, to] = files.map((f) => Number(/\d+/.exec(f)[0]));
  const a = byKind(join(dir, files[0]));
  const b = byKind(join(dir, files[1]));
  const refreshes = to - from;
  const rows = [];
  for (const [key, e] of b) {
    const before = a.get(key) ?? { count: 0, bytes: 0 };
    if (e.bytes > before.bytes) rows.push({ kind: key, bytesPerRefresh: Math.round(((e.bytes - before.bytes) / refreshes) * 10) / 10, countPerRefresh: Math.round(((e.count - before.count) / refreshes) * 100) / 100 });
  }
  rows.sort((x, y) => y.bytesPerRefresh - x.bytesPerRefresh);
  const total = [...b.values()].reduce((s, e) => s + e.bytes, 0) - [...a.values()].reduce((s, e) => s + e.bytes, 0);
  let retainers;
  try {
    retainers = newObjectRetainers(join(dir, files[0]), join(dir, files[1]), rows.slice(0, 3).map((r) => r.kind), refreshes);
  } catch (e) {
    retainers = { notMeasured: e instanceof Error ? e.message : String(e) };
  }
  return { fromRefresh: from, toRefresh: to, totalBytesPerRefresh: Math.round((total / refreshes) * 10) / 10, top: rows.slice(0, 10), retainers };
}

/** The kind key of a snapshot node, as byKind counts it. */
function kindOf(type, name) {
  return type === 'object' ? name : type === 'closure' ? `closure ${name || '(anonymous)'}` : type === 'string' || type === 'concatenated string' || type === 'sliced string' ? '(strings)' : `(${type}) ${type === 'array' || type === 'hidden' ? name : ''}`.trim();
}

/**
 * Objects of the given kinds that exist in the later snapshot and not in the earlier one (V8 keeps an object's id across
 * snapshots of one process), still there after a full GC — so something keeps them — and what keeps them: for each, the
 * chain of its retainers (strong edges, the first retainer each step, up to 4 steps), counted; the two most frequent of each kind.
 */
function newObjectRetainers(fileA, fileB, kinds, refreshes) {
  const idsOf = (snap) => {
    const f = snap.snapshot.meta.node_fields;
    const idAt = f.indexOf('id');
    const ids = new Set();
    for (let i = 0; i < snap.nodes.length; i += f.length) ids.add(snap.nodes[i + idAt]);
    return ids;
  };
  const before = idsOf(JSON.parse(readFileSync(fileA, 'utf8')));
  const snap = JSON.parse(readFileSync(fileB, 'utf8'));
  const meta = snap.snapshot.meta;
  const nf = meta.node_fields.length;
  const [tAt, nAt, idAt, ecAt] = ['type', 'name', 'id', 'edge_count'].map((k) => meta.node_fields.indexOf(k));
  const ef = meta.edge_fields.length;
  const [etAt, enAt, toAt] = ['type', 'name_or_index', 'to_node'].map((k) => meta.edge_fields.indexOf(k));
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const { nodes, edges, strings } = snap;
  const count = nodes.length / nf;
  // Reverse edges: for each node (by ordinal), its retainers (node ordinal, edge name), strong edges only.
  const retainedBy = Array.from({ length: count }, () => []);
  let e = 0;
  for (let n = 0; n < count; n++) {
    const ec = nodes[n * nf + ecAt];
    for (let k = 0; k < ec; k++, e += ef) {
      const type = edgeTypes[edges[e + etAt]];
      if (type === 'weak' || type === 'shortcut') continue;
      const to = edges[e + toAt] / nf;
      const nameOrIndex = edges[e + enAt];
      retainedBy[to].push([n, type === 'element' || type === 'hidden' ? `[${nameOrIndex}]` : String(strings[nameOrIndex] ?? nameOrIndex)]);
    }
  }
  const label = (n) => kindOf(nodeTypes[nodes[n * nf + tAt]], strings[nodes[n * nf + nAt]]);
  const chains = new Map();
  let found = 0;
  for (let n = 0; n < count; n++) {
    if (before.has(nodes[n * nf + idAt]) || !kinds.includes(label(n))) continue;
    found++;
    const steps = [];
    const seen = new Set([n]);
    for (let at = n, depth = 0; depth < 4; depth++) {
      const next = retainedBy[at].find(([r]) => !seen.has(r));
      if (!next) break;
      // Indices and numeric keys differ object by object: counted as one edge name.
      steps.push(`${/^\[?\d+\]?$/.test(next[1]) ? '[n]' : next[1]} of ${label(next[0])}`);
      seen.add(next[0]);
      at = next[0];
    }
    const key = `${label(n)} ← ${steps.join(' ← ') || '(no strong retainer)'}`;
    chains.set(key, (chains.get(key) ?? 0) + 1);
  }
  // The two most frequent chains of each kind (one kind's many objects would otherwise hide the others').
  const top = kinds.flatMap((k) =>
    [...chains]
      .filter(([chain]) => chain.startsWith(`${k} ← `))
      .sort((x, y) => y[1] - x[1])
      .slice(0, 2)
      .map(([chain, n]) => ({ chain, perRefresh: Math.round((n / refreshes) * 100) / 100 })),
  );
  return { newObjects: found, top };
}
