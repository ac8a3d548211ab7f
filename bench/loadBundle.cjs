/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, run by node as is */
// npm run bench: how long loading a built extension.js takes in a plain Node process (compiling it and running its
// top level), with `vscode` answered by an inert stand-in and Node's own modules already loaded — the extension's own loading cost without the extension
// host's. Prints one JSON line: { loadMs }. Usage: node bench/loadBundle.cjs <file>
const Module = require('node:module');
const { performance } = require('node:perf_hooks');

const inert = new Proxy(function inert() {}, {
  get: (_t, key) => (key === 'then' ? undefined : inert),
  apply: () => inert,
  construct: () => inert,
});
const load = Module._load;
Module._load = function stubVscode(request, ...rest) {
  return request === 'vscode' ? inert : load.call(this, request, ...rest);
};
// Node's own modules that the bundle requires (node:crypto…) are loaded before the clock starts: the extension host
// has long loaded them when an extension activates, so they are not the extension's cost.
const file = process.argv[2];
for (const [, builtin] of require('node:fs').readFileSync(file, 'utf8').matchAll(/require\("(node:[^"]+)"\)/g)) require(builtin);
const started = performance.now();
require(file);
process.stdout.write(`${JSON.stringify({ loadMs: performance.now() - started })}\n`);
