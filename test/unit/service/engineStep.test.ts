// Step 7 of the checklist: the setup engine, given a site, secures it for the API app it registered (emulated tenant:
// Graph for the apps, ARM for the site); without a site the step is skipped as before; a rerun changes nothing.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import { adminToken, getState, type Endpoints } from '../../../emulator/src';
import { createGraphClient } from '../../../src/graph/client';
import { Directory } from '../../../src/graph/operations';
import { createContext, type SetupContext } from '../../../src/setup/context';
import { runSetup, type SetupServices } from '../../../src/setup/engine';
import { nodeFiles } from '../../../src/setup/nodeFiles';
import { MemoryStateStore } from '../../../src/setup/stateFile';
import { getPath } from '../../../src/service/easyAuth';
import { siteSecurer } from '../../../src/service/setupStep';
import { armClientFor, armSites, resetWithArmConsent, WEB_APP_ID } from '../../support/emulatedArm';
import { useTenant } from '../../support/tenant';

const SAMPLE = join(import.meta.dirname, '../../fixtures/workspaces/sample/Contoso Invoices');
const ADMIN = 'admin@contoso.example';

describe('checklist step 7: secure the service', () => {
  let ep: Endpoints;
  let work: string;
  useTenant({ temp: 'entra-step7-' }, (t) => ({ ep, work } = t));
  beforeEach(() => resetWithArmConsent(ep));

  function setup(withSite: boolean): { ctx: SetupContext; services: SetupServices } {
    const dir = join(mkdtempSync(join(work, 'ws-')), 'Contoso Invoices');
    cpSync(SAMPLE, dir, { recursive: true });
    const client = createGraphClient({ graphEndpoint: ep.graphEndpoint, getAccessToken: (scopes) => adminToken(ep, ADMIN, scopes), retry: { maxDelayMs: 20 } });
    const ctx = createContext({
      connectorDir: dir,
      tenantId: ep.tenantId,
      cloud: { name: 'Custom', loginEndpoint: ep.loginEndpoint, graphEndpoint: ep.graphEndpoint },
      choices: {
        api: { kind: 'new', displayName: 'Contoso Invoices API', identifierUri: { kind: 'tenant' }, scope: 'user_impersonation', audience: 'AzureADMyOrg' },
        connector: { kind: 'new', displayName: 'Contoso Invoices connector' },
        consent: 'admin',
        secretDays: 180,
        obo: false,
      },
    });
    const services: SetupServices = {
      directory: new Directory(client, { replication: { attempts: 30, delayMs: 50 } }),
      state: new MemoryStateStore(),
      files: nodeFiles,
      secrets: { store: async () => undefined },
      sleep: (ms) => new Promise<void>((r) => setTimeout(r, Math.min(ms, 20))),
      ...(withSite ? { site: siteSecurer(armClientFor(ep, ADMIN).client, WEB_APP_ID) } : {}),
    };
    return { ctx, services };
  }

  it('secures the chosen site for the API app the setup registered; a rerun is "already set" and writes nothing', async () => {
    const { ctx, services } = setup(true);
    const result = await runSetup(ctx, services);
    assert.deepEqual(result.failures, []);
    assert.equal(ctx.steps.site.state, 'done', JSON.stringify(ctx.steps.site));
    assert.match(ctx.steps.site.detail ?? '', /contoso-invoices: authentication set .*; CORS now allows/);
    const api = ctx.objects.apiApp!;
    const site = (await armSites(ep)).find((s) => s.name === 'contoso-invoices')!;
    assert.equal(getPath(site.authV2, 'identityProviders.azureActiveDirectory.registration.clientId'), api.appId);
    assert.deepEqual(getPath(site.authV2, 'identityProviders.azureActiveDirectory.validation.allowedAudiences'), [api.resourceUri, api.appId]);
    assert.equal(getPath(site.authV2, 'identityProviders.azureActiveDirectory.registration.openIdIssuer'), `${ep.loginEndpoint}/${ep.tenantId}/v2.0`);

    const writesBefore = (await getState(ep)).requests.filter((r) => r.service === 'arm' && r.method !== 'GET').length;
    await runSetup(ctx, services);
    assert.equal(ctx.steps.site.state, 'done');
    assert.match(ctx.steps.site.detail ?? '', /authentication already set; CORS already allows Power Platform/);
    assert.equal((await getState(ep)).requests.filter((r) => r.service === 'arm' && r.method !== 'GET').length, writesBefore);
  });

  it('without a site the step is skipped and the site is untouched', async () => {
    const before = await armSites(ep);
    const { ctx, services } = setup(false);
    await runSetup(ctx, services);
    assert.equal(ctx.steps.site.state, 'skipped');
    assert.deepEqual(await armSites(ep), before);
  });
});
