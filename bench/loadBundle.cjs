/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, run by node as is */
// npm run bench: how long loading a built extension.js takes in a plain Node process (compiling it and running its
// top level), with `vscode` answered by an inert stand-in — the extension's own loading cost without the extension
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
const started = performance.now();
require(process.argv[2]);
process.stdout.write(`${JSON.stringify({ loadMs: performance.now() - started })}\n`);
