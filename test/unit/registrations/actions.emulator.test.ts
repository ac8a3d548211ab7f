// The tree's directory changes against the emulated tenant, and the snapshot each one leaves the tree with.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminTokenSource, getState, seedObjects, startEmulator, type Endpoints, type RunningEmulator } from '../../../emulator/src';
import { createGraphClient } from '../../../src/graph/client';
import { Directory } from '../../../src/graph/operations';
import { fetchRegistrations } from '../../../src/graph/registrations';
import { addSecret, deleteAppRegistration, grantTenantConsent, registerRedirectUri, removeSecrets, secretRemovalChoices, withConsent, withoutApp, withRedirectUris, withSecrets } from '../../../src/registrations/actions';
import { moveSecretToStorage, secretStorageKey } from '../../../src/connector/secrets';
import { readConnectorAuth } from '../../../src/registrations/connectorAuth';
import { computeHealth, lookupsFor, type DirectorySnapshot } from '../../../src/registrations/health';
import { treeSeed } from '../../../emulator/src/seeds/connectors';

const ADMIN = 'admin@contoso.example';
const MAKER = 'maker@contoso.example';
let emu: RunningEmulator;
let ep: Endpoints;

function directory(user = ADMIN): Directory {
  return new Directory(
    createGraphClient({
      graphEndpoint: ep.graphEndpoint,
      getAccessToken: adminTokenSource(ep, user),
      retry: { maxRetries: 0 },
    }),
    { replication: { attempts: 5, delayMs: 20 } },
  );
}

const seed = treeSeed([{ name: 'Missing Redirect', redirectRegistered: false }, { name: 'No Consent', consented: false }, { name: 'Rotate Me', secretDays: 5 }], { owner: ADMIN });
const [missing, noConsent, rotate] = seed.connectors as [typeof seed.connectors[0], typeof seed.connectors[0], typeof seed.connectors[0]];

async function snapshot(): Promise<DirectorySnapshot> {
  return fetchRegistrations(directory().client, lookupsFor(seed.connectors.map((c) => readConnectorAuth(c.apiProperties))));
}

function health(snap: DirectorySnapshot, c: typeof missing, secretsHere = new Map<string, string | undefined>()) {
  return computeHealth({ name: c.name, auth: readConnectorAuth(c.apiProperties), directory: snap, secretsHere, now: new Date() });
}

before(async () => {
  emu = await startEmulator({ port: 0 });
  ep = emu.endpoints;
  await seedObjects(ep, seed.objects);
  // The connector app of "Missing Redirect" already has another redirect URI, which must be kept.
  const app = (await getState(ep)).applications.find((a) => a.appId === missing.clientId)!;
  await directory().updateApplication(app.id, { web: { redirectUris: ['https://example.test/keep'] } });
  // The API of "No Consent" publishes a second scope, to widen a grant with.
  const api = seed.objects.applications.find((a) => a.appId === noConsent.apiAppId)! as { api: { oauth2PermissionScopes: Record<string, unknown>[] } };
  const second = { ...api.api.oauth2PermissionScopes[0]!, id: '5e000000-0000-4000-8000-0000000000aa', value: 'Invoices.Read' };
  await directory().updateApplication(noConsent.apiObjectId, { api: { oauth2PermissionScopes: [...api.api.oauth2PermissionScopes, second] } as never });
});

after(async () => {
  await emu.stop();
});

