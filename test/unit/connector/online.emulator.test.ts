// The online rules over the real Graph-backed Directory (src/graph/operations.ts) against the emulated tenant:
// `Directory` satisfies `DirectoryLookup` as is, and each broken piece of a connector's setup shows up as its rule.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomUUID } from 'node:crypto';
import type { Endpoints } from '../../../emulator/src';
import type { Directory } from '../../../src/graph/operations';
import { analyzeOnline, type DirectoryLookup } from '../../../src/connector/online';
import { connectorProperties, securedConnector } from '../../support/connector';
import { directoryFor, useTenant } from '../../support/tenant';

const PER_CONNECTOR = 'https://global.consent.azure-apim.net/redirect/contoso-20invoices-5fabc';

let ep: Endpoints;
let directory: Directory;
useTenant({}, (t) => {
  ep = t.ep;
  directory = directoryFor(ep, { retry: { maxRetries: 1, maxDelayMs: 10 }, sleep: async () => {}, replication: { attempts: 3, delayMs: 0 } });
});

const apiProperties = (clientId: string, resource: string) => connectorProperties(clientId, resource, PER_CONNECTOR);

describe('online rules against the emulated tenant', () => {
  const lookup = (): DirectoryLookup => directory;
  const now = new Date();
  let clientAppId = '';
  let resource = '';

  it('a connector set up completely gives no online diagnostic', async () => {
    ({ clientAppId, resource } = await securedConnector(directory, 'online-rules', PER_CONNECTOR));
    assert.deepEqual(await analyzeOnline(apiProperties(clientAppId, resource), lookup(), { now }), []);
  });

  it('a client ID the tenant does not have is client-app-not-found', async () => {
    const ds = await analyzeOnline(apiProperties(randomUUID(), resource), lookup(), { now });
    assert.deepEqual(ds.map((d) => d.code), ['client-app-not-found']);
  });

  it('a resource no app declares is resource-not-found', async () => {
    const ds = await analyzeOnline(apiProperties(clientAppId, `api://${randomUUID()}`), lookup(), { now });
    assert.deepEqual(ds.map((d) => d.code), ['resource-not-found']);
  });

  it('the shared redirect URL is not on the app: redirect-uri-not-registered', async () => {
    const text = apiProperties(clientAppId, resource).replace(PER_CONNECTOR, 'https://global.consent.azure-apim.net/redirect');
    const ds = await analyzeOnline(text, lookup(), { now });
    assert.deepEqual(ds.map((d) => d.code), ['redirect-uri-not-registered']);
  });

  it('the secret expiring within 30 days: secret-expiring', async () => {
    const ds = await analyzeOnline(apiProperties(clientAppId, resource), lookup(), { now: new Date(Date.now() + 170 * 86_400_000) });
    assert.deepEqual(ds.map((d) => d.code), ['secret-expiring']);
  });
});
