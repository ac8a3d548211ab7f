// The guided setup's whole loop as a person runs it, in a real VS Code (code-server) against an empty emulated tenant
// and Power Platform, with no text typed — only answers: sign in → apps, consent, secret (defaults) → deploy (the
// environment picked from the list; Power Platform signed in to through the one Azure CLI sign-in, which Resource
// Manager then reuses) → the site secured → run → summary: connector deployed, its redirect URL registered, nothing
// pending → Test Connection: the consent link opens in a new tab, the user signs in there, and a GET through the
// connector reaches the API with the user's token → 200 shown in the wizard. Two screenshots go into the README.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT } from '../../scripts/codeServer.mjs';
import { getState, type Endpoints } from '../../emulator/src';
import { approveDeviceCode, answerApplyAndWrite, confirmLoginHost, launchWorkbench, wizardView, runCommand, screenshot, type Workbench } from './support';

const ADMIN = 'admin@contoso.example';
const update = process.env.ENTRA_UPDATE_SCREENSHOTS === '1';

interface EmulatedState {
  applications: { appId: string; displayName: string; web?: { redirectUris?: string[] }; passwordCredentials?: unknown[] }[];
  powerPlatform: { connectors: { name: string; environment: string; redirectUrl: string; hasSecret: boolean }[]; connections: { connector: string; status: string; owner: string }[] };
}