describe('registrations actions', () => {
  it('registerRedirectUri adds the URI, keeps the others, and is idempotent; the snapshot follows', async () => {
    const before = await snapshot();
    assert.equal(health(before, missing).worst?.code, 'redirect-uri-missing');
    const result = await registerRedirectUri(directory(), missing.clientId, missing.redirectUrl);
    assert.deepEqual(result.redirectUris, ['https://example.test/keep', missing.redirectUrl]);
    const again = await registerRedirectUri(directory(), missing.clientId, missing.redirectUrl);
    assert.deepEqual(again.redirectUris, result.redirectUris);
    const app = (await getState(ep)).applications.find((a) => a.appId === missing.clientId)!;
    assert.deepEqual((app.web as { redirectUris: string[] }).redirectUris, ['https://example.test/keep', missing.redirectUrl]);
    const local = withRedirectUris(before, result.objectId, result.redirectUris);
    assert.notEqual(health(local, missing).worst?.code, 'redirect-uri-missing');
    assert.deepEqual(health(local, missing).redirectUris, health(await snapshot(), missing).redirectUris, 'the local update equals a re-read');
  });

  it('grantTenantConsent creates one AllPrincipals grant, widens it later instead of duplicating', async () => {
    const before = await snapshot();
    assert.equal(health(before, noConsent).worst?.code, 'consent-missing');
    const result = await grantTenantConsent(directory(), noConsent.clientId, noConsent.apiAppId, ['user_impersonation']);
    assert.equal(result.clientSp.id, noConsent.connectorSpId);
    assert.equal(result.resourceSp.id, noConsent.apiSpId);
    await grantTenantConsent(directory(), noConsent.clientId, noConsent.apiAppId, ['user_impersonation', 'Invoices.Read']);
    const grants = (await getState(ep)).oauth2PermissionGrants.filter((g) => g.clientId === noConsent.connectorSpId);
    assert.deepEqual(grants.map((g) => [g.consentType, g.scope]), [['AllPrincipals', 'user_impersonation Invoices.Read']]);
    const local = withConsent(before, result);
    assert.equal(health(local, noConsent).scopes[0]!.consent, 'tenant');
  });

  it('grantTenantConsent reads the service principals and never writes to them: Microsoft Graph’s keeps its tags', async () => {
    const graphSp = (await getState(ep)).servicePrincipals.find((sp) => sp.appId === '00000003-0000-0000-c000-000000000000')!;
    await directory().client.api(`/servicePrincipals/${graphSp.id}`).patch({ tags: ['microsoft-first-party'] });
    const seq = (await getState(ep)).requests.length;
    await grantTenantConsent(directory(), missing.clientId, '00000003-0000-0000-c000-000000000000', ['User.Read']);
    const state = await getState(ep);
    assert.deepEqual(state.servicePrincipals.find((sp) => sp.id === graphSp.id)?.tags, ['microsoft-first-party']);
    const spWrites = state.requests.slice(seq).filter((r) => r.service === 'graph' && r.method !== 'GET' && r.path.startsWith('/v1.0/servicePrincipals'));
    assert.deepEqual(spWrites.map((r) => `${r.method} ${r.path}`), []);
  });

  it('grantTenantConsent fails with 403 and a next step for a maker who may not consent tenant-wide', async () => {
    await assert.rejects(grantTenantConsent(directory(MAKER), missing.clientId, '00000003-0000-0000-c000-000000000000', ['User.ReadBasic.All']), (e: Error & { error?: { status: number; next: string } }) => {
      assert.equal(e.error?.status, 403);
      assert.ok(e.error?.next);
      return true;
    });
  });

  it('addSecret returns the value once; the snapshot keeps only its metadata; withSecrets removes old ones', async () => {
    const before = await snapshot();
    const app = before.applications.find((a) => a.appId === rotate.clientId)!;
    const created = await addSecret(directory(), app.id, 180);
    assert.ok(created.secretText.length >= 16);
    const after = withSecrets(before, app.id, [created], [rotate.secretKeyId]);
    const creds = after.applications.find((a) => a.id === app.id)!.passwordCredentials!;
    assert.deepEqual(creds.map((c) => c.keyId), [created.keyId]);
    assert.ok(!JSON.stringify(after).includes(created.secretText), 'the secret value is not in the snapshot');
    const h = health(after, rotate, new Map([[rotate.clientId, created.secretText.slice(0, 3)]]));
    assert.equal(h.status, 'ok');
    assert.equal(h.secrets[0]!.heldHere, true);
    await directory().removePassword(app.id, rotate.secretKeyId);
    const inTenant = (await getState(ep)).applications.find((a) => a.appId === rotate.clientId)!.passwordCredentials as { keyId: string }[];
    assert.deepEqual(inTenant.map((c) => c.keyId), [created.keyId]);
  });

  it('withoutApp drops the app, its service principal and their grants', async () => {
    const before = await snapshot();
    const app = before.applications.find((a) => a.appId === noConsent.clientId)!;
    const after = withoutApp(before, app.id);
    assert.ok(!after.applications.some((a) => a.id === app.id));
    assert.ok(!after.servicePrincipals.some((s) => s.appId === noConsent.clientId));
    assert.ok(!after.grants.some((g) => g.clientId === noConsent.connectorSpId));
    assert.equal(health(after, noConsent).worst?.code, 'connector-app-not-found');
  });

  it('after a rotation only the secrets this tool added are preselected for removal; a secret not offered is never removed', async () => {
    const seeded = await seedObjects(ep, {
      owner: ADMIN,
      applications: [
        {
          displayName: 'Shared secrets app',
          passwordCredentials: [
            { keyId: '7a000000-0000-4000-8000-000000000001', displayName: 'Entra Connector 2025-01-01', hint: 'aB1', endDateTime: '2030-01-01T00:00:00Z' },
            { keyId: '7a000000-0000-4000-8000-000000000002', displayName: 'CI pipeline', hint: 'xY9', endDateTime: '2030-06-01T00:00:00Z' },
            { keyId: '7a000000-0000-4000-8000-000000000003', displayName: 'Entra Connector setup 0b4c2a1e-0000-4000-8000-000000000000', hint: 'q7Z', endDateTime: '2020-01-01T00:00:00Z' },
          ],
        },
      ],
    });
    const app = seeded.applications[0] as { id: string; appId: string };
    const created = await addSecret(directory(), app.id, 180);
    const others = (await directory().listPasswords(app.id)).filter((c) => c.keyId !== created.keyId);
    const choices = secretRemovalChoices(others, created.keyId, new Date('2026-01-01T00:00:00Z'));
    assert.deepEqual(
      choices.map((c) => [c.label, c.description, c.picked]).sort(),
      [
        ['CI pipeline', 'xY9… · expires 2030-06-01', false],
        ['Entra Connector 2025-01-01', 'aB1… · expires 2030-01-01', true],
        ['Entra Connector setup 0b4c2a1e-0000-4000-8000-000000000000', 'q7Z… · expired 2020-01-01', true],
      ],
    );
    assert.ok(!choices.some((c) => c.keyId === created.keyId), 'the new secret is never offered');
    const defaults = choices.filter((c) => c.picked).map((c) => c.keyId);
    const { removed } = await removeSecrets(directory(), app.id, [...defaults, created.keyId], choices);
    assert.deepEqual(removed.sort(), defaults.sort(), 'the new secret (not offered) was not removed');
    const left = ((await getState(ep)).applications.find((a) => a.id === app.id)!.passwordCredentials as { displayName: string }[]).map((c) => c.displayName).sort();
    assert.deepEqual(left, ['CI pipeline', created.displayName].sort());
  });

  it('deleting an app registration also forgets its client secret in secret storage', async () => {
    const seeded = await seedObjects(ep, { owner: ADMIN, applications: [{ displayName: 'To be deleted' }] });
    const app = seeded.applications[0] as { id: string; appId: string };
    const store = new Map<string, string>([[secretStorageKey(app.appId), 'value'], [secretStorageKey('other'), 'kept']]);
    await deleteAppRegistration(directory(), { delete: async (key) => void store.delete(key) }, app);
    assert.ok(!(await getState(ep)).applications.some((a) => a.id === app.id));
    assert.deepEqual([...store.keys()], [secretStorageKey('other')]);
  });
});

