// The extension as it appears in the workbench: its activity-bar entry and Connectors view, and a command run from
// the palette whose result is visible. (The guided setup's own E2E test is wizard.e2e.ts.)
import * as assert from 'node:assert/strict';
import { launchWorkbench, runCommand, screenshot, webviewFrame, type Workbench } from './support';

describe('Entra Connector in the workbench (E2E)', () => {
  let wb: Workbench;
  before(async () => {
    wb = await launchWorkbench();
  });
  after(async () => {
    await wb?.close();
  });

  it('shows the sample connector in its Connectors view', async () => {
    await wb.page.locator('.activitybar [aria-label^="Entra Connector"]').first().click();
    const sidebar = wb.page.locator('.part.sidebar');
    await sidebar.locator('.composite.title', { hasText: /Entra Connector/i }).first().waitFor({ timeout: 30_000 });
    await sidebar.locator('.monaco-list-row', { hasText: 'Contoso Invoices' }).first().waitFor({ timeout: 30_000 });
  });

  it('runs "Entra Connector: Show Log" from the palette and shows its output channel', async () => {
    await runCommand(wb.page, 'Entra Connector: Show Log');
    const panel = wb.page.locator('.part.panel');
    // The Output view shows the extension's channel, whose first line is written on activation
    // (the editor renders spaces as non-breaking spaces, hence \s).
    await panel.locator('.view-lines', { hasText: /Entra\sConnector\s\d+\.\d+\.\d+\sactivated/ }).first().waitFor({ timeout: 30_000 });
    // Walkthroughs are off in this profile (a machine-scoped setting, which the remote extension host reads from the
    // machine's settings): the extension did not open its own.
    assert.equal(await panel.locator('.view-lines', { hasText: /Opening\sthe\sGet\sStarted\swalkthrough/ }).count(), 0);
    assert.equal(await wb.page.locator('.part.editor .tab', { hasText: /Walkthrough|Welcome/ }).count(), 0);
  });

  it('opens the guided setup from the palette beside the Connectors view', async () => {
    await runCommand(wb.page, 'Entra Connector: Secure a Custom Connector…');
    const checklist = webviewFrame(wb.page).getByRole('list', { name: 'Checklist' });
    await checklist.waitFor({ timeout: 60_000 });
    await checklist.getByRole('listitem').first().waitFor({ timeout: 30_000 });
    await wb.page.keyboard.press('Escape');
    await wb.page.waitForTimeout(500);
    await screenshot('overview', wb.page); // test-results/overview.png: the extension at a glance, for reviewers
  });
});