describe('Deploy and test the connection from the guided setup (E2E)', function () {
  // Three sign-ins, a whole setup with a deployment, and a browser consent, on a shared 2-core machine.
  this.timeout(600_000);
  let wb: Workbench;
  before(async () => {
    wb = await launchWorkbench();
  });
  after(async () => {
    await wb?.close();
  });

  const { view, heading, next } = wizardView(() => wb.page);
  const approve = () => approveDeviceCode(wb, ADMIN);
  const shot = async (name: string, page: Page = wb.page) => {
    // Let the webview settle (fonts, custom elements) before the picture.
    await page.waitForTimeout(300);
    await screenshot(name, page, update ? join(ROOT, 'media', 'screenshots', `${name}.png`) : undefined);
  };

  it('from an empty tenant: apps, consent, secret, deploy, redirect URL registered, connection consented in the browser, GET through the connector → 200', async () => {
    const emulator = wb.emulator as unknown as Endpoints;
    assert.ok(emulator, 'the emulated tenant is running');
    const before = (await getState(emulator)) as unknown as EmulatedState;
    assert.equal(before.powerPlatform.connectors.length, 0, 'no connector deployed yet');

    await runCommand(wb.page, 'Entra Connector: Secure a Custom Connector…');
    await heading(/Sign in/);
    await view().locator('vscode-button#signIn').click();
    await confirmLoginHost(wb.page);
    const deviceRow = wb.page.locator('.quick-input-list .monaco-list-row', { hasText: 'device code' }).first();
    await deviceRow.waitFor({ timeout: 30_000 });
    await deviceRow.click();
    await approve();
    await heading(/The API your connector calls/);
    await runCommand(wb.page, 'Notifications: Clear All Notifications');

    // The apps, consent, secret and redirect pages: their proposals as they are.
    for (const title of [/The API your connector calls/, /The connector app/, /Delegation and consent/, /The client secret/, /The redirect URL/]) {
      await heading(title);
      await next();
    }

    // Deploy: list the environments (Power Platform is signed in to only now, through the Azure CLI client, reusing
    // the account: a prompt naming the client, then a device code in a web window) and pick the default one.
    await heading(/Deploy the connector to Power Platform/);
    await view().locator('vscode-radio#deployKind-deploy').click();
    await view().locator('vscode-button#findEnvironments').click();
    const dialog = wb.page.locator('.monaco-dialog-box');
    await dialog.getByText(/Power Platform/).first().waitFor({ timeout: 60_000 });
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await wb.page.locator('.notifications-toasts', { hasText: 'enter the code' }).first().waitFor({ timeout: 60_000 });
    await approve();
    const environments = view().locator('#environmentResults vscode-radio');
    await environments.first().waitFor({ timeout: 90_000 });
    assert.equal(await environments.count(), 2, 'the default environment and the one only the admin may use');
    assert.match((await environments.first().getAttribute('label')) ?? '', /\(default\) — Default-/, 'the default environment first');
    await environments.first().click();
    await wb.page.locator('.notifications-toasts', { hasText: 'enter the code' }).first().waitFor({ state: 'hidden', timeout: 60_000 }).catch(() => undefined);
    await runCommand(wb.page, 'Notifications: Clear All Notifications');
    await shot('wizard-deploy');
    await next();

    // The site: Resource Manager shares the Azure CLI client's sign-in, so listing the sites asks for nothing more.
    await heading(/Secure the service/);
    await view().locator('vscode-radio#siteKind-site').click();
    await view().locator('vscode-button#findSites').click();
    const site = view().locator('#siteResults vscode-radio').first();
    await site.waitFor({ timeout: 90_000 });
    assert.match((await site.getAttribute('label')) ?? '', /^contoso-invoices — /);
    assert.equal(await dialog.count(), 0, 'no second sign-in or consent for Resource Manager');
    await site.click();
    await next();

    await heading(/Review and run/);
    assert.match(await view().locator('dl.review').innerText(), new RegExp(`Deploy\\s+.*Default-${emulator.tenantId}`));
    await view().locator('vscode-button#run').click();
    // The site's change in a modal ("Apply") and the diff preview of the connector files in a quick pick ("Write").
    await answerApplyAndWrite(wb.page);

    // The summary: deployed, the redirect URL read back and registered, nothing pending.
    await heading(/Summary/);
    for (const step of ['properties', 'deploy', 'redirect', 'site']) await view().locator(`button.step-done[data-step="${step}"]`).waitFor({ timeout: 180_000 });
    await view().locator('#deploymentSummary').waitFor({ timeout: 30_000 });
    const summary = await view().locator('#page').innerText();
    assert.doesNotMatch(summary, /Still pending/, 'nothing left to do by hand');
    const state = (await getState(emulator)) as unknown as EmulatedState;
    assert.equal(state.powerPlatform.connectors.length, 1, 'one connector deployed');
    const connector = state.powerPlatform.connectors[0]!;
    assert.equal(connector.environment, `Default-${emulator.tenantId}`);
    assert.ok(connector.hasSecret, 'the client secret went into the deployment');
    const connectorApp = state.applications.find((a) => a.displayName !== 'Contoso Invoices API' && (a.web?.redirectUris ?? []).some((u) => u.endsWith(connector.redirectUrl)));
    assert.ok(connectorApp, `the connector's own redirect URL (…${connector.redirectUrl}) is registered on the connector app`);
    assert.ok(summary.includes(connector.name), 'the summary names the deployed connector');

    // The last step: Test Connection. The consent link opens in a new tab (code-server asks first); the user signs in.
    await runCommand(wb.page, 'View: Close Editors in Other Groups');
    await view().locator('vscode-button#testConnection').waitFor({ timeout: 30_000 });
    const newTab = wb.context.waitForEvent('page', { timeout: 120_000 });
    await view().locator('vscode-button#testConnection').click();
    const open = wb.page.getByRole('button', { name: 'Open', exact: true });
    await open.waitFor({ timeout: 90_000 });
    await open.click();
    const signIn = await newTab;
    await signIn.waitForLoadState('domcontentloaded');
    // The consent host sends the browser to the tenant with the connector app and its redirect URL.
    await signIn.locator(`input[type=radio][value="${ADMIN}"]`).waitFor({ timeout: 60_000 });
    const authorize = new URL(signIn.url());
    assert.equal(authorize.searchParams.get('client_id'), connectorApp.appId, 'the connection signs in with the connector app');
    assert.match(authorize.searchParams.get('redirect_uri') ?? '', new RegExp(`${connector.redirectUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    await signIn.locator(`input[type=radio][value="${ADMIN}"]`).check();
    await signIn.getByRole('button', { name: 'Sign in' }).click();
    await signIn.getByText('The connection is signed in').waitFor({ timeout: 60_000 });
    await signIn.close();

    // Connected; one GET through the connector reaches the API (Easy Auth accepted the user's token) → 200.
    const result = view().locator('#connectionTest[data-state="ok"]');
    await result.waitFor({ timeout: 120_000 });
    const text = await result.innerText();
    assert.match(text, /^Connection works: GET \/invoices through the connector → 200\./);
    assert.match(text, new RegExp(`"user":"${ADMIN}"`), 'the API saw the signed-in user');
    const after = (await getState(emulator)) as unknown as EmulatedState;
    assert.deepEqual(after.powerPlatform.connections.map((c) => [c.connector, c.status]), [[connector.name, 'Connected']]);
    await runCommand(wb.page, 'Notifications: Clear All Notifications');
    await result.scrollIntoViewIfNeeded();
    await shot('connection-works');
  });
});
