// Answers that take effect after a run, in a real VS Code (code-server) against the emulated tenant: a setup with a
// 180-day secret, then Back → the secret page → 90 days → the review page says what a run redoes (with the real
// Application ID URI and the old secret's key) → Run → a new 90-day secret replaces the old one, which is removed only
// after the new one was stored. Then Undo: its question lists the connector files it can restore, and "Remove and
// Restore Files" → the diff preview's "Write" puts apiProperties.json and the swagger back as they were.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../scripts/codeServer.mjs';
import { getState, type Endpoints } from '../../emulator/src';
import { approveDeviceCode, launchWorkbench, quickPickRow, wizardView, runCommand, screenshot, type Workbench, confirmLoginHost } from './support';

const ADMIN = 'admin@contoso.example';

/** A choice of the quick pick that asks beside a diff (label exactly `label`). */
interface AppState {
  id: string;
  appId: string;
  displayName: string;
  uniqueName?: string;
  identifierUris?: string[];
  passwordCredentials?: { keyId: string; endDateTime: string; displayName: string }[];
}

describe('Changed answers after a run (E2E)', function () {
  // A setup and a second run through the UI on a shared 2-core machine.
  this.timeout(600_000);
  let wb: Workbench;
  before(async () => {
    wb = await launchWorkbench();
  });
  after(async () => {
    await wb?.close();
  });

  const { view, heading, next } = wizardView(() => wb.page);
  const emulator = () => wb.emulator as unknown as Endpoints;
  const apps = async () => ((await getState(emulator())) as unknown as { applications: AppState[] }).applications.filter((a) => String(a.uniqueName ?? '').startsWith('entra-connector-'));
  const connectorApp = async () => (await apps()).find((a) => a.displayName === 'Contoso Invoices connector');
  const daysLeft = (iso: string) => (Date.parse(iso) - Date.now()) / 86_400_000;
  /** Polls the emulated tenant until `check` holds (the setup runs in the background). */
  const until = async <T>(what: string, read: () => Promise<T | undefined>, timeout = 90_000): Promise<T> => {
    const end = Date.now() + timeout;
    for (;;) {
      const value = await read();
      if (value !== undefined) return value;
      if (Date.now() > end) throw new Error(`Timed out waiting for ${what}.`);
      await wb.page.waitForTimeout(250);
    }
  };

  it('Back → another secret lifetime → the review says what a run redoes → Run: a new secret with that lifetime replaces the old one', async () => {
    assert.ok(wb.emulator, 'the emulated tenant is running');
    await runCommand(wb.page, 'Entra Connector: Secure a Custom Connector…');
    await heading(/Sign in/);
    await view().locator('vscode-button#signIn').click();
    await confirmLoginHost(wb.page);
    const deviceRow = wb.page.locator('.quick-input-list .monaco-list-row', { hasText: 'device code' }).first();
    await deviceRow.waitFor({ timeout: 30_000 });
    await deviceRow.click();
    await approveDeviceCode(wb, ADMIN);
    await heading(/The API your connector calls/);
    await runCommand(wb.page, 'Notifications: Clear All Notifications');

    // The first run: every default (a 180-day secret).
    for (const title of [/The API your connector calls/, /The connector app/, /Delegation and consent/, /The client secret/, /The redirect URL/, /Deploy the connector to Power Platform/, /Secure the service/]) {
      await heading(title);
      await next();
    }
    await heading(/Review and run/);
    // The real Application ID URI in this tenant, not a template.
    const firstReview = await view().locator('dl.review').innerText();
    assert.ok(firstReview.includes(`URI api://${emulator().tenantId}/contoso-invoices-api`), firstReview);
    assert.doesNotMatch(firstReview, /\{tenant\}|\{name\}/);
    assert.equal(await view().locator('ul.redo').count(), 0, 'nothing to redo before a first run');
    await view().locator('vscode-button#run').click();
    // The preview: one diff editor with both files; its question, beside it, does not block scrolling it.
    const write = quickPickRow(wb.page, 'Write');
    await write.waitFor({ timeout: 90_000 });
    const diffTab = wb.page.locator('.tab', { hasText: /^Setup changes: apiProperties\.json and apiDefinition\.swagger\.json/ }).first();
    await diffTab.waitFor({ timeout: 30_000 });
    const diff = wb.page.locator('.multiDiffEditor, .monaco-component.multiDiffEditor').first();
    await diff.waitFor({ timeout: 30_000 });
    await diff.hover();
    await wb.page.mouse.wheel(0, 400);
    assert.ok(await write.isVisible(), 'the question stays while the diff is scrolled');
    await write.click();
    // Answered: the diff editor closes and no Untitled document is left behind asking "Save?".
    await diffTab.waitFor({ state: 'detached', timeout: 30_000 });
    assert.equal(await wb.page.locator('.tab', { hasText: /Untitled/ }).count(), 0);
    await heading(/Summary/);
    await view().locator('button.step-done[data-step="properties"]').waitFor({ timeout: 90_000 });
    await view().locator('button.step-done[data-step="secret"]').waitFor({ timeout: 90_000 });
    const first = await until('the first secret', async () => (await connectorApp())?.passwordCredentials?.[0]);
    assert.equal((await connectorApp())?.passwordCredentials?.length, 1);
    assert.ok(daysLeft(first.endDateTime) > 179, `the first secret lasts 180 days (${first.endDateTime})`);
    await runCommand(wb.page, 'View: Close Editors in Other Groups');

    // Back to the secret page through the checklist; 90 days; on to the review page.
    await view().locator('button.step[data-step="secret"]').click();
    await heading(/The client secret/);
    await view().locator('#secretDays input').fill('90');
    await next();
    for (const title of [/The redirect URL/, /Deploy the connector to Power Platform/, /Secure the service/]) {
      await heading(title);
      await next();
    }
    await heading(/Review and run/);
    const review = await view().locator('dl.review').innerText();
    const api = (await apps()).find((a) => a.displayName === 'Contoso Invoices API');
    assert.ok(api?.identifierUris?.[0] && review.includes(`URI ${api.identifierUris[0]}`), `the review shows the API app's real URI: ${review}`);
    assert.match(review, /90 days/);
    const redo = await view().locator('ul.redo').innerText();
    assert.match(redo, /lifetime 180 → 90 days/);
    assert.ok(redo.includes(`key ${first.keyId}`), `the review names the secret it replaces: ${redo}`);
    await screenshot('wizard-review-redo', wb.page);

    await view().locator('vscode-button#run').click();
    await heading(/Summary/);
    // The new secret is there and the old one gone: exactly one, lasting 90 days.
    const replaced = await until('the old secret replaced by a 90-day one', async () => {
      const creds = (await connectorApp())?.passwordCredentials ?? [];
      return creds.length === 1 && creds[0]?.keyId !== first.keyId ? creds[0] : undefined;
    });
    const days = daysLeft(replaced.endDateTime);
    assert.ok(days > 89 && days <= 90, `the new secret lasts 90 days (${days})`);
    const secretStep = view().locator('button.step-done[data-step="secret"]');
    await secretStep.waitFor({ timeout: 90_000 });
    assert.match((await secretStep.getAttribute('title')) ?? '', new RegExp(`Removed the secret it replaces \\(key ${first.keyId}`));
    assert.match(await view().locator('#page').innerText(), new RegExp(`valid until ${replaced.endDateTime.slice(0, 10)}`));
    // Copy secret hands out the new value (the old one was replaced in secret storage, not left behind).
    await view().locator('vscode-button#copySecret').click();
    await view().locator('.notice', { hasText: /Copied the client secret/ }).waitFor({ timeout: 30_000 });
  });

  // Continues from the setup above (its apps and the files it wrote).
  it('Undo lists the connector files it can restore, and puts them back as they were before the setup through the diff preview', async () => {
    const FILES = ['apiProperties.json', 'apiDefinition.swagger.json'];
    const sample = (f: string) => readFileSync(join(ROOT, 'test', 'fixtures', 'workspaces', 'sample', 'Contoso Invoices', f), 'utf8');
    const workspace = (f: string) => readFileSync(join(wb.workspaceDir, 'Contoso Invoices', f), 'utf8');
    for (const f of FILES) assert.notEqual(workspace(f), sample(f), `the setup changed ${f}`);
    assert.equal((await apps()).length, 2);

    await view().locator('vscode-button#undo').click();
    const dialog = wb.page.locator('.monaco-dialog-box');
    const restoreButton = dialog.locator('.monaco-button', { hasText: /^Remove and Restore Files$/ });
    await restoreButton.waitFor({ timeout: 60_000 });
    const question = await dialog.innerText();
    assert.match(question, /Remove what this setup created\?/);
    assert.match(question, /apiProperties\.json: \d+ value\(s\) back to what they were before the setup/);
    assert.match(question, /apiDefinition\.swagger\.json: \d+ value\(s\) back/);
    assert.match(question, /Remove Only/);
    await screenshot('wizard-undo-restore', wb.page);
    await restoreButton.click();

    // The same preview as the setup's own writes: the diff, with "Write" beside it.
    const write = quickPickRow(wb.page, 'Write');
    await write.waitFor({ timeout: 90_000 });
    assert.match(await wb.page.locator('.quick-input-widget').innerText(), /Restore apiProperties\.json and apiDefinition\.swagger\.json to what they were before the setup\?/);
    await wb.page.locator('.tab', { hasText: /^Restore: apiProperties\.json and apiDefinition\.swagger\.json/ }).first().waitFor({ timeout: 30_000 });
    await write.click();
    await view().locator('.notice', { hasText: /Restored apiProperties\.json and apiDefinition\.swagger\.json/ }).waitFor({ timeout: 90_000 });
    await until('both files restored', async () => (FILES.every((f) => workspace(f) === sample(f)) ? true : undefined), 60_000);
    assert.equal((await apps()).length, 0, 'the apps the setup created are gone');
  });
});
