import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build, type Metafile } from 'esbuild';

/**
 * VS Code's start must not pay for sign-in, Graph, the rule table or the trees: MSAL, the Graph client, the rules
 * and the tree's code may only be reached from activate() through a dynamic import(), so the bundle initialises them
 * on first use. This walks the host bundle's static import graph from src/extension.ts and names the chain when one
 * of them is reachable.
 */
async function staticGraph(): Promise<{ reachable: Set<string>; via: Map<string, string>; bytes: number }> {
  const result = await build({
    entryPoints: ['src/extension.ts'],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    external: ['vscode'],
    metafile: true,
    write: false,
    logLevel: 'silent',
  });
  const inputs = (result.metafile as Metafile).inputs;
  const entry = 'src/extension.ts';
  const reachable = new Set([entry]);
  const via = new Map<string, string>();
  const queue = [entry];
  while (queue.length > 0) {
    const current = queue.shift() as string;
    for (const imported of inputs[current]?.imports ?? []) {
      if (imported.external || imported.kind === 'dynamic-import' || reachable.has(imported.path)) continue;
      reachable.add(imported.path);
      via.set(imported.path, current);
      queue.push(imported.path);
    }
  }
  const bytes = [...reachable].reduce((n, p) => n + (inputs[p]?.bytes ?? 0), 0);
  return { reachable, via, bytes };
}

function chain(via: Map<string, string>, start: string): string {
  const steps = [start];
  for (let at = via.get(start); at; at = via.get(at)) steps.unshift(at);
  return steps.join(' → ');
}

const LAZY = [
  ['MSAL', 'node_modules/@azure/msal-node/'],
  ['the Graph client', 'node_modules/@microsoft/microsoft-graph-client/'],
  ['the rule table', 'src/connector/rules.ts'],
  ["the tree's code", 'src/vscode/tree/'],
  ["the tree's health model", 'src/registrations/health.ts'],
  ['the wizard panel', 'src/vscode/wizard/'],
] as const;

test('activate() reaches neither MSAL, the Graph client, the rule table nor the tree code through static imports', async () => {
  const { reachable, via } = await staticGraph();
  assert.ok(reachable.has('src/vscode/auth/index.ts'), 'the walk follows the static imports from src/extension.ts');
  for (const [name, path] of LAZY) {
    const hit = [...reachable].find((p) => p.includes(path));
    assert.equal(hit, undefined, hit ? `${name} is loaded at activation: ${chain(via, hit)}` : '');
  }
});

test('what activate() loads eagerly is at most 150 KiB of source', async () => {
  const { bytes, reachable } = await staticGraph();
  assert.ok(bytes <= 150 * 1024, `${(bytes / 1024).toFixed(1)} KiB in ${reachable.size} modules load at activation (limit 150 KiB)`);
});
