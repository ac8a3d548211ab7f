// "Check Against the Directory" in the real extension host also predicts what the API's site answers a call through
// the connector (its Easy Auth settings, read through Azure Resource Manager) — but only once Resource Manager is
// granted: before that it neither asks nor reports. Settings are read again on every check.
import * as assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionTestApi } from '../../../src/extension';
import { treeSeed } from '../../../emulator/src/seeds/connectors';
import { ArmClient, armScope, WEB_API_VERSION } from '../../../src/service/arm';
import { admin, ADMIN, answering, approvingDeviceCodes, emulator, signedIn, until } from '../extensionHost';

const codeOf = (d: vscode.Diagnostic) => String(typeof d.code === 'object' ? d.code.value : d.code);
const SITE = '/subscriptions/5e7c0de0-a11c-4e55-8c0f-00000000c0de/resourceGroups/rg-contoso-invoices/providers/Microsoft.Web/sites/contoso-invoices';

describe('Check Against the Directory: the API site’s authentication', function () {
  this.timeout(120_000);
  const ep = emulator();
  let api: ExtensionTestApi;
  let arm: ArmClient;
  let original: Record<string, unknown> | undefined;
  const seed = treeSeed([{ name: 'Site Check' }], { owner: ADMIN, index: 1900 });
  const c = seed.connectors[0]!;
  // Outside the workspace: the Connectors view does not list it, so creating and removing it refreshes no view while
  // other suites count their requests.
  const base = vscode.Uri.file(mkdtempSync(join(tmpdir(), 'entra-site-check-')));
  const folder = () => vscode.Uri.joinPath(base, c.name);
  const serviceCodes = (document: vscode.TextDocument) => vscode.languages.getDiagnostics(document.uri).map(codeOf).filter((code) => code.startsWith('service-'));
  // Every question the extension could ask is recorded (and declined): a consent prompt is a modal message.
  const none = () => undefined;
  const check = () =>
    answering({ showInformationMessage: none, showWarningMessage: none, showErrorMessage: none, showQuickPick: none, showInputBox: none }, () =>
      vscode.commands.executeCommand<boolean>('entraConnector.checkOnline'),
    );
  /** The site's Easy Auth on, with the right issuer, accepting these audiences. */
  const easyAuth = (audiences: string[]) => ({
    properties: {
      ...original,
      platform: { enabled: true, runtimeVersion: '~1' },
      globalValidation: { requireAuthentication: true, unauthenticatedClientAction: 'Return401', excludedPaths: ['/health'] },
      identityProviders: {
        azureActiveDirectory: {
          enabled: true,
          registration: { clientId: audiences[0], openIdIssuer: `${api.auth.settings().cloud.loginEndpoint}/${ep.tenantId}/v2.0` },
          validation: { allowedAudiences: audiences, jwtClaimChecks: {} },
        },
      },
    },
  });

  async function open(): Promise<vscode.TextDocument> {
    const document = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder(), 'apiProperties.json'));
    await vscode.window.showTextDocument(document);
    return document;
  }

  before(async () => {
    api = await signedIn(ep);
    await admin(ep, 'POST', '/seed', seed.objects);
    const swagger = { swagger: '2.0', info: { title: 'Site Check', version: '1.0' }, host: 'contoso-invoices.azurewebsites.net', basePath: '/', schemes: ['https'], paths: {} };
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder(), 'apiProperties.json'), new TextEncoder().encode(c.apiProperties));
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder(), 'apiDefinition.swagger.json'), new TextEncoder().encode(JSON.stringify(swagger, null, 2)));
    arm = new ArmClient({ armEndpoint: api.auth.settings().cloud.armEndpoint, getAccessToken: (scopes) => api.auth.getAccessToken(scopes) });
  });

  after(async () => {
    if (original) await arm.put(`${SITE}/config/authsettingsV2`, WEB_API_VERSION, { properties: original });
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.fs.delete(base, { recursive: true, useTrash: false });
    // Signed out as the suite found it (Secure the Service's suite signs out both), so the next suite starts alike.
    await (await api.auth.serviceFor('arm')).signOut();
    await (await api.auth.service()).signOut();
  });

  it('without Resource Manager granted: no question, no request to Resource Manager, no prediction', async () => {
    const document = await open();
    const armRequests = async () => (await admin<{ requests: { service: string }[] }>(ep, 'GET', '/state')).requests.filter((r) => r.service === 'arm').length;
    const armBefore = await armRequests();
    const { result, asked } = await check();
    assert.equal(result, true, 'checked against the directory');
    assert.deepEqual(asked, [], 'nothing was asked (the site is read only with a token already granted)');
    assert.equal(await armRequests(), armBefore, 'the site was not read');
    assert.deepEqual(serviceCodes(document), []);
  });

  it('once granted: a site that does not accept the connector’s audience is predicted as 401; fixed on the site, the problem goes', async () => {
    assert.equal((await approvingDeviceCodes(ep, (await api.auth.serviceFor('arm')).signIn('deviceCode', { scopes: [armScope(api.auth.settings().cloud.armEndpoint)] }))).username, ADMIN);
    original = (await arm.get<{ properties: Record<string, unknown> }>(`${SITE}/config/authsettingsV2`, WEB_API_VERSION)).properties;
    await arm.put(`${SITE}/config/authsettingsV2`, WEB_API_VERSION, easyAuth(['11111111-2222-4333-8444-555555555555']));
    const document = await open();

    const { asked } = await check();
    assert.deepEqual(asked, []);
    const problem = await until('the site prediction', () => vscode.languages.getDiagnostics(document.uri).find((d) => codeOf(d) === 'service-audience'));
    assert.match(problem.message, /contoso-invoices's authentication does not accept the connector's tokens \(audience [0-9a-f-]{36}; .*get 401/);
    assert.ok(problem.message.includes(c.apiAppId), 'the audience of a v2 token is the API app’s appId');

    await arm.put(`${SITE}/config/authsettingsV2`, WEB_API_VERSION, easyAuth([c.apiAppId]));
    await check();
    await until('the prediction to go once the site accepts the audience', () => (serviceCodes(document).length === 0 ? true : undefined));
  });
});
