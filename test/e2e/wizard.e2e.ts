// The guided setup as a person uses it, in a real VS Code (code-server) against the emulated tenant:
// palette → wizard → sign in (device code) → every page → close and reopen mid-way (window reload) resumes →
// site page (Skip) → run → diff preview "Write" → summary; apiProperties.json written; a screenshot of every page (two go in the README).
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../scripts/codeServer.mjs';
import { getState, type Endpoints } from '../../emulator/src';
import { approveDeviceCode, answerApplyAndWrite, launchWorkbench, quickPickRow, wizardView, runCommand, screenshot, webviewFrame, type Workbench, confirmLoginHost } from './support';

const ADMIN = 'admin@contoso.example';

/** A choice of the quick pick that asks beside a diff (label exactly `label`). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    const stat = statSync(path, { throwIfNoEntry: false });
    return !stat ? [] : stat.isDirectory() ? filesUnder(path) : stat.isFile() ? [path] : [];
  });
}
const update = process.env.ENTRA_UPDATE_SCREENSHOTS === '1';
/** Pages whose screenshot goes into the README (media/screenshots/). */
const README_SHOTS = new Set(['service', 'summary']);

describe('Secure a Custom Connector (E2E)', function () {
  // A whole setup through the UI, with a window reload, on a shared 2-core machine.
  this.timeout(600_000);
  let wb: Workbench;
  before(async () => {
    wb = await launchWorkbench();
  });
  after(async () => {
    await wb?.close();
  });

  const { view, heading, next } = wizardView(() => wb.page);
  const shot = async (name: string) => {
    // Let the webview settle (fonts, custom elements) before the picture.
    await wb.page.waitForTimeout(300);
    await screenshot(`wizard-${name}`, wb.page, update && README_SHOTS.has(name) ? join(ROOT, 'media', 'screenshots', `wizard-${name}.png`) : undefined);
    // The README's first picture (media/screenshots/wizard.png) is the wizard's first page.
    if (update && name === 'service') await screenshot('wizard', wb.page, join(ROOT, 'media', 'screenshots', 'wizard.png'));
  };

  it('walks palette → sign in → every page → summary, resumes after a reload, and writes apiProperties.json', async () => {
    assert.ok(wb.emulator, 'the emulated tenant is running');
    await runCommand(wb.page, 'Entra Connector: Secure a Custom Connector…');
    await wb.page.locator('.tab', { hasText: /Secure/ }).first().waitFor({ timeout: 30_000 });
    await view().getByRole('list', { name: 'Checklist' }).waitFor({ timeout: 30_000 });
    assert.match(await view().locator('h1').innerText(), /Contoso Invoices.*Microsoft Entra ID/);

    // Sign in: the wizard's button runs the sign-in command; in a web window it offers the device code.
    await heading(/Sign in/);
    await shot('signin');
    await view().locator('vscode-button#signIn').click();
    await confirmLoginHost(wb.page);
    const deviceRow = wb.page.locator('.quick-input-list .monaco-list-row', { hasText: 'device code' }).first();
    await deviceRow.waitFor({ timeout: 30_000 });
    await deviceRow.click();
    await approveDeviceCode(wb, ADMIN);
    // The sign-in notifications are not part of the wizard's pictures.
    await heading(/The API your connector calls/);
    await runCommand(wb.page, 'Notifications: Clear All Notifications');

    // 1. Service: pre-filled from the folder name.
    await heading(/The API your connector calls/);
    assert.equal(await view().locator('#apiName').evaluate((e) => (e as HTMLInputElement).value), 'Contoso Invoices API');
    await shot('service');
    await next();
    // 2. Connector app.
    await heading(/The connector app/);
    await shot('connector');
    await next();
    // 3. Consent — then "close VS Code and open it again": the reload restores the panel on the same page.
    await heading(/Delegation and consent/);
    // A person closes the window a moment after answering, not within the workbench's storage flush.
    await wb.page.waitForTimeout(3_000);
    await wb.page.reload();
    await wb.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    // VS Code restores the panel through the extension's serializer (activation onWebviewPanel).
    await heading(/Delegation and consent/, 240_000);
    await shot('consent');
    await next();
    // 4. Secret lifetime, typed by keyboard.
    await heading(/The client secret/);
    const days = view().locator('#secretDays input');
    await days.fill('90');
    await shot('secret');
    await next();
    // 5. Redirect URL: left for later.
    await heading(/The redirect URL/);
    await shot('redirect');
    await next();
    // 6. Deploy to Power Platform: optional, "Skip" by default, so Next goes on.
    await heading(/Deploy the connector to Power Platform/);
    assert.equal(await view().locator('vscode-radio#deployKind-skip').evaluate((e) => (e as HTMLInputElement).checked), true, 'Skip is the default');
    await shot('deploy');
    await next();
    // 7. Securing the App Service / Function App: optional, "Skip" by default, so Next goes on.
    await heading(/Secure the service/);
    assert.equal(await view().locator('vscode-radio#siteKind-skip').evaluate((e) => (e as HTMLInputElement).checked), true, 'Skip is the default');
    await shot('site');
    await next();
    // 8. Review and run.
    await heading(/Review and run/);
    const review = await view().locator('dl.review').innerText();
    assert.match(review, /90 days/);
    assert.match(review, /Deploy\s+Skip/);
    assert.match(review, /Secure the service\s+Skip/);
    await shot('review');
    await view().locator('vscode-button#run').click();

    // The diff preview asks before writing apiProperties.json: one diff editor with both files, the question beside
    // it in a quick pick that does not block reading it.
    const write = quickPickRow(wb.page, 'Write');
    await write.waitFor({ timeout: 90_000 });
    await wb.page.locator('.tab', { hasText: /^Setup changes: apiProperties\.json and apiDefinition\.swagger\.json/ }).first().waitFor({ timeout: 30_000 });
    await shot('preview');
    await write.click();

    await heading(/Summary/);
    await view().locator('button.step-done[data-step="properties"]').waitFor({ timeout: 90_000 });
    await view().locator('table.objects').waitFor({ timeout: 90_000 });
    await view().locator('vscode-button#copySecret').waitFor({ timeout: 90_000 });
    // The diff editors opened beside the wizard have served their purpose.
    await runCommand(wb.page, 'View: Close Editors in Other Groups');
    await view().locator('table.objects').waitFor({ timeout: 30_000 });
    const summary = await view().locator('#page').innerText();
    assert.match(summary, /What exists now/);
    assert.match(summary, /Still pending/);
    assert.match(summary, /redirect URL/i);
    await shot('summary');

    // Copy secret: the host puts it on the clipboard; it is nowhere on disk (workspace, user data, logs).
    await wb.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(wb.page.url()).origin });
    await view().locator('vscode-button#copySecret').click();
    await view().locator('.notice', { hasText: /Copied the client secret/ }).waitFor({ timeout: 30_000 });
    const secret = await wb.page.evaluate(() => navigator.clipboard.readText());
    assert.ok(secret.length >= 16, 'the secret reached the clipboard');
    assert.ok(!(await view().locator('body').innerText()).includes(secret), 'not shown in the wizard');
    for (const file of [...filesUnder(wb.workspaceDir), ...filesUnder(wb.server.userDataDir)]) {
      let content: Buffer;
      try {
        content = readFileSync(file);
      } catch {
        continue; // removed meanwhile (a lock or a rotated log)
      }
      assert.ok(!content.includes(secret), `the secret is in ${file}`);
    }
    await wb.page.evaluate(() => navigator.clipboard.writeText(''));

    const props = JSON.parse(readFileSync(join(wb.workspaceDir, 'Contoso Invoices', 'apiProperties.json'), 'utf8'));
    const oa = props.properties.connectionParameters.token.oAuthSettings;
    assert.equal(oa.identityProvider, 'aad');
    assert.match(oa.clientId, /^[0-9a-f-]{36}$/);
    assert.equal(oa.redirectMode, 'GlobalPerConnector');
  });
});

