import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build } from 'esbuild';
// @ts-expect-error -- a plain ES module of the build scripts, without type declarations
import { LAZY_HOST_FILES, lazyHostFiles, vscodeOnce } from '../../../scripts/lazyHost.mjs';

/**
 * Each module's `import * as vscode from 'vscode'` used to become its own `__toESM(require("vscode"))` in the host
 * bundles, copying every property of VS Code's API object once per module while extension.js loads. The build
 * (scripts/build.mjs, bench/run.mjs) resolves 'vscode' through `vscodeOnce`: one copy per bundle.
 */
test('the host bundles require vscode once each, as scripts/build.mjs builds them', async () => {
  const result = await build({
    entryPoints: { extension: 'src/extension.ts', ...Object.fromEntries((LAZY_HOST_FILES as { file: string; entry: string }[]).map((l) => [l.file, l.entry])) },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    outdir: 'out-vscode-once',
    write: false,
    logLevel: 'silent',
    supported: { 'dynamic-import': false },
    plugins: [lazyHostFiles, vscodeOnce],
  });
  const requires = (name: string) => {
    const file = result.outputFiles.find((f) => f.path.endsWith(`/${name}`));
    assert.ok(file, `${name} was built`);
    return file.text.match(/require\("vscode"\)/g)?.length ?? 0;
  };
  assert.equal(requires('extension.js'), 1, 'extension.js: one require of vscode');
  assert.equal(requires('features.js'), 1, 'features.js: one require of vscode');
});
