/** Localization mechanism: every %key% of package.json is in package.nls.json; l10n/bundle.l10n.json is current. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
// @ts-expect-error a plain .mjs script without types
import { bundle, l10nStrings } from '../../scripts/l10n-bundle.mjs';

const ROOT = join(__dirname, '..', '..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');

test('every %key% in package.json has its English text in package.nls.json, and no text is left unlocalized in commands, views and the walkthrough', () => {
  const pkg = read('package.json');
  const nls = JSON.parse(read('package.nls.json')) as Record<string, string>;
  const keys = [...pkg.matchAll(/"%([^"%]+)%"/g)].map((m) => m[1]!);
  assert.ok(keys.length > 40);
  assert.deepEqual(keys.filter((k) => !(k in nls)), []);
  const c = (JSON.parse(pkg) as { contributes: { commands: { title: string }[]; views: Record<string, { name: string }[]>; walkthroughs: { title: string; steps: { title: string; description: string; media: { markdown: string } }[] }[] } }).contributes;
  assert.deepEqual(c.commands.filter((x) => !/^%.+%$/.test(x.title)), []);
  assert.deepEqual(Object.values(c.views).flat().filter((v) => !/^%.+%$/.test(v.name)), []);
  for (const w of c.walkthroughs) for (const s of w.steps) {
    assert.match(s.title, /^%.+%$/);
    assert.ok(existsSync(join(ROOT, s.media.markdown)), s.media.markdown);
  }
});

test('l10n/bundle.l10n.json holds every vscode.l10n.t string of src/ (node scripts/l10n-bundle.mjs regenerates it)', () => {
  assert.equal(read('l10n/bundle.l10n.json'), bundle());
  assert.deepEqual(l10nStrings("vscode.l10n.t('A {0}', x); l10n.t(\"B\")"), ['A {0}', 'B']);
});
