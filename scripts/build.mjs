// Builds the two product bundles (extension host, webview) and the CLI with esbuild.
// --production minifies; --watch rebuilds on change; --tests also bundles the integration suite.
import * as esbuild from 'esbuild';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { LAZY_HOST_FILES, lazyHostFiles, vscodeOnce } from './lazyHost.mjs';

const args = new Set(process.argv.slice(2));
const production = args.has('--production');
const watch = args.has('--watch');
const withTests = args.has('--tests');

const common = {
  bundle: true,
  sourcemap: true,
  minify: production,
  logLevel: 'warning',
  legalComments: production ? 'linked' : 'none',
  define: { 'process.env.NODE_ENV': JSON.stringify(production ? 'production' : 'development') },
  // jsonc-parser's default (UMD) build loads its parts with a dynamic require that a bundle cannot follow
  // ("Cannot find module './impl/format'" at run time): bundle its ES module build wherever it is imported.
  plugins: [
    {
      name: 'jsonc-parser-esm',
      setup(build) {
        build.onResolve({ filter: /^jsonc-parser$/ }, () => ({ path: new URL('../node_modules/jsonc-parser/lib/esm/main.js', import.meta.url).pathname }));
      },
    },
  ],
};

/** @type {import('esbuild').BuildOptions[]} */
const builds = [
  {
    ...common,
    // What activation loads (extension.js) apart from what it loads on first use (features.js, signIn.js with MSAL),
    // so that VS Code's start reads and compiles only the first.
    entryPoints: { extension: 'src/extension.ts', ...Object.fromEntries(LAZY_HOST_FILES.map((l) => [l.file, l.entry])) },
    plugins: [...common.plugins, lazyHostFiles, vscodeOnce],
    supported: { 'dynamic-import': false },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    // Lazy chunks are not possible in CJS; heavy modules are required lazily through dynamic import() that esbuild inlines.
    metafile: true,
  },
  {
    ...common,
    entryPoints: { cli: 'src/cli/main.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
    metafile: true,
  },
  {
    ...common,
    entryPoints: { 'webview/main': 'webview-ui/main.ts' },
    outdir: 'dist',
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    metafile: true,
  },
];

function collect(dir, pattern) {
  const found = [];
  if (!existsSync(dir)) return found;
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) found.push(...collect(full, pattern));
    else if (pattern.test(name)) found.push(full);
  }
  return found;
}

if (withTests) {
  const entries = collect('test/integration', /\.ts$/);
  if (entries.length > 0) {
    builds.push({
      ...common,
      minify: false,
      entryPoints: Object.fromEntries(entries.map((f) => [relative('test', f).replace(/\.ts$/, ''), f])),
      outdir: 'out/test',
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['vscode', 'mocha'],
    });
  }
}

const present = builds.filter((b) => Object.values(b.entryPoints).every((e) => existsSync(e)));
if (watch) {
  for (const b of present) {
    const ctx = await esbuild.context(b);
    await ctx.watch();
  }
  console.log('esbuild: watching for changes…');
} else {
  const results = await Promise.all(present.map((b) => esbuild.build(b)));
  for (const r of results) {
    if (!r.metafile) continue;
    for (const [file, info] of Object.entries(r.metafile.outputs)) {
      if (file.endsWith('.map')) continue;
      console.log(`  ${file}  ${(info.bytes / 1024).toFixed(1)} KiB`);
    }
  }
}
