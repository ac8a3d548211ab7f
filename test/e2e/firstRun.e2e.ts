// Issue 17 as a new user meets it, in a real VS Code (code-server) against the emulated tenant: the walkthrough on
// the first activation (once), the tenant shown by its name, a device code that stays in view until the sign-in is
// done, and a change made outside the tree (the sign-in error explainer) showing in the Connectors view at once.
import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { httpsJson } from '../../emulator/src/client';
import { treeSeed } from '../../emulator/src/seeds/connectors';
import { ROOT } from '../../scripts/codeServer.mjs';
import { approveDeviceCode, confirmLoginHost, launchWorkbench, runCommand, screenshot, webviewFrame, type Workbench } from './support';

const ADMIN = 'admin@contoso.example';
const update = process.env.ENTRA_UPDATE_SCREENSHOTS === '1';

describe('First run and trust (issue 17, E2E)', () => {
  let wb: Workbench;
  before(async () => {
    // A user who keeps VS Code's default: walkthroughs open on install.
    wb = await launchWorkbench({ settings: { 'workbench.welcomePage.walkthroughs.openOnInstall': true } });
  });
  after(async () => {
    await wb?.close();
  });

  const adminApi = async <T>(method: string, path: string, body?: unknown) => {
    const emulator = wb.emulator!;
    const r = await httpsJson<T>(`${emulator.adminEndpoint}${path}`, { method, ...(body === undefined ? {} : { body }), headers: { authorization: `Bearer ${emulator.adminToken}` }, ca: emulator.caCertPath });
    assert.ok(r.status < 400, `admin ${method} ${path}: ${r.status}`);
    return r.body;
  };
  const editor = () => wb.page.locator('.part.editor');

  it('opens the walkthrough on the first activation, and only then', async () => {
    await editor().getByText('Get Started with Entra Connector').first().waitFor({ timeout: 60_000 });
    for (const step of ['Sign in to Microsoft Entra ID', 'Secure a custom connector', 'Check the Problems', 'Deploy the connector']) {
      await editor().getByText(step).first().waitFor({ timeout: 10_000 });
    }
    await screenshot('walkthrough', wb.page, update ? join(ROOT, 'media', 'screenshots', 'walkthrough.png') : undefined);
    await runCommand(wb.page, 'View: Close All Editors');
    for (let i = 0; i < 50 && (await editor().getByText('Get Started with Entra Connector').count()) > 0; i++) await wb.page.waitForTimeout(200);
    assert.equal(await editor().getByText('Get Started with Entra Connector').count(), 0, 'closed');
    // Reloaded as a user does (Developer: Reload Window): VS Code stores its state (the closed editors, the
    // extension's globalState) before the page goes; a bare page reload may lose what was not yet written.
    await Promise.all([wb.page.waitForEvent('load', { timeout: 60_000 }), runCommand(wb.page, 'Developer: Reload Window')]);
    await wb.page.locator('.activitybar [aria-label^="Entra Connector"]').first().waitFor({ timeout: 60_000 });
    // The extension activates again (the workspace has an apiProperties.json); give it time to (not) open the walkthrough.
    await wb.page.waitForTimeout(8000);
    assert.equal(await editor().getByText('Get Started with Entra Connector').count(), 0, 'not opened a second time');
  });

  it('keeps the device code and Copy & Open in view until the sign-in is done; then names the tenant', async () => {
    const { page, context } = wb;
    await runCommand(page, 'Entra Connector: Sign In');
    await confirmLoginHost(page);
    const deviceRow = page.locator('.quick-input-list .monaco-list-row', { hasText: 'device code' }).first();
    await deviceRow.waitFor({ timeout: 30_000 });
    await deviceRow.click();
    const code = page.locator('.statusbar-item[aria-label^="Sign-in code"]').first();
    await code.waitFor({ timeout: 30_000 });
    // Longer than a notification stays on screen by itself.
    await page.waitForTimeout(15_000);
    assert.ok(await code.isVisible(), 'the code is still in the status bar');
    assert.ok(await page.locator('.notifications-toasts', { hasText: 'enter the code' }).first().isVisible(), 'the waiting notification with the code is still shown');
    await screenshot('device-code', page, update ? join(ROOT, 'media', 'screenshots', 'device-code.png') : undefined);
    const userCode = /Sign-in code (\S+):/.exec((await code.getAttribute('aria-label')) ?? '')?.[1];
    assert.ok(userCode, 'the code is readable');

    const newTab = context.waitForEvent('page', { timeout: 60_000 });
    await code.click();
    await page.getByRole('button', { name: 'Open', exact: true }).click({ timeout: 30_000 });
    const devicePage = await newTab;
    assert.match(devicePage.url(), /devicelogin/);
    await devicePage.close();

    await approveDeviceCode(wb, ADMIN);
    await page.locator('.statusbar-item', { hasText: ADMIN }).first().waitFor({ timeout: 30_000 });
    await code.waitFor({ state: 'detached', timeout: 30_000 });

    // The tenant by its name, not only its GUID, in the Connectors view's header.
    const sidebar = page.locator('.part.sidebar');
    if (!(await sidebar.locator('.pane-header', { hasText: 'Connectors' }).isVisible().catch(() => false))) {
      await page.locator('.activitybar [aria-label^="Entra Connector"]').first().click();
    }
    await sidebar.locator('.pane-header', { hasText: 'Contoso (contoso.example)' }).first().waitFor({ timeout: 30_000 });
  });

  it('a change made by the sign-in error explainer shows in the Connectors view as soon as Graph accepts it', async () => {
    const { page } = wb;
    const seed = treeSeed([{ name: 'Explained Redirect', redirectRegistered: false }], { owner: ADMIN, index: 1800 });
    await adminApi('POST', '/seed', seed.objects);
    const c = seed.connectors[0]!;
    mkdirSync(join(wb.workspaceDir, c.name), { recursive: true });
    writeFileSync(join(wb.workspaceDir, c.name, 'apiProperties.json'), c.apiProperties);
    const row = page.locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: /^Explained Redirect$/ }) }).first();
    await row.locator('.label-description', { hasText: 'redirect URI not registered' }).waitFor({ timeout: 60_000 });

    await runCommand(page, 'Entra Connector: Explain a Sign-in Error…');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 30_000 });
    await input.fill(`AADSTS50011: The redirect URI '${c.redirectUrl}' specified in the request does not match the redirect URIs configured for the application '${c.clientId}'.`);
    await input.press('Enter');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.getByRole('button', { name: 'Register Redirect URI on the App' }).click({ timeout: 30_000 });
    await dialog.getByRole('button', { name: 'Add Redirect URI' }).click({ timeout: 30_000 });
    // No refresh is clicked: the view follows the change.
    await row.locator('.label-description', { hasText: /^healthy$/ }).waitFor({ timeout: 15_000 });
  });

  it('the guided setup: consent proposed from the roles with the reason, the OBO label once, a warning for a redirect URL off Power Platform', async () => {
    const { page } = wb;
    const view = () => webviewFrame(page);
    const heading = (text: RegExp) => view().locator('h2#pageTitle', { hasText: text }).waitFor({ timeout: 90_000 });
    const next = () => view().locator('vscode-button#next').click();
    await runCommand(page, 'Entra Connector: Secure a Custom Connector…');
    const pick = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Contoso Invoices' }).first();
    // Several connectors in the workspace: the picker (each folder named once) asks which.
    if (await pick.waitFor({ timeout: 15_000 }).then(() => true, () => false)) await pick.click();
    await heading(/The API your connector calls/);
    await next();
    await heading(/The connector app/);
    await next();
    await heading(/Delegation and consent/);
    await view().locator('#consentHint', { hasText: /Application Administrator, a role that may consent for the whole organization/ }).waitFor({ timeout: 30_000 });
    assert.equal(await view().getByText(/On-behalf-of login/).count(), 1, 'the OBO label is printed once');
    await next();
    await heading(/The client secret/);
    await next();
    await heading(/The redirect URL/);
    await view().locator('#redirectUrl input').fill('https://example.com/callback');
    await view().locator('#redirectWarning', { hasText: "example.com is not Power Platform's consent service" }).waitFor({ timeout: 10_000 });
    await view().locator('#redirectUrl input').fill('https://global.consent.azure-apim.net/redirect/contoso-20invoices-5f1');
    await view().locator('#redirectWarning').waitFor({ state: 'hidden', timeout: 10_000 });
  });
});
