// The layering stays a tree: no module of src/ reaches itself again through the imports that load code (static
// or dynamic).
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = resolve(__dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [full] : [];
  });
}

function resolveImport(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(dirname(from), spec);
  return [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts'), base].find((p) => existsSync(p) && statSync(p).isFile());
}

/**
 * Relative imports of a file that load code: `import … from`, `export … from`, `import('…')`. `import type` is
 * erased by the compiler, so it cannot make a load-order cycle and is not followed.
 */
export function importsOf(file: string, text = readFileSync(file, 'utf8')): string[] {
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s(?!type\s)[^'";]*?from\s*['"]([^'"]+)['"]/g), ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!);
  return [...new Set(specs.map((s) => resolveImport(file, s)).filter((p): p is string => !!p))];
}

/** Every cycle's smallest loop, found by depth-first search over the import graph. */
export function findCycles(files: readonly string[], edges: (file: string) => string[]): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'active');
    stack.push(file);
    for (const next of edges(file)) {
      if (state.get(next) === 'active') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const f of files) if (!state.has(f)) visit(f);
  return cycles;
}

describe('import cycles', () => {
  it('finds a cycle when there is one (the check can fail)', () => {
    const graph: Record<string, string[]> = { a: ['b'], b: ['c'], c: ['a'], d: ['a'] };
    assert.deepEqual(findCycles(Object.keys(graph), (f) => graph[f] ?? []), [['a', 'b', 'c', 'a']]);
  });

  it('src/ has none', () => {
    const files = sources(join(ROOT, 'src'));
    const graph = new Map(files.map((f) => [f, importsOf(f)]));
    const cycles = findCycles(files, (f) => graph.get(f) ?? []).map((c) => c.map((f) => relative(ROOT, f)).join(' → '));
    assert.deepEqual(cycles, []);
  });
});
