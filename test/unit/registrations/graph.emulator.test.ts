// The registrations tree's Graph reads against the emulated tenant with 5,000 app registrations: what they find, and
// how many round trips they cost (from the emulator's request log).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminToken, adminTokenSource, clearRequests, getState, seedObjects, setFaults, startEmulator, type Endpoints, type RecordedRequest, type RunningEmulator } from '../../../emulator/src';
import { createGraphClient } from '../../../src/graph/client';
import { DirectoryFailure } from '../../../src/graph/errors';
import { fetchRegistrations, listOwnedApplications } from '../../../src/graph/registrations';
import { readConnectorAuth } from '../../../src/registrations/connectorAuth';
import { computeHealth, lookupsFor } from '../../../src/registrations/health';
import { THREE_STATES, treeSeed, type ConnectorSpec } from '../../../emulator/src/seeds/connectors';

const ADMIN = 'admin@contoso.example';
const TOTAL_APPS = 5000;
const OWNED = 120;

let emu: RunningEmulator;
let ep: Endpoints;

const specs: ConnectorSpec[] = [
  ...THREE_STATES,
  ...Array.from({ length: 7 }, (_, i) => ({ name: `Connector ${i + 4}`, consented: i % 2 === 0 })),
];
const seed = treeSeed(specs, { owner: ADMIN });

function client() {
  return createGraphClient({
    graphEndpoint: ep.graphEndpoint,
    getAccessToken: adminTokenSource(ep, ADMIN),
    retry: { maxRetries: 1, maxDelayMs: 10 },
  });
}

/** Graph requests on the wire (a `$batch` is one; the requests inside it are recorded with `batch`). */
async function roundTrips(): Promise<RecordedRequest[]> {
  return (await getState(ep)).requests.filter((r) => r.service === 'graph' && r.batch === undefined);
}

before(async () => {
  const ownedSeed = seed.objects.applications.length;
  emu = await startEmulator({ port: 0, seed: { extraApps: TOTAL_APPS - ownedSeed - OWNED } });
  ep = emu.endpoints;
  await seedObjects(ep, seed.objects);
  await seedObjects(ep, { owner: ADMIN, applications: Array.from({ length: OWNED }, (_, i) => ({ displayName: `Owned app ${String(i + 1).padStart(3, '0')}` })) });
  assert.equal((await getState(ep)).applications.length, TOTAL_APPS);
});

after(async () => {
  await emu.stop();
});

