// npm run package: production build (minified) + `vsce package --no-dependencies` → entra-connector-<version>.vsix.
// Prints the size of the .vsix and of the extension host bundle. esbuild bundles every runtime dependency, so the
// package needs no node_modules; .vscodeignore keeps sources, tests, fixtures and the test VS Code out.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, readManifest } from './codeServer.mjs';

const m = readManifest();
const vsix = join(ROOT, `${m.name}-${m.version}.vsix`);
const kib = (file) => `${(statSync(file).size / 1024).toFixed(1)} KiB`;

function run(args, what) {
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`${what} failed.`);
    process.exit(r.status ?? 1);
  }
}

run([join(ROOT, 'scripts', 'build.mjs'), '--production'], 'The production build');

// The .vsix ships no node_modules: a require() that esbuild could not follow (e.g. a UMD module's dynamic
// require of its own parts) would fail only at activation on the user's machine. Refuse to package it.
// dist/extension.js requires dist/features.js (its lazily loaded half), which is packaged.
for (const bundle of ['extension.js', 'features.js']) {
  const code = readFileSync(join(ROOT, 'dist', bundle), 'utf8');
  const dangling = [...new Set([...code.matchAll(/\brequire\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g)].map((m) => m[1]))].filter((p) => !existsSync(join(ROOT, 'dist', p)));
  if (dangling.length > 0) {
    console.error(`dist/${bundle} still requires ${dangling.join(', ')} at run time; that file is not in the package. ` +
      'Import the dependency through its ES module build (or set esbuild mainFields) so that esbuild bundles it.');
    process.exit(1);
  }
}
const vsce = join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
run([vsce, 'package', '--no-dependencies', '--out', vsix], 'vsce package');
if (!existsSync(vsix)) {
  console.error(`vsce did not write ${vsix}.`);
  process.exit(1);
}
console.log(`\n${m.name}-${m.version}.vsix: ${kib(vsix)}`);
console.log(`extension host bundle dist/extension.js: ${kib(join(ROOT, 'dist', 'extension.js'))}`);
console.log(`webview bundle dist/webview/main.js: ${kib(join(ROOT, 'dist', 'webview', 'main.js'))}`);
console.log(`Install it into desktop VS Code with: code --install-extension ${m.name}-${m.version}.vsix`);
