// File input through `entra-connector check` (and `--fix`): real corpus files mutated with a fixed seed — values'
// types flipped, truncated, 10,000-deep nesting, a 5 MB file, a BOM, UTF-16 (LE and BE), duplicate keys. The command
// never throws, always answers with parseable JSON and exit 0/1, `--fix` never turns a file into invalid JSON, and
// each file is checked within a (generous) time bound. The analyser's own robustness is in test/unit/connector.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../../src/cli/run';
import { rng } from './support';

const SEED = Number(process.env.ENTRA_RELIABILITY_SEED ?? 20261127);
const CORPUS = join(__dirname, '../fixtures/connectors/corpus');
/** Per file, on a busy 2-core machine; a hang or a quadratic blow-up exceeds it by far. */
const BOUND_MS = 10_000;
const work = mkdtempSync(join(tmpdir(), 'entra-file-input-'));
after(() => rmSync(work, { recursive: true, force: true }));

function corpusFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? corpusFiles(p) : n === 'apiProperties.json' ? [p] : [];
  });
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Flips the type of about a third of the values (string ↔ number, object → array, array → string, …). */
function flip(value: Json, random: () => number): Json {
  const r = random();
  if (Array.isArray(value)) return r < 0.3 ? 'was an array' : value.map((v) => flip(v, random));
  if (value && typeof value === 'object') {
    if (r < 0.15) return [value];
    if (r < 0.25) return 42;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, flip(v, random)]));
  }
  if (r > 0.35) return value;
  if (typeof value === 'string') return random() < 0.5 ? 7 : { value };
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 0;
  return { nulled: true };
}

function utf16be(text: string): Buffer {
  const le = Buffer.from(`\ufeff${text}`, 'utf16le');
  for (let i = 0; i + 1 < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1] as number, le[i] as number];
  return le;
}

const MUTATIONS: Record<string, (text: string, random: () => number) => string | Buffer> = {
  'types flipped': (t, random) => JSON.stringify(flip(JSON.parse(t) as Json, random), null, 2),
  truncated: (t, random) => t.slice(0, Math.floor(random() * t.length)),
  '10,000-deep nesting': (t) => t.replace(/^\s*\{/, `{"deep": ${'['.repeat(10_000)}${']'.repeat(10_000)},`),
  '5 MB': (t) => t.replace(/^\s*\{/, `{"padding": "${'x'.repeat(5 * 1024 * 1024)}",`),
  BOM: (t) => `\ufeff${t}`,
  'UTF-16 LE': (t) => Buffer.from(`\ufeff${t}`, 'utf16le'),
  'UTF-16 BE': (t) => utf16be(t),
  'duplicate keys': (t) => t.replace(/^\s*\{/, '{"properties": {"connectionParameters": {}}, "properties": 1,'),
};

function parses(text: string): boolean {
  try {
    JSON.parse(text.replace(/^\ufeff/, ''));
    return true;
  } catch {
    return false;
  }
}

async function check(args: string[]): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  let stdout = '';
  let stderr = '';
  const t0 = performance.now();
  const code = await runCli(['check', ...args], { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, env: {} });
  return { code, stdout, stderr, ms: performance.now() - t0 };
}

describe(`file input: mutated corpus files through entra-connector check (seed ${SEED})`, () => {
  const random = rng(SEED);
  const all = corpusFiles(CORPUS).sort();
  const sample = Array.from({ length: 6 }, () => all[Math.floor(random() * all.length)] as string);

  for (const [name, mutate] of Object.entries(MUTATIONS)) {
    it(`${name}: check and check --fix never throw, answer in JSON within ${BOUND_MS / 1000} s per file`, async (t) => {
      t.diagnostic(`seed ${SEED}; files: ${sample.map((f) => f.slice(CORPUS.length + 1)).join(', ')}`);
      for (const [i, src] of sample.entries()) {
        const dir = join(work, name.replace(/\W+/g, '-'), String(i));
        mkdirSync(dir, { recursive: true });
        const file = join(dir, 'apiProperties.json');
        const content = mutate(readFileSync(src, 'utf8'), random);
        writeFileSync(file, content);
        const parsedBefore = typeof content === 'string' && parses(content);
        for (const args of [[file, '--json'], [file, '--json', '--fix']]) {
          const r = await check(args);
          assert.ok(r.code === 0 || r.code === 1, `${args.join(' ')} exited ${r.code}: ${r.stderr.slice(0, 500)}`);
          assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
          const out = JSON.parse(r.stdout) as { files: { diagnostics: { code: string }[] }[] };
          assert.equal(out.files.length, 1);
          assert.ok(r.ms < BOUND_MS, `${name} ${src}: ${Math.round(r.ms)} ms`);
        }
        if (parsedBefore) assert.ok(parses(readFileSync(file, 'utf8')), `--fix broke the JSON of ${name} ${src}`);
      }
    });
  }

  it('a whole folder of mutated files in one run: one report per file', async () => {
    const r = await check([work, '--json']);
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    const out = JSON.parse(r.stdout) as { files: unknown[] };
    assert.equal(out.files.length, Object.keys(MUTATIONS).length * 6);
  });
});