describe('fetchRegistrations (the Connectors view)', () => {
  it('reads 10 connectors\' apps, service principals and grants in 2 round trips among 5,000 apps', async () => {
    const graph = client();
    const auths = seed.connectors.map((c) => readConnectorAuth(c.apiProperties));
    await adminToken(ep, ADMIN, ['https://graph.microsoft.com/User.Read']);
    await clearRequests(ep);
    const snapshot = await fetchRegistrations(graph, lookupsFor(auths));
    const trips = await roundTrips();
    assert.ok(trips.length <= 2, `first render took ${trips.length} round trips: ${trips.map((t) => `${t.method} ${t.path}`).join(', ')}`);
    assert.deepEqual(trips.map((t) => `${t.method} ${t.path}`), ['POST /v1.0/$batch', 'GET /v1.0/oauth2PermissionGrants']);
    assert.equal(snapshot.applications.length, 20, 'the 10 connector apps and their 10 API apps, nothing else');
    assert.equal(snapshot.servicePrincipals.length, 20);
    assert.equal(snapshot.grants.length, 3 + 4, 'the consented connectors\' grants');
    // Only the fields shown were selected.
    const keys = new Set(snapshot.applications.flatMap((a) => Object.keys(a)).filter((k) => !k.startsWith('@odata')));
    assert.deepEqual([...keys].sort(), ['api', 'appId', 'displayName', 'id', 'identifierUris', 'passwordCredentials', 'requiredResourceAccess', 'web']);

    const health = seed.connectors.map((c, i) => computeHealth({ name: c.name, auth: auths[i]!, directory: snapshot, secretsHere: new Map(), now: new Date() }));
    assert.deepEqual(health.slice(0, 3).map((h) => [h.name, h.status, h.worst?.code]), [
      ['Healthy Invoices', 'ok', 'secret-not-here'],
      ['Missing Redirect', 'error', 'redirect-uri-missing'],
      ['Expiring Secret', 'warning', 'secret-expiring'],
    ]);
    assert.equal(health[2]!.worst?.summary, 'secret expires in 5 days');
    assert.equal(health[3]!.status, 'ok');
    assert.equal(health[4]!.worst?.code, 'consent-missing');
  });

  it('a throttled lookup fails as a value with the cause (the view then keeps the last known state)', async () => {
    const graph = client();
    await setFaults(ep, { rules: [{ match: { service: 'graph', path: '^/v1.0/applications$' }, fault: 'throttle', retryAfter: 0 }] });
    try {
      await assert.rejects(fetchRegistrations(graph, lookupsFor(seed.connectors.map((c) => readConnectorAuth(c.apiProperties)))), (e: unknown) => {
        assert.ok(e instanceof DirectoryFailure);
        assert.equal(e.error.status, 429);
        return true;
      });
    } finally {
      await setFaults(ep, {});
    }
  });

  it('no connector with Entra auth: no request at all', async () => {
    await clearRequests(ep);
    const snapshot = await fetchRegistrations(client(), { appIds: [], resourceUris: [] });
    assert.deepEqual(snapshot, { applications: [], servicePrincipals: [], grants: [] });
    assert.equal((await roundTrips()).length, 0);
  });
});

describe('listOwnedApplications (the App registrations view)', () => {
  it('shows the first page after 1 request, then loads more by nextLink', async () => {
    const graph = client();
    await adminToken(ep, ADMIN, ['https://graph.microsoft.com/User.Read']);
    await clearRequests(ep);
    const first = await listOwnedApplications(graph, { top: 50 });
    assert.equal((await roundTrips()).length, 1);
    assert.equal(first.apps.length, 50);
    assert.ok(first.nextLink);
    const ids = new Set(first.apps.map((a) => a.id));
    let next: string | undefined = first.nextLink;
    let pages = 1;
    while (next) {
      const page = await listOwnedApplications(graph, { top: 50 }, next);
      for (const a of page.apps) ids.add(a.id);
      next = page.nextLink;
      pages++;
    }
    const owned = seed.objects.applications.length + OWNED;
    assert.equal(ids.size, owned, 'every owned app once, none of the 4,860 others');
    assert.equal(pages, Math.ceil(owned / 50));
    assert.equal((await roundTrips()).length, pages);
  });

  it('searches by display-name prefix in one request', async () => {
    const graph = client();
    await clearRequests(ep);
    const found = await listOwnedApplications(graph, { search: 'Missing Redirect' });
    assert.deepEqual(found.apps.map((a) => a.displayName).sort(), ['Missing Redirect API', 'Missing Redirect connector']);
    assert.equal(found.count, 2);
    assert.equal((await roundTrips()).length, 1);
    const quote = await listOwnedApplications(graph, { search: "O'Brien \"x\"" });
    assert.equal(quote.apps.length, 0);
  });

  it('finds a word inside the name: "API" finds every "… API" app (Graph $search, tokenized, ConsistencyLevel: eventual)', async () => {
    const graph = client();
    await clearRequests(ep);
    const found = await listOwnedApplications(graph, { search: 'API' });
    const names = found.apps.map((a) => a.displayName);
    assert.ok(names.includes('Missing Redirect API') && names.includes('Healthy Invoices API'), names.join(', '));
    assert.ok(names.every((n) => /\bAPI\b/i.test(n)), names.join(', '));
    assert.equal((await roundTrips()).length, 1);
    const partial = await listOwnedApplications(graph, { search: 'redir' });
    assert.deepEqual(partial.apps.map((a) => a.displayName).sort(), ['Missing Redirect API', 'Missing Redirect connector']);
  });
});
