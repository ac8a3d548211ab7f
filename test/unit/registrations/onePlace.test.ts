// "Where are redirect URIs registered?" has one answer: the setup's tasks and the tree's actions call the same
// operations in src/registrations/actions.ts (read, merge, write — never replacing a collection).
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import type { Directory } from '../../../src/graph/operations';
import { extendGrant, registerRedirectUri } from '../../../src/registrations/actions';

const ROOT = resolve(__dirname, '..', '..', '..');
const ACTIONS = 'src/registrations/actions.ts';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? sources(full) : name.endsWith('.ts') ? [full] : [];
  });
}

describe('one place per change to a registration', () => {
  it('only src/registrations/actions.ts adds passwords, widens grants or writes redirect URIs', () => {
    const writes = /\.addPassword\(|\.updateGrantScope\(|updateApplication\([^)]*\{\s*web\s*:/;
    const offenders = sources(join(ROOT, 'src'))
      .map((f) => relative(ROOT, f).replace(/\\/g, '/'))
      .filter((f) => f !== ACTIONS && f !== 'src/graph/operations.ts')
      .filter((f) => writes.test(readFileSync(join(ROOT, f), 'utf8')));
    assert.deepEqual(offenders, []);
  });

  it('the setup engine calls those operations', () => {
    const engine = readFileSync(join(ROOT, 'src/setup/engine.ts'), 'utf8');
    for (const op of ['registerRedirectUri(', 'extendGrant(', 'addSecret(']) assert.ok(engine.includes(op), op);
  });

  it('registering keeps the URIs already there, and widening keeps the scopes already granted', async () => {
    const patches: unknown[] = [];
    const dir = {
      getApplicationByAppId: async () => ({ id: 'o1', appId: 'a1', web: { redirectUris: ['https://kept.example/cb'] } }),
      updateApplication: async (_id: string, body: unknown) => void patches.push(body),
      updateGrantScope: async (_id: string, scope: string) => void patches.push(scope),
    } as unknown as Directory;
    await registerRedirectUri(dir, 'a1', 'https://global.consent.azure-apim.net/redirect/x');
    assert.equal(await extendGrant(dir, { id: 'g', scope: 'read  read write' }, ['write', 'admin']), 'read write admin');
    assert.equal(await extendGrant(dir, { id: 'g', scope: 'read' }, ['read']), 'read');
    assert.deepEqual(patches, [{ web: { redirectUris: ['https://kept.example/cb', 'https://global.consent.azure-apim.net/redirect/x'] } }, 'read write admin']);
  });
});
