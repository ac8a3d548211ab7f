import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createContext, legacyUniqueNamesFor } from '../../../src/setup/context';
import { JsonFileStateStore } from '../../../src/setup/stateFile';

const dir = mkdtempSync(join(tmpdir(), 'entra-state-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const ctx = () =>
  createContext({
    connectorDir: '/ws/Invoices',
    tenantId: 't',
    cloud: { name: 'AzureCloud', loginEndpoint: 'https://login.microsoftonline.com', graphEndpoint: 'https://graph.microsoft.com' },
    choices: { api: { kind: 'microsoft', appId: 'g', resourceUri: 'https://graph.microsoft.com', scopes: ['User.Read'] }, connector: { kind: 'new', displayName: 'c' }, consent: 'admin', secretDays: 180, obo: false },
  });

describe('the CLI state file', () => {
  it('round-trips the context, owner-only, written atomically (no temporary file left)', async () => {
    const path = join(dir, 'nested', 'state.json');
    const store = new JsonFileStateStore(path);
    assert.equal(await store.load(), undefined);
    const c = ctx();
    c.objects.password = { keyId: '0f0e0d0c-0000-4000-8000-000000000001', endDateTime: '2027-01-01T00:00:00Z', displayName: 'marker', created: true };
    await store.save(c);
    assert.deepEqual(await store.load(), JSON.parse(JSON.stringify(c)));
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(join(dir, 'nested')), ['state.json']);
    await store.clear();
    assert.equal(await store.load(), undefined);
  });

  it('refuses to write anything that looks like a secret and leaves the previous file intact', async () => {
    const path = join(dir, 'refuse.json');
    const store = new JsonFileStateStore(path);
    await store.save(ctx());
    const before = readFileSync(path, 'utf8');
    const bad = { ...ctx(), objects: { password: { keyId: 'k', secretText: 'abc1Q~not-to-be-saved' } } };
    await assert.rejects(store.save(bad as never), /secret-like field/);
    assert.equal(readFileSync(path, 'utf8'), before);
  });

  it('ignores a state file from another format version', async () => {
    const path = join(dir, 'old.json');
    const store = new JsonFileStateStore(path);
    await store.save({ ...ctx(), version: 0 } as never);
    assert.equal(await store.load(), undefined);
  });

  it('reads a version 1 file (steps "service" and "cors", the choice "service") as today\'s: steps api and site, the choice api; resaved as version 2', async () => {
    const path = join(dir, 'v1.json');
    const store = new JsonFileStateStore(path);
    const c = ctx();
    c.steps.api = { state: 'done', detail: 'API app' };
    c.steps.site = { state: 'skipped', detail: 'no site' };
    const { api, site, ...otherSteps } = c.steps;
    const { api: apiChoice, ...otherChoices } = c.choices;
    await store.save({ ...c, version: 1, steps: { service: api, ...otherSteps, cors: site }, choices: { service: apiChoice, ...otherChoices } } as never);
    const loaded = await store.load();
    assert.equal(loaded?.version, 2);
    assert.deepEqual(loaded?.steps, JSON.parse(JSON.stringify(c.steps)));
    assert.deepEqual(loaded?.choices, JSON.parse(JSON.stringify(c.choices)));
    assert.equal('service' in (loaded?.steps ?? {}), false);
    await store.save(loaded!);
    assert.equal(JSON.parse(readFileSync(path, 'utf8')).version, 2);
  });

  it('accepts a state file from before the setup identity was in the uniqueNames (they resume as recorded), refuses a foreign one', async () => {
    const path = join(dir, 'legacy.json');
    const store = new JsonFileStateStore(path);
    const c = ctx();
    await store.save({ ...c, uniqueNames: legacyUniqueNamesFor('Invoices', 't') });
    assert.deepEqual((await store.load())?.uniqueNames, legacyUniqueNamesFor('Invoices', 't'));
    await store.save({ ...c, uniqueNames: legacyUniqueNamesFor('Other', 't') });
    await assert.rejects(store.load(), /uniqueNames are not the ones this tool derives/);
  });
});
