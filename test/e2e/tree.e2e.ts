// The registrations tree as a person sees it, in a real VS Code (code-server) against the emulated tenant seeded
// with three connectors — healthy, missing redirect URI, secret expiring in 5 days: sign in (device code), open the
// Entra Connector side bar, read each connector's state, expand one, and take the README's screenshot.
import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../scripts/codeServer.mjs';
import { seedObjects, type Endpoints } from '../../emulator/src';
import { THREE_STATES, treeSeed } from '../../emulator/src/seeds/connectors';
import { approveDeviceCode, launchWorkbench, runCommand, screenshot, type Workbench, confirmLoginHost } from './support';

const ADMIN = 'admin@contoso.example';
const update = process.env.ENTRA_UPDATE_SCREENSHOTS === '1';

describe('Registrations tree (E2E)', () => {
  let wb: Workbench;
  before(async () => {
    wb = await launchWorkbench();
  });
  after(async () => {
    await wb?.close();
  });

  const row = (label: string) => wb.page.locator('.monaco-list-row', { has: wb.page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) }).first();
  const description = async (label: string) => (await row(label).locator('.label-description').first().innerText()).trim();

  it('shows the three states in the Connectors view, with their problems', async () => {
    assert.ok(wb.emulator, 'the emulated tenant is running');
    const endpoints = wb.emulator as unknown as Endpoints;
    const seed = treeSeed(THREE_STATES, { owner: ADMIN });
    await seedObjects(endpoints, seed.objects);
    for (const c of seed.connectors) {
      mkdirSync(join(wb.workspaceDir, c.name), { recursive: true });
      writeFileSync(join(wb.workspaceDir, c.name, 'apiProperties.json'), c.apiProperties);
    }

    // Sign in by device code, approved for the administrator.
    await runCommand(wb.page, 'Entra Connector: Sign In');
    await confirmLoginHost(wb.page);
    const deviceRow = wb.page.locator('.quick-input-list .monaco-list-row', { hasText: 'device code' }).first();
    await deviceRow.waitFor({ timeout: 30_000 });
    await deviceRow.click();
    await approveDeviceCode(wb, ADMIN);

    // The side bar: the Connectors view refreshes after sign-in and when the connector files appear.
    const sidebar = wb.page.locator('.part.sidebar');
    if (!(await sidebar.locator('.pane-header', { hasText: 'Connectors' }).isVisible().catch(() => false))) {
      await wb.page.locator('.activitybar [aria-label^="Entra Connector"]').first().click();
    }
    await row('Expiring Secret').waitFor({ timeout: 60_000 });
    const expect = async (label: string, text: string) => {
      for (let i = 0; i < 100 && (await description(label).catch(() => '')) !== text; i++) await wb.page.waitForTimeout(200);
      assert.equal(await description(label), text, `${label}'s description`);
    };
    await expect('Healthy Invoices', 'healthy');
    await expect('Missing Redirect', 'redirect URI not registered');
    await expect('Expiring Secret', 'secret expires in 5 days');
    await expect('Contoso Invoices', 'not secured');
    // The state is in the icon too (theme icons), not only in words.
    assert.equal(await row('Missing Redirect').locator('.codicon-error').count(), 1);
    assert.equal(await row('Expiring Secret').locator('.codicon-warning').count(), 1);
    assert.equal(await row('Healthy Invoices').locator('.codicon-pass').count(), 1);

    // Expand the broken one down to its missing redirect URI.
    await row('Missing Redirect').click();
    await row('Redirect URIs').waitFor({ timeout: 30_000 });
    await row('Redirect URIs').click();
    const redirect = seed.connectors.find((c) => c.name === 'Missing Redirect')!.redirectUrl;
    await row(redirect.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).waitFor({ timeout: 30_000 });
    assert.match(await description(redirect.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')), /^missing/);

    await runCommand(wb.page, 'Notifications: Clear All Notifications');
    // A wider side bar, so that the picture shows the descriptions whole.
    const box = await sidebar.boundingBox();
    if (box) {
      await wb.page.mouse.move(box.x + box.width + 1, box.y + box.height / 2);
      await wb.page.mouse.down();
      await wb.page.mouse.move(box.x + 640, box.y + box.height / 2, { steps: 8 });
      await wb.page.mouse.up();
    }
    await wb.page.mouse.move(1300, 850);
    await wb.page.waitForTimeout(500);
    await screenshot('tree', wb.page, update ? join(ROOT, 'media', 'screenshots', 'tree.png') : undefined);
  });
});
