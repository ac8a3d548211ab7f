// Helpers for end-to-end tests: a real VS Code (code-server) with the extension installed, driven through
// Debian's Chromium by playwright-core. See test/README.md.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type FrameLocator, type Page } from 'playwright-core';
import {
  CHROMIUM,
  CHROMIUM_ARGS,
  ROOT,
  copySampleWorkspace,
  installUnpacked,
  makeTempDir,
  removeDir,
  seedUserSettings,
  startCodeServer,
  startEmulatorProcess,
  workbenchUrl,
  type CodeServer,
  type EmulatorEndpoints,
  type EmulatorProcess,
} from '../../scripts/codeServer.mjs';
import { approveDevice, type Endpoints } from '../../emulator/src';
import { scanRunForSecrets, fetchIssued, type Issued } from '../reliability/scan.mjs';

export const RESULTS_DIR = join(ROOT, 'test-results');

export interface Workbench {
  readonly page: Page;
  readonly context: BrowserContext;
  readonly browser: Browser;
  /** A temp copy of test/fixtures/workspaces/sample, opened as the workspace folder; tests may write to it. */
  readonly workspaceDir: string;
  /** The emulated tenant, when the checkout has one (emulator/src/cli.ts). */
  readonly emulator: EmulatorEndpoints | undefined;
  readonly server: CodeServer;
  close(): Promise<void>;
}

export interface LaunchOptions {
  /** Extra user settings (merged over the defaults and the emulator's custom cloud). */
  readonly settings?: Record<string, unknown>;
  /** Start the emulated tenant when it exists (default true). */
  readonly emulator?: boolean;
  /** Extra environment for code-server and so for the extension host. */
  readonly env?: Record<string, string>;
  /** More extension folders to install unpacked beside this one (the bench's empty extension). */
  readonly extensions?: readonly string[];
  /** User keybindings (`<user-data>/User/keybindings.json`), e.g. to run a command that has no palette entry. */
  readonly keybindings?: readonly { key: string; command: string }[];
}

const open = new Set<Workbench>();

/**
 * The secrets scan (issue 6), per workbench before its temp folder is deleted; the runner adds test-results/ and its
 * own output at the end with every secret and token collected here. In memory only.
 */
export const secretsScan = { issued: { secrets: [], tokens: [] } as Issued, hits: [] as string[], summaries: [] as string[], launches: 0 };

/**
 * Asks the workbench's tenant for what it issued (before the tenant stops), then searches the workbench's temp base
 * (workspace, user-data with its logs, extensions) and code-server's output. SecretStorage is not under the base:
 * code-server's workbench keeps it AES-sealed in the browser's localStorage; only a random key half
 * (user-data/serve-web-key-half) is on disk, so nothing needs excluding.
 */
