// Sign-in as a person does it, in a real VS Code (code-server) against the emulated tenant: palette → "Entra
// Connector: Sign In" → the browser way → code-server's "open external website?" → the tenant's sign-in page in the
// new tab → the account in the Connectors view header and the status bar. Screenshot for the README.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../scripts/codeServer.mjs';
import { launchWorkbench, runCommand, screenshot, type Workbench, confirmLoginHost } from './support';

const ADMIN = 'admin@contoso.example';
const update = process.env.ENTRA_UPDATE_SCREENSHOTS === '1';
/** The emulated tenant's token shapes: signed JWTs (access and ID tokens) and `1.` + 64 base64url refresh tokens. */
const TOKEN_SHAPES = [/eyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]{10,}/, /\b1\.[A-Za-z0-9_-]{64}\b/];

/** Files under `dir` whose content holds something shaped like one of the tenant's tokens. */
function filesWithTokens(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      const st = statSync(full);
      if (st.isDirectory()) walk(full);
      else if (st.isFile() && st.size < 20_000_000 && TOKEN_SHAPES.some((re) => re.test(readFileSync(full, 'latin1')))) found.push(full);
    }
  };
  walk(dir);
  return found;
}

describe('Sign In (E2E)', () => {
  let wb: Workbench;
  before(async () => {
    wb = await launchWorkbench();
  });
  after(async () => {
    await wb?.close();
  });

  it('palette → Sign In → the tenant\'s page in the new tab → the account shows in the view and the status bar', async () => {
    const emulator = wb.emulator;
    assert.ok(emulator, 'the emulated tenant is running');
    const { page, context } = wb;

    // Open the Connectors view so that its header can show the account.
    await page.locator('.activitybar [aria-label^="Entra Connector"]').first().click();
    await page.locator('.pane-header', { hasText: /Connectors/i }).first().waitFor({ timeout: 30_000 });
    await page.locator('.statusbar-item', { hasText: 'Sign in to Entra' }).first().waitFor({ timeout: 30_000 });

    await runCommand(page, 'Entra Connector: Sign In');
    await confirmLoginHost(page);
    // A web window offers both ways; the browser way runs MSAL's loopback flow.
    const browserRow = page.locator('.quick-input-list .monaco-list-row', { hasText: 'with the browser' }).first();
    await browserRow.waitFor({ timeout: 30_000 });
    const newTab = context.waitForEvent('page', { timeout: 60_000 });
    await browserRow.click();
    // code-server asks before it opens an external website.
    const open = page.getByRole('button', { name: 'Open', exact: true });
    await open.waitFor({ timeout: 30_000 });
    await open.click();

    const signInPage = await newTab;
    await signInPage.waitForLoadState('domcontentloaded');
    const authorize = new URL(signInPage.url());
    assert.equal(authorize.origin, new URL(emulator.loginEndpoint).origin, 'the tab opened the configured sign-in endpoint, URL unchanged');
    assert.match(authorize.pathname, /^\/[^/]+\/oauth2\/v2\.0\/authorize$/);
    assert.match(authorize.searchParams.get('redirect_uri') ?? '', /^http:\/\/localhost:\d+$/);
    const scope = authorize.searchParams.get('scope') ?? '';
    assert.match(scope, /User\.Read/);
    assert.doesNotMatch(scope, /Application\.ReadWrite\.All|DelegatedPermissionGrant/, 'the first sign-in asks for User.Read only');
    await signInPage.locator(`input[type=radio][value="${ADMIN}"]`).check();
    await signInPage.getByRole('button', { name: 'Sign in' }).click();
    // The tenant posts the answer to MSAL's loopback listener, which shows our page.
    await signInPage.getByText('You are signed in to Entra Connector').waitFor({ timeout: 30_000 });

    await page.locator('.statusbar-item', { hasText: ADMIN }).first().waitFor({ timeout: 30_000 });
    const header = page.locator('.pane-header', { hasText: /Connectors/i }).first();
    await header.locator('.description', { hasText: ADMIN }).waitFor({ timeout: 30_000 });
    await page.getByText(`Signed in as ${ADMIN} · tenant ${emulator.tenantId}`).first().waitFor({ timeout: 30_000 });
    await page.locator('.notifications-toasts', { hasText: `Signed in as ${ADMIN}` }).first().waitFor({ timeout: 30_000 });
    await page.waitForTimeout(300);
    await screenshot('signin', page, update ? join(ROOT, 'media', 'screenshots', 'signin.png') : undefined);
  });

  it('leaves no token in the user-data folder (settings, logs, the output channel) or the workspace', async () => {
    // The Output channel is flushed to its log file under user-data/logs.
    await runCommand(wb.page, 'Entra Connector: Show Log');
    await wb.page.waitForTimeout(1500);
    const logs = readdirSync(join(wb.server.userDataDir, 'logs'), { recursive: true }).map(String);
    assert.ok(logs.some((f) => /Entra Connector\.log$/.test(f)), 'the output channel has a log file to search');
    assert.deepEqual([...filesWithTokens(wb.server.userDataDir), ...filesWithTokens(wb.workspaceDir)], []);
  });
});
