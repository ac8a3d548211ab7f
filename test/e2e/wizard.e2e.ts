import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT } from '../../scripts/codeServer.mjs';
import { launchWorkbench, runCommand, screenshot, webviewFrame, type Workbench } from './support';

describe('Secure a Custom Connector (E2E)', () => {
  let wb: Workbench;
  before(async () => {
    wb = await launchWorkbench();
  });
  after(async () => {
    await wb?.close();
  });

  it('opens the wizard from the command palette and shows the checklist in the webview', async () => {
    await runCommand(wb.page, 'Entra Connector: Secure a Custom Connector…');

    // The editor tab of the webview panel appears in the workbench…
    await wb.page.locator('.tab', { hasText: 'Secure a Custom Connector' }).first().waitFor({ timeout: 30_000 });
    // …and the checklist is rendered inside the webview (two iframes deep).
    const view = webviewFrame(wb.page);
    const checklist = view.getByRole('list', { name: 'Checklist' });
    await checklist.waitFor({ timeout: 30_000 });
    const steps = await checklist.getByRole('listitem').allInnerTexts();
    assert.ok(steps.length >= 3, `the checklist shows its steps (got ${steps.length})`);
    assert.match(await view.locator('h1').innerText(), /Microsoft Entra ID/);

    // A screenshot for the README; it shows no secret (nothing has been signed in or created yet).
    const readmeShot = process.env.ENTRA_UPDATE_SCREENSHOTS === '1' ? join(ROOT, 'media', 'screenshots', 'wizard.png') : undefined;
    await screenshot('wizard', wb.page, readmeShot);
  });
});