async function scanWorkbench(base: string, emulator: EmulatorProcess | undefined, server: CodeServer | undefined): Promise<void> {
  const label = `workbench #${++secretsScan.launches}`;
  try {
    const issued = emulator ? await fetchIssued(emulator.endpoints) : { secrets: [], tokens: [] };
    secretsScan.issued.secrets.push(...issued.secrets);
    secretsScan.issued.tokens.push(...issued.tokens);
    const r = await scanRunForSecrets({ issued, dirs: [base], texts: [{ name: 'code-server output', text: server?.output() ?? '' }] });
    secretsScan.summaries.push(`${label}: ${r.summary}`);
    secretsScan.hits.push(...r.hits.map((h) => `${h} (${label})`));
  } catch (err) {
    secretsScan.hits.push(`${label}: the scan could not run: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Starts the emulated tenant (when present), code-server with the built extension installed unpacked in its
 * --extensions-dir (the layout a .vsix install produces), opens the sample workspace in headless Chromium and
 * waits until the workbench shows the Entra Connector activity-bar entry.
 */
export async function launchWorkbench(options: LaunchOptions = {}): Promise<Workbench> {
  const base = makeTempDir('entra-e2e-');
  let emulator: EmulatorProcess | undefined;
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close().catch(() => {});
    await server?.stop().catch(() => {});
    await scanWorkbench(base, emulator, server);
    await emulator?.stop().catch(() => {});
    removeDir(base);
  };
  try {
    emulator = options.emulator === false ? undefined : await startEmulatorProcess();
    const workspaceDir = copySampleWorkspace(base);
    seedUserSettings(join(base, 'user-data'), emulator?.endpoints, options.settings);
    installUnpacked(join(base, 'extensions'));
    for (const dir of options.extensions ?? []) {
      const m = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
      cpSync(dir, join(base, 'extensions', `${m.publisher}.${m.name}-${m.version}`), { recursive: true });
    }
    if (options.keybindings) writeFileSync(join(base, 'user-data', 'User', 'keybindings.json'), JSON.stringify(options.keybindings, null, 2));
    server = await startCodeServer({
      baseDir: base,
      env: {
        ...(emulator ? { ENTRA_EMULATOR: emulator.line, NODE_EXTRA_CA_CERTS: emulator.endpoints.caCertPath } : {}),
        ...options.env,
      },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    // The emulated tenant's sign-in pages use its own CA.
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, ignoreHTTPSErrors: true });
    const page = await context.newPage();
    // Generous: on a busy 2-core machine code-server's first page load alone can take half a minute.
    await page.goto(workbenchUrl(server, { folder: workspaceDir }), { waitUntil: 'domcontentloaded', timeout: 120_000 });
    await page.locator('.monaco-workbench').waitFor({ timeout: 120_000 });
    await page.locator('.activitybar [aria-label^="Entra Connector"]').first().waitFor({ timeout: 120_000 });
    const wb: Workbench = {
      page,
      context,
      browser,
      workspaceDir,
      emulator: emulator?.endpoints,
      server,
      close: async () => {
        open.delete(wb);
        await close();
      },
    };
    open.add(wb);
    return wb;
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * F1 → types the command's title (e.g. "Entra Connector: Show Log") → picks it. Tried again from F1 when the palette
 * closed under the click: on a fresh profile code-server may still open an editor by itself (a walkthrough of an
 * extension it has just initialised) and take the focus from the palette.
 */
export async function runCommand(page: Page, title: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  // The command whose label is exactly the title: Playwright's hasText is a case-insensitive substring, and other rows
  // (a walkthrough step "Entra Connector: Sign in to Microsoft Entra ID") contain "Entra Connector: Sign In" too.
  const exact = new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  const row = page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: exact }) }).first();
  for (let attempt = 1; ; attempt++) {
    try {
      await openPalette(page, input);
      await input.fill(`>${title}`);
      await row.waitFor({ timeout: 15_000 });
      await row.click({ timeout: 10_000 });
      return;
    } catch (error) {
      if (attempt === 3) throw error;
      await page.keyboard.press('Escape').catch(() => {});
    }
  }
}

async function openPalette(page: Page, input: ReturnType<Page['locator']>): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    await page.locator('.monaco-workbench').click({ position: { x: 700, y: 5 } }).catch(() => {});
    await page.keyboard.press('F1');
    try {
      await input.waitFor({ state: 'visible', timeout: 5_000 });
      return;
    } catch {
      if (attempt === 2) throw new Error('The command palette did not open (F1).');
    }
  }
}

/**
 * The first sign-in to a custom cloud (the emulated tenant) asks once, in a modal, whether to sign in at its login
 * host: confirms it when it shows, and returns as soon as the sign-in's quick pick shows instead.
 */
export async function confirmLoginHost(page: Page): Promise<void> {
  const button = page.getByRole('button', { name: /^Sign In at / });
  const pick = page.locator('.quick-input-list .monaco-list-row').first();
  const shown = await Promise.race([
    button.waitFor({ timeout: 30_000 }).then(() => 'dialog', () => undefined),
    pick.waitFor({ timeout: 30_000 }).then(() => 'pick', () => undefined),
  ]);
  if (shown === 'dialog') await button.click();
}

/** The content of the (first) webview: two iframes deep. Re-locate it rather than hold it; the outer frame may be replaced. */
export function webviewFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').first().frameLocator('#active-frame');
}

/** Saves a PNG of the page into test-results/ (or to an explicit path) and returns its path. */
export async function screenshot(name: string, page?: Page, path?: string): Promise<string> {
  const target = page ?? [...open].pop()?.page;
  if (!target) throw new Error('screenshot(): no workbench is open');
  const file = path ?? join(RESULTS_DIR, `${name.replace(/[^\w.-]+/g, '-').slice(0, 120)}.png`);
  mkdirSync(join(file, '..'), { recursive: true });
  await target.screenshot({ path: file });
  return file;
}

/**
 * Called by the runner after a failed test: a screenshot of every open workbench, and a copy of its VS Code logs
 * (extension host, the extension's own output channel) next to it.
 */
export async function screenshotOpenWorkbenches(testTitle: string): Promise<string[]> {
  const files: string[] = [];
  let i = 0;
  for (const wb of open) {
    const name = `FAILED ${testTitle}${i++ ? ` ${i}` : ''}`;
    try {
      files.push(await screenshot(name, wb.page));
    } catch {
      /* the page may be gone */
    }
    // What the screenshot shows, as text in the run's output: CI keeps the output, not the screenshot.
    console.log(await describeWorkbench(wb).catch((error: unknown) => `      (the workbench could not be described: ${String(error)})`));
    const logs = join(wb.server.userDataDir, 'logs');
    if (existsSync(logs)) {
      const target = join(RESULTS_DIR, `${name.replace(/[^\w.-]+/g, '-').slice(0, 120)}-logs`);
      cpSync(logs, target, { recursive: true });
      files.push(target);
    }
  }
  return files;
}

/**
 * A failed test's workbench as text: the notifications in view, an open dialog, the quick input's title and rows,
 * and the end of the extension's own log. A device code in a notification is replaced by "…".
 */
async function describeWorkbench(wb: Workbench): Promise<string> {
  const { page } = wb;
  const texts = (selector: string) =>
    page.locator(selector).evaluateAll((els) => els.filter((e) => (e as HTMLElement).offsetHeight > 0).map((e) => (e as HTMLElement).innerText.replace(/\s+/g, ' ').trim()));
  const toasts = await texts('.notifications-toasts .notification-list-item-message');
  const dialog = await texts('.monaco-dialog-box .dialog-message-row');
  const quickTitle = await texts('.quick-input-widget .quick-input-title');
  const quickRows = await texts('.quick-input-widget .quick-input-list .monaco-list-row');
  const lines = [
    `      notifications: ${JSON.stringify(toasts.map((t) => t.replace(/(enter the code) \S+/, '$1 …')))}`,
    `      dialog: ${JSON.stringify(dialog)}`,
    `      quick input: ${JSON.stringify(quickTitle)} ${JSON.stringify(quickRows.slice(0, 8))}`,
  ];
  const log = findFiles(join(wb.server.userDataDir, 'logs'), (name) => name === 'Entra Connector.log').pop();
  if (log) lines.push('      the extension\'s log (last 25 lines):', ...readFileSync(log, 'utf8').trimEnd().split('\n').slice(-25).map((l) => `        ${l}`));
  return lines.join('\n');
}

function findFiles(dir: string, match: (name: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = join(dir, name);
      return statSync(full).isDirectory() ? findFiles(full, match) : match(name) ? [full] : [];
    });
}

/**
 * Accepts the quick pick titled `title` as it stands (a many-choice pick: its OK button; otherwise Enter in its
 * input, focused first), and waits until it is gone; tried again if it is still there.
 */
export async function acceptQuickPick(page: Page, title: string): Promise<void> {
  const widget = page.locator('.quick-input-widget', { has: page.locator('.quick-input-title', { hasText: title }) });
  await widget.waitFor({ timeout: 30_000 });
  for (let attempt = 1; ; attempt++) {
    const ok = widget.locator('.quick-input-action .monaco-button', { hasText: /^OK$/ });
    if (await ok.isVisible()) await ok.click({ timeout: 5_000 }).catch(() => {});
    else await widget.locator('input').press('Enter', { timeout: 5_000 }).catch(() => {});
    try {
      await widget.waitFor({ state: 'hidden', timeout: 5_000 });
      return;
    } catch (error) {
      if (attempt === 3) throw new Error(`The quick pick "${title}" stayed open after OK / Enter, three times.`, { cause: error });
    }
  }
}

/**
 * Approves, as `user` in another browser would, the one device code the extension waits on: asks the emulated tenant
 * until a code is pending (up to `ms`), and checks that exactly one was.
 */
export async function approveDeviceCode(wb: Workbench, user = 'admin@contoso.example', ms = 30_000): Promise<void> {
  if (!wb.emulator) throw new Error('approveDeviceCode(): the workbench has no emulated tenant');
  const endpoints = wb.emulator as unknown as Endpoints;
  const deadline = Date.now() + ms;
  let approved = 0;
  while ((approved = (await approveDevice(endpoints, user)).approved) === 0 && Date.now() < deadline) await wb.page.waitForTimeout(200);
  if (approved !== 1) throw new Error(`Expected one device code waiting for approval, found ${approved} within ${ms} ms.`);
}

/** Closes whatever a failing test left open. */
export async function closeAll(): Promise<void> {
  await Promise.all([...open].map((wb) => wb.close()));
}

/**
 * Answers the two questions a setup run that writes files and secures a site asks, in whatever order they come: the
 * site's change in a modal ("Apply") and the connector files' diff preview in a quick pick ("Write"). The modal can
 * open on top of the quick pick at any moment, so a Write click it blocks is tried again after the modal is answered.
 * `checkApply` sees the modal's text before Apply is clicked.
 */
export async function answerApplyAndWrite(page: Page, checkApply: (text: string) => void = () => {}, ms = 180_000): Promise<void> {
  const apply = page.locator('.monaco-dialog-box .monaco-button', { hasText: /^Apply$/ });
  const write = quickPickRow(page, 'Write');
  const answered = new Set<string>();
  const deadline = Date.now() + ms;
  while (answered.size < 2) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${ms} ms: answered ${[...answered].join(', ') || 'nothing'} of Apply and Write.`);
    if (!answered.has('Apply') && (await apply.isVisible())) {
      checkApply(await page.locator('.monaco-dialog-box').innerText());
      await apply.click();
      await apply.waitFor({ state: 'detached', timeout: 30_000 });
      answered.add('Apply');
    } else if (!answered.has('Write') && (await write.isVisible()) && (await write.click({ timeout: 5_000 }).then(() => true, () => false))) {
      await write.waitFor({ state: 'hidden', timeout: 30_000 });
      answered.add('Write');
    } else {
      await page.waitForTimeout(200);
    }
  }
}

/** A quick pick's row whose label is exactly `label` (the setup's "Write", Undo's choices). */
export function quickPickRow(page: Page, label: string) {
  return page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) }).first();
}

/** The guided setup's webview as the tests drive it: its frame, a page's heading to wait for, and Next. */
export function wizardView(page: () => Page) {
  const view = () => webviewFrame(page());
  return {
    view,
    heading: (text: RegExp, timeout = 90_000) => view().locator('h2#pageTitle', { hasText: text }).waitFor({ timeout }),
    next: () => view().locator('vscode-button#next').click(),
  };
}

