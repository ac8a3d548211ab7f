// What the engine tests repeat: the setup engine hosted over the emulated tenant (tokens minted through the admin API,
// secrets kept in memory), a context for the sample connector's choices, and the directory objects setups made.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { adminTokenSource, getState, type Endpoints } from '../../emulator/src';
import { createGraphClient } from '../../src/graph/client';
import { Directory } from '../../src/graph/operations';
import { createContext, type SetupChoices, type SetupContext } from '../../src/setup/context';
import type { StateStore } from '../../src/setup/engine';
import { nodeFiles } from '../../src/setup/nodeFiles';
import { MemoryStateStore } from '../../src/setup/stateFile';
import { ADMIN } from './tenant';

/** The sample connector's choices: a new API app and connector app, admin consent, a 180-day secret. */
export function choices(over: Partial<SetupChoices> = {}): SetupChoices {
  return {
    api: { kind: 'new', displayName: 'Contoso Invoices API', identifierUri: { kind: 'tenant' }, scope: 'user_impersonation', audience: 'AzureADMyOrg' },
    connector: { kind: 'new', displayName: 'Contoso Invoices connector' },
    consent: 'admin',
    secretDays: 180,
    obo: false,
    ...over,
  };
}

/** A new setup of `dir` in the emulated tenant with the default choices changed by `over` (and a given run ID). */
export function newContext(ep: Endpoints, dir: string, over: Partial<SetupChoices> = {}, runId?: string): SetupContext {
  return createContext({ connectorDir: dir, tenantId: ep.tenantId, cloud: { name: 'Custom', loginEndpoint: ep.loginEndpoint, graphEndpoint: ep.graphEndpoint }, choices: choices(over), ...(runId ? { runId } : {}) });
}

export interface HarnessOptions {
  user?: string;
  state?: StateStore;
  /** Wraps the HTTP transport (e.g. to cut the network after N requests). */
  fetch?: typeof fetch;
}

/** One "process" hosting the engine: its own token cache, secret store, log and state store. */
export function harness(ep: Endpoints, options: HarnessOptions = {}) {
  const user = options.user ?? ADMIN;
  const secrets = new Map<string, string>();
  const issuedTokens: string[] = [];
  const log: string[] = [];
  const client = createGraphClient({
    graphEndpoint: ep.graphEndpoint,
    getAccessToken: adminTokenSource(ep, user, (token) => issuedTokens.push(token)),
    log: (e) => log.push(`${e.method} ${e.path} ${e.status}`),
    retry: { maxDelayMs: 20 },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const directory = new Directory(client, { replication: { attempts: 30, delayMs: 50 } });
  const state = options.state ?? new MemoryStateStore();
  const services = {
    directory,
    state,
    files: nodeFiles,
    secrets: { store: async (clientId: string, value: string) => void secrets.set(clientId, value) },
    log: (line: string) => log.push(line),
    sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, Math.min(ms, 20))),
  };
  return { secrets, issuedTokens, log, directory, state, services };
}

/** The directory objects that setups made (apps by our uniqueName prefix, their SPs, grants, passwords). */
export async function counts(ep: Endpoints) {
  const s = await getState(ep);
  const apps = s.applications.filter((a) => String(a.uniqueName ?? '').startsWith('entra-connector-'));
  const appIds = new Set(apps.map((a) => a.appId));
  const sps = s.servicePrincipals.filter((sp) => appIds.has(sp.appId));
  const spIds = new Set(sps.map((sp) => sp.id));
  const grants = s.oauth2PermissionGrants.filter((g) => spIds.has(String(g.clientId)));
  const passwords = apps.flatMap((a) => (a.passwordCredentials as { keyId: string }[] | undefined) ?? []);
  return { apps: apps.length, sps: sps.length, grants: grants.length, passwords: passwords.length, passwordKeyIds: passwords.map((p) => p.keyId), state: s };
}

export function assertPropertiesMatch(ep: Endpoints, dir: string, ctx: SetupContext): void {
  const oa = JSON.parse(readFileSync(join(dir, 'apiProperties.json'), 'utf8')).properties.connectionParameters.token.oAuthSettings;
  assert.equal(oa.identityProvider, 'aad');
  assert.equal(oa.clientId, ctx.objects.connectorApp?.appId);
  assert.equal(oa.customParameters.resourceUri.value, ctx.objects.apiApp?.resourceUri);
  assert.equal(oa.properties.AzureActiveDirectoryResourceId, ctx.objects.apiApp?.resourceUri);
  assert.equal(oa.customParameters.tenantId.value, ep.tenantId);
  assert.equal(oa.customParameters.loginUri.value, ep.loginEndpoint);
}
