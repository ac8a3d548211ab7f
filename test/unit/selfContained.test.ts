// The repository stands alone: no file points at documents outside it, and the CHANGELOG the package expects exists.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = resolve(__dirname, '..', '..');
const OUTSIDE = /DOMAIN\.md|STYLE\.md|DEVELOPERS\.md|\.\.\/shared\/|\/work\/shared/;

describe('the repository stands alone', () => {
  it('no tracked text file refers to files outside the repository', () => {
    const files = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter((f) => /\.(ts|mts|mjs|js|json|md)$/.test(f) && !f.startsWith('test/fixtures/') && f !== 'test/unit/selfContained.test.ts');
    const offenders = files.filter((f) => existsSync(join(ROOT, f)) && OUTSIDE.test(readFileSync(join(ROOT, f), 'utf8')));
    assert.deepEqual(offenders, []);
  });

  it('the extension wiring names features, not issue numbers', () => {
    assert.doesNotMatch(readFileSync(join(ROOT, 'src/extension.ts'), 'utf8'), /\(issue \d/);
  });

  it('CHANGELOG.md exists, as .vscodeignore and the package expect', () => {
    assert.match(readFileSync(join(ROOT, '.vscodeignore'), 'utf8'), /CHANGELOG/);
    assert.match(readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8'), /^# Changelog/);
  });
});
