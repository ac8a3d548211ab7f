// The extension host bundle's split, shared by scripts/build.mjs and bench/run.mjs.

/**
 * The host's lazily loaded halves, each its own file beside extension.js: the import() of `path` from `importer`
 * becomes a require of `file` (CJS bundles cannot split, and a require keeps VS Code's `vscode` module resolution).
 */
export const LAZY_HOST_FILES = [
  { importer: 'src/extension.ts', path: './vscode/features', entry: 'src/vscode/features.ts', file: 'features' },
  { importer: 'src/vscode/auth/index.ts', path: '../../auth/signIn', entry: 'src/auth/signIn.ts', file: 'signIn' },
];

export const lazyHostFiles = {
  name: 'lazy-host-files',
  setup(build) {
    build.onResolve({ filter: /^\.{1,2}\// }, (args) => {
      const lazy = LAZY_HOST_FILES.find((l) => args.kind === 'dynamic-import' && l.path === args.path && args.importer.replace(/\\/g, '/').endsWith(l.importer));
      return lazy ? { path: `./${lazy.file}.js`, external: true } : undefined;
    });
  },
};

/**
 * `import * as vscode from 'vscode'` in each module of a CommonJS bundle becomes its own `__toESM(require("vscode"))`,
 * which copies every property of VS Code's API object (hundreds of getters) once per importing module, at load time.
 * Resolved to one module of the bundle that re-exports it, the copy is made once per bundle.
 */
export const vscodeOnce = {
  name: 'vscode-once',
  setup(build) {
    build.onResolve({ filter: /^vscode$/ }, (args) => (args.namespace === 'vscode-once' ? { path: 'vscode', external: true } : { path: 'vscode', namespace: 'vscode-once' }));
    build.onLoad({ filter: /.*/, namespace: 'vscode-once' }, () => ({ contents: "export * from 'vscode';", loader: 'js' }));
  },
};
