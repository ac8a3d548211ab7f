// Secure the Service as a person does it, in a real VS Code (code-server) against the emulated tenant: sign in →
// palette → "Entra Connector: Secure the Service…" → consent to Azure Service Management (device code in a web
// window) → the site serving the connector's host, first in the list → the API app → the change, field by field →
// Apply → Easy Auth and CORS set in the emulated Resource Manager. Screenshots of the preview and the result.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT } from '../../scripts/codeServer.mjs';
import { adminHeaders, httpsJson } from '../../emulator/src/client';
import { approveDeviceCode, acceptQuickPick, launchWorkbench, runCommand, screenshot, type Workbench, confirmLoginHost } from './support';

const ADMIN = 'admin@contoso.example';
const API_APP_ID = '4c2d9e7f-1a3b-4c5d-8e6f-7a8b9c0d1e2f';
const update = process.env.ENTRA_UPDATE_SCREENSHOTS === '1';

describe('Secure the Service (E2E)', () => {
  let wb: Workbench;
  before(async () => {
    wb = await launchWorkbench();
  });
  after(async () => {
    await wb?.close();
  });

  it('palette → consent → pick the site → preview → Apply: authentication and CORS set on the App Service', async () => {
    const emulator = wb.emulator;
    assert.ok(emulator, 'the emulated tenant is running');
    const { page, context } = wb;
    const adminApi = async <T>(method: string, path: string, body?: unknown) => {
      const r = await httpsJson<T>(`${emulator.adminEndpoint}${path}`, { method, ...(body === undefined ? {} : { body }), headers: adminHeaders(emulator), ca: emulator.caCertPath });
      assert.ok(r.status < 400, `admin ${method} ${path}: ${r.status}`);
      return r.body;
    };
    const uri = `api://${emulator.tenantId}/contoso-invoices`;
    await adminApi('POST', '/seed', { owner: ADMIN, applications: [{ appId: API_APP_ID, displayName: 'Contoso Invoices API', identifierUris: [uri] }] });

    // Sign in (the browser way), as in the sign-in E2E test.
    await runCommand(page, 'Entra Connector: Sign In');
    await confirmLoginHost(page);
    const browserRow = page.locator('.quick-input-list .monaco-list-row', { hasText: 'with the browser' }).first();
    await browserRow.waitFor({ timeout: 30_000 });
    const newTab = context.waitForEvent('page', { timeout: 60_000 });
    await browserRow.click();
    await page.getByRole('button', { name: 'Open', exact: true }).click({ timeout: 30_000 });
    const signInPage = await newTab;
    await signInPage.locator(`input[type=radio][value="${ADMIN}"]`).check();
    await signInPage.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('.statusbar-item', { hasText: ADMIN }).first().waitFor({ timeout: 30_000 });
    await signInPage.close();

    await runCommand(page, 'Entra Connector: Secure the Service…');
    // Incremental consent: the ARM permission is asked for only now; a web window uses a device code.
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.getByText(/user_impersonation/).first().waitFor({ timeout: 30_000 });
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await page.locator('.notifications-toasts', { hasText: 'enter the code' }).first().waitFor({ timeout: 30_000 });
    await approveDeviceCode(wb, ADMIN);

    // One subscription: straight to the sites; the one serving the swagger host comes first.
    const first = page.locator('.quick-input-list .monaco-list-row').first();
    await first.filter({ hasText: 'serves the connector' }).waitFor({ timeout: 30_000 });
    assert.match((await first.textContent()) ?? '', /contoso-invoices/);
    assert.ok(await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Function App' }).count() > 0, 'function apps are listed');
    await first.click();

    // The sample connector has no Entra settings yet: the API app is asked for.
    const input = page.locator('.quick-input-widget input');
    await page.locator('.quick-input-widget', { hasText: 'API app for App Service authentication' }).waitFor({ timeout: 30_000 });
    await input.fill(uri);
    await input.press('Enter');

    await dialog.getByText('Secure contoso-invoices?').waitFor({ timeout: 30_000 });
    await dialog.getByText(/unauthenticatedClientAction: "RedirectToLoginPage" → "Return401"/).waitFor();
    await dialog.getByText(/CORS \(config\/web\): allow https:\/\/\*\.azure-apim\.net/).waitFor();
    await screenshot('secure-service-preview', page, update ? join(ROOT, 'media', 'screenshots', 'secure-service-preview.png') : undefined);
    await dialog.getByRole('button', { name: 'Apply' }).click();

    // Optional file changes (the Origin policy is offered, not preselected): accept as offered.
    await acceptQuickPick(page, 'Also change these files?');

    await page.locator('.notifications-toasts', { hasText: 'contoso-invoices: authentication and CORS updated.' }).first().waitFor({ timeout: 30_000 });
    await screenshot('secure-service-done', page, update ? join(ROOT, 'media', 'screenshots', 'secure-service-done.png') : undefined);

    const state = await adminApi<{ arm: { sites: { name: string; web: { cors: { allowedOrigins: string[] } }; authV2: { globalValidation: { unauthenticatedClientAction: string }; identityProviders: { azureActiveDirectory: { registration: { clientId: string } } } } }[] } }>('GET', '/state');
    const site = state.arm.sites.find((s) => s.name === 'contoso-invoices')!;
    assert.equal(site.authV2.globalValidation.unauthenticatedClientAction, 'Return401');
    assert.equal(site.authV2.identityProviders.azureActiveDirectory.registration.clientId, API_APP_ID);
    assert.deepEqual(site.web.cors.allowedOrigins, ['https://invoices.contoso.example', 'https://*.azure-apim.net', 'https://make.powerapps.com', 'https://make.powerautomate.com']);
  });
});
