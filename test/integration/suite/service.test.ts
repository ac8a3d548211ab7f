// "Secure the Service" inside the real extension host against the emulated tenant: the ARM token comes from the
// extension's sign-in (SecretStorage, incremental scope), the site is the one serving the sample connector's swagger
// host, Easy Auth and CORS are changed in the emulated ARM, the Origin policy lands in apiProperties.json through a
// WorkspaceEdit, and a second run changes nothing. The questions are answered by a scripted ServiceUi.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ExtensionTestApi } from '../../../src/extension';
import { armScope } from '../../../src/service/arm';
import { runSecureServiceFlow, type ServiceUi } from '../../../src/vscode/service/flow';
import { activated, ADMIN, admin, approvingDeviceCodes, emulator, type Endpoints, sampleConnector } from '../extensionHost';

const API_APP_ID = '0b7c3e5d-2a4f-4b6c-8d9e-1f2a3b4c5d6e';

interface ArmSite {
  name: string;
  web: { cors?: { allowedOrigins?: string[] } };
  authV2: { identityProviders?: { azureActiveDirectory?: { registration?: { clientId?: string } } }; globalValidation?: { unauthenticatedClientAction?: string; excludedPaths?: string[] } };
}

async function armSites(endpoints: Endpoints): Promise<ArmSite[]> {
  return (await admin<{ arm: { sites: ArmSite[] } }>(endpoints, 'GET', '/state')).arm.sites;
}

describe('Secure the Service in the extension host', function () {
  this.timeout(90_000);
  const endpoints = emulator();
  let api: ExtensionTestApi;
  let connector: vscode.Uri;
  let originalProperties: Uint8Array;

  before(async () => {
    api = await activated();
    ({ folder: connector, originalProperties } = await sampleConnector());
    await admin(endpoints, 'POST', '/seed', { owner: ADMIN, applications: [{ appId: API_APP_ID, displayName: 'Contoso Invoices API', identifierUris: [`api://${endpoints.tenantId}/contoso-invoices`] }] });
    // Sign in as the step would: Resource Manager through the Azure CLI client (pre-authorized, no consent), Graph
    // (to read the API app) through Graph CLI Tools — one device code each, approved here.
    for (const [service, scopes] of [
      [await api.auth.serviceFor('arm'), [armScope(api.auth.settings().cloud.armEndpoint)]],
      [await api.auth.serviceFor('graph'), undefined],
    ] as const) {
      assert.equal((await approvingDeviceCodes(endpoints, service.signIn('deviceCode', scopes ? { scopes } : {}))).username, ADMIN);
    }
  });

  after(async () => {
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(connector, 'apiProperties.json'), originalProperties);
    await (await api.auth.serviceFor('arm')).signOut();
    await (await api.auth.service()).signOut();
  });

  it('secures the site serving the swagger host, adds the Origin policy; a second run changes nothing', async () => {
    const asked: string[] = [];
    const ui = (extras: 'originPolicy' | 'none'): ServiceUi => ({
      pickConnector: async () => assert.fail('the connector was given'),
      pickSubscription: async (subs) => {
        asked.push('subscription');
        return subs[0];
      },
      pickSite: async (sites, suggested) => {
        asked.push('site');
        assert.deepEqual(suggested.map((s) => s.name), ['contoso-invoices'], 'the site serving the swagger host is suggested');
        assert.ok(sites.some((s) => s.kind.includes('functionapp')), 'function apps are listed too');
        return suggested[0];
      },
      askApiApp: async () => {
        asked.push('apiApp');
        return `api://${endpoints.tenantId}/contoso-invoices`;
      },
      confirm: async (_plan, offered) => {
        asked.push('confirm');
        return extras === 'none' ? [] : offered.filter((e) => e.kind === 'originPolicy');
      },
      progress: (_title, task) => task(),
    });

    const first = await runSecureServiceFlow(ui('originPolicy'), { auth: api.auth, log: vscode.window.createOutputChannel('Entra Connector test', { log: true }) }, { connector });
    assert.ok(first.result?.easyAuthChanged && first.result.corsChanged);
    assert.deepEqual(asked, ['site', 'apiApp', 'confirm'], 'one subscription: not asked');
    const site = (await armSites(endpoints)).find((s) => s.name === 'contoso-invoices')!;
    assert.equal(site.authV2.identityProviders?.azureActiveDirectory?.registration?.clientId, API_APP_ID);
    assert.equal(site.authV2.globalValidation?.unauthenticatedClientAction, 'Return401');
    assert.deepEqual(site.authV2.globalValidation?.excludedPaths, ['/health'], 'unrelated settings kept');
    assert.deepEqual(site.web.cors?.allowedOrigins, ['https://invoices.contoso.example', 'https://*.azure-apim.net', 'https://make.powerapps.com', 'https://make.powerautomate.com']);
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(connector, 'apiProperties.json'));
    assert.equal(doc.isDirty, false, 'the edit was saved');
    assert.match(doc.getText(), /"x-ms-apimTemplateParameter\.name": "Origin"/);

    const second = await runSecureServiceFlow(ui('none'), { auth: api.auth, log: vscode.window.createOutputChannel('Entra Connector test 2', { log: true }) }, { connector });
    assert.equal(second.result, undefined, 'nothing to apply the second time');
    assert.deepEqual((await armSites(endpoints)).find((s) => s.name === 'contoso-invoices'), site);
  });
});