describe('Secure a Custom Connector in a high-contrast light theme (E2E)', function () {
  this.timeout(300_000);
  let wb: Workbench;
  before(async () => {
    wb = await launchWorkbench({ settings: { 'workbench.colorTheme': 'Default High Contrast Light' } });
  });
  after(async () => {
    await wb?.close();
  });

  it('takes its colors from the theme and is usable with the keyboard alone', async () => {
    await runCommand(wb.page, 'Entra Connector: Secure a Custom Connector…');
    const view = webviewFrame(wb.page);
    await view.getByRole('list', { name: 'Checklist' }).waitFor({ timeout: 60_000 });
    // The page's text and the checklist's borders come from the theme (high-contrast light: dark text, contrast borders).
    const colors = await view.locator('body').evaluate((body) => {
      const style = getComputedStyle(body);
      return { text: style.color, background: style.backgroundColor, theme: document.body.className };
    });
    assert.match(colors.theme, /vscode-high-contrast-light/);
    const rgb = (c: string) => (c.match(/\d+/g) ?? []).slice(0, 3).map(Number);
    const luminance = (c: string) => rgb(c).reduce((a, b) => a + b, 0) / 3;
    assert.ok(luminance(colors.text) < 100, `dark text on a light theme (${colors.text})`);
    assert.ok(luminance(colors.background) > 200, `light background (${colors.background})`);
    // Keyboard: the checklist's steps are buttons in the tab order.
    const first = view.locator('button.step').first();
    await first.focus();
    await wb.page.keyboard.press('Tab');
    const focused = await view.locator(':focus').evaluate((e) => (e as HTMLElement).dataset.step ?? e.tagName);
    assert.equal(focused, 'connector', 'Tab moves to the next checklist step');
    await screenshot('wizard-high-contrast-light', wb.page);
  });
});

