// Writes l10n/bundle.l10n.json: every string the extension passes to vscode.l10n.t (English, the source language).
// `node scripts/l10n-bundle.mjs --check` exits 1 when the bundle is out of date (the unit test runs the same check).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const BUNDLE = join(ROOT, 'l10n', 'bundle.l10n.json');

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** The first argument of each `l10n.t(...)` call that is a plain string literal. */
export function l10nStrings(source) {
  const out = [];
  const call = /\bl10n\.t\(\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")/g;
  for (const m of source.matchAll(call)) {
    const raw = m[1] ?? m[2];
    out.push(raw.replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c)));
  }
  return out;
}

export function bundle() {
  const strings = [...new Set(files(join(ROOT, 'src')).flatMap((f) => l10nStrings(readFileSync(f, 'utf8'))))].sort();
  return `${JSON.stringify(Object.fromEntries(strings.map((s) => [s, s])), null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = bundle();
  if (process.argv.includes('--check')) {
    if (readFileSync(BUNDLE, 'utf8') !== text) {
      console.error('l10n/bundle.l10n.json is out of date: run node scripts/l10n-bundle.mjs');
      process.exit(1);
    }
  } else writeFileSync(BUNDLE, text);
}