describe('moving a secret from a file into secret storage', () => {
  const store = (initial: Record<string, string>) => {
    const values = new Map(Object.entries(initial));
    return { values, get: async (k: string) => values.get(k), store: async (k: string, v: string) => void values.set(k, v), delete: async (k: string) => void values.delete(k) };
  };
  const key = secretStorageKey('11111111-2222-3333-4444-555555555555');

  it('asks before replacing a different stored secret, and keeps it when the user says no', async () => {
    const s = store({ [key]: 'rotated-secret' });
    let asked = 0;
    assert.equal(await moveSecretToStorage(s, '11111111-2222-3333-4444-555555555555', 'file-secret', async () => (asked++, false)), false);
    assert.equal(s.values.get(key), 'rotated-secret');
    assert.equal(await moveSecretToStorage(s, '11111111-2222-3333-4444-555555555555', 'file-secret', async () => (asked++, true)), true);
    assert.equal(s.values.get(key), 'file-secret');
    assert.equal(asked, 2);
  });

  it('does not ask when nothing, or the same secret, is stored', async () => {
    const s = store({});
    const never = async () => assert.fail('asked');
    assert.equal(await moveSecretToStorage(s, '11111111-2222-3333-4444-555555555555', 'v', never), true);
    assert.equal(await moveSecretToStorage(s, '11111111-2222-3333-4444-555555555555', 'v', never), true);
  });
});
