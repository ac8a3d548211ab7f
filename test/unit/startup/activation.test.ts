import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build, type Metafile } from 'esbuild';

/**
 * VS Code's start must not pay for sign-in or Graph: MSAL and the Graph client may only be reached from activate()
 * through a dynamic import(), so the bundle initialises them on first use. This walks the host bundle's static
 * import graph from src/extension.ts and names the chain when a heavy package is reachable.
 */
async function staticGraph(): Promise<{ reachable: Set<string>; via: Map<string, string> }> {
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
  return { reachable, via };
}

function chain(via: Map<string, string>, start: string): string {
  const steps = [start];
  for (let at = via.get(start); at; at = via.get(at)) steps.unshift(at);
  return steps.join(' → ');
}

test('activate() reaches neither MSAL nor the Graph client through static imports', async () => {
  const { reachable, via } = await staticGraph();
  assert.ok(reachable.size > 5, 'the walk found the extension modules');
  for (const heavy of ['node_modules/@azure/msal-node/', 'node_modules/@microsoft/microsoft-graph-client/']) {
    const hit = [...reachable].find((p) => p.includes(heavy));
    assert.equal(hit, undefined, hit ? `loaded at activation: ${chain(via, hit)}` : '');
  }
});