describe('Secure the service from the guided setup (E2E)', function () {
  // Sign-in and the ARM consent by device code, a whole setup, on a shared 2-core machine.
  this.timeout(600_000);
  let wb: Workbench;
  before(async () => {
    wb = await launchWorkbench();
  });
  after(async () => {
    await wb?.close();
  });

  it('site page: Find sites (ARM consent asked only then) → the site serving the swagger host, first → run → Easy Auth and CORS set', async () => {
    const emulator = wb.emulator as unknown as Endpoints;
    assert.ok(emulator, 'the emulated tenant is running');
    const view = () => webviewFrame(wb.page);
    const heading = (text: RegExp, timeout = 90_000) => view().locator('h2#pageTitle', { hasText: text }).waitFor({ timeout });
    const next = () => view().locator('vscode-button#next').click();
    const approve = () => approveDeviceCode(wb, ADMIN);

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
    for (const title of [/The API your connector calls/, /The connector app/, /Delegation and consent/, /The client secret/, /The redirect URL/, /Deploy the connector to Power Platform/]) {
      await heading(title);
      await next();
    }

    await heading(/Secure the service/);
    await view().locator('vscode-radio#siteKind-site').click();
    await view().locator('vscode-button#findSites').click();
    // Incremental consent: the ARM permission is asked for only now; a web window uses a device code.
    const dialog = wb.page.locator('.monaco-dialog-box');
    await dialog.getByText(/user_impersonation/).first().waitFor({ timeout: 30_000 });
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await wb.page.locator('.notifications-toasts', { hasText: 'enter the code' }).first().waitFor({ timeout: 30_000 });
    await approve();
    const first = view().locator('#siteResults vscode-radio').first();
    await first.waitFor({ timeout: 60_000 });
    assert.match((await first.getAttribute('label')) ?? '', /^contoso-invoices — .*serves the connector’s host/);
    assert.equal(await view().locator('#siteResults vscode-radio').count(), 2, 'the web app and the function app');
    await first.click();
    await screenshot('wizard-site-found', wb.page);
    await next();

    await heading(/Review and run/);
    assert.match(await view().locator('dl.review').innerText(), /Microsoft\.Web\/sites\/contoso-invoices/);
    await view().locator('vscode-button#run').click();
    // Two questions, in either order: the site's Easy Auth/CORS change, field by field, in a modal ("Apply"), and the
    // diff preview of the connector files in a quick pick beside its diff editor ("Write").
    await answerApplyAndWrite(wb.page, (text) => assert.match(text, /Secure contoso-invoices\?[\s\S]*globalValidation\.unauthenticatedClientAction/));

    await heading(/Summary/);
    await view().locator('button.step-done[data-step="site"]').waitFor({ timeout: 90_000 });
    const secured = await view().locator('#siteSummary').innerText();
    assert.match(secured, /^contoso-invoices: authentication set .*; CORS now allows /);
    await screenshot('wizard-summary-site', wb.page);

    const state = (await getState(emulator)) as unknown as { applications: { appId: string; displayName: string }[]; arm: { sites: { name: string; web: { cors: { allowedOrigins: string[] } }; authV2: { platform: { enabled: boolean }; identityProviders: { azureActiveDirectory: { registration: { clientId: string } } } } }[] } };
    const site = state.arm.sites.find((s) => s.name === 'contoso-invoices');
    assert.ok(site);
    assert.equal(site.authV2.platform.enabled, true);
    const apiApp = state.applications.find((a) => a.appId === site.authV2.identityProviders.azureActiveDirectory.registration.clientId);
    assert.equal(apiApp?.displayName, 'Contoso Invoices API', 'Easy Auth accepts tokens for the API app the setup registered');
    for (const o of ['https://*.azure-apim.net', 'https://make.powerapps.com', 'https://make.powerautomate.com']) assert.ok(site.web.cors.allowedOrigins.includes(o), o);
  });
});
