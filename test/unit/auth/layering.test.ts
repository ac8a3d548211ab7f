// src/auth and src/cloud run in plain Node (CLI, unit tests): they must not import VS Code, and MSAL is only ever
// loaded lazily, so that activating the extension does not pay for it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const sources = (dir: string) =>
  readdirSync(join(ROOT, dir), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => ({ file: `${dir}/${f}`, text: readFileSync(join(ROOT, dir, f), 'utf8') }));

describe('sign-in layering', () => {
  it('src/auth and src/cloud do not import vscode', () => {
    const offenders = [...sources('src/auth'), ...sources('src/cloud')].filter((s) => /from\s+['"]vscode['"]|require\(\s*['"]vscode['"]\s*\)/.test(s.text));
    assert.deepEqual(offenders.map((s) => s.file), []);
  });

  it('MSAL is imported for its types only, except by a dynamic import() in the sign-in service and the workload (pipeline) sign-in', () => {
    const all = [...sources('src/auth'), ...sources('src/cloud'), ...sources('src/vscode/auth')];
    const valueImports = all.filter((s) => /^import\s+(?!type\b)[^;]*from\s+['"]@azure\/msal-node['"]/m.test(s.text));
    assert.deepEqual(valueImports.map((s) => s.file), []);
    const dynamic = all.filter((s) => /import\(\s*['"]@azure\/msal-node['"]\s*\)/.test(s.text)).map((s) => s.file);
    assert.deepEqual(dynamic, ['src/auth/signIn.ts', 'src/auth/workload.ts']);
    const vscodeLayer = sources('src/vscode/auth').filter((s) => /^import\s+(?!type\b)[^;]*from\s+['"]\.\.\/\.\.\/auth\/signIn['"]/m.test(s.text));
    assert.deepEqual(vscodeLayer.map((s) => s.file), [], 'the VS Code layer loads the sign-in service with import() on first use');
  });
});
