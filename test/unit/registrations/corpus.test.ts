// readConnectorAuth over every real apiProperties.json of the corpus (test/fixtures/connectors/corpus, see its
// NOTICE): it never throws, finds Entra sign-in in the aad/aadcertificate files, and never takes a placeholder
// for a client ID — so the tree never looks up "[[DUMMY]]" in the directory.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readConnectorAuth } from '../../../src/registrations/connectorAuth';
import { lookupsFor } from '../../../src/registrations/health';

const root = join(__dirname, '..', '..', 'fixtures', 'connectors', 'corpus');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : name === 'apiProperties.json' ? [path] : [];
  });
}

test('every corpus file is read; Entra connectors are recognised and placeholders are not IDs', () => {
  const all = files(root);
  assert.equal(all.length, 1036);
  const auths = all.map((f) => readConnectorAuth(readFileSync(f, 'utf8').replace(/^\uFEFF/, '')));
  const count = (kind: string) => auths.filter((a) => a.kind === kind).length;
  assert.equal(count('invalid'), 3, 'the 3 files that are not valid JSON');
  const entra = auths.filter((a) => a.kind === 'entra');
  // 67 files name aad or aadcertificate (grep); SigningHub's is one of the 3 that are not valid JSON.
  const named = all.filter((f) => /"identityProvider"\s*:\s*"aad(certificate)?"/.test(readFileSync(f, 'utf8')));
  assert.equal(named.length, 67);
  assert.equal(entra.length, 66);
  const { appIds, resourceUris } = lookupsFor(auths);
  for (const id of appIds) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  for (const uri of resourceUris) assert.ok(!/^\[\[|^<</.test(uri), `no placeholder resource: ${uri}`);
  assert.ok(resourceUris.includes('https://graph.microsoft.com'), 'first-party resources are looked up by name');
  // Certified connectors commit no real client ID; those that do are rare.
  assert.ok(entra.filter((a) => a.kind === 'entra' && a.clientId).length < entra.length / 2);
  assert.ok(count('none') > 500 && count('other') > 50);
});
