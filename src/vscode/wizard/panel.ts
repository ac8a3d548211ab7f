import * as vscode from 'vscode';
import { connectorFolderItems } from '../folderPick';
import { directoryWritten } from '../directoryEvents';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Auth } from '../auth';
import type { WizardController, WizardDraft, WizardHost } from '../../wizard/controller';
import { upgradeContext, type SetupContext } from '../../setup/context';
import type { FileChange } from '../../setup/properties';
import type { SetupDeployer } from '../../setup/deployer';
import type { HostMessage } from '../../protocol';
import type { Directory } from '../../graph/operations';
import { secretStorageKey } from '../../connector/secrets';
import { webviewPage } from '../webviewPage';
import { adminCenterAppUrl } from '../../cloud/clouds';
import { readText, removeFile, writeText } from '../files';
import { logRequest } from '../log';
import { registerConnectorCodeLens } from '../codeLens';
import { userSetting } from '../auth/settings';
import { registerPreviews, reviewInDiff } from '../preview';
import { describeTestResult, type TestConnectionResult } from '../../powerplatform/testConnection';
import { TEST_CONNECTION_COMMAND } from '../powerplatform';

/**
 * The wizard's webview panel: a thin VS Code adapter around {@link WizardController} (host logic in
 * ./wizard/controller.ts). SecretStorage holds the client secret, workspaceState the saved context and the draft
 * (keyed by connector folder), connector files change through an undoable WorkspaceEdit after a diff preview.
 */

const LAST_FOLDER_KEY = 'entraConnector.wizard.lastFolder';
const draftKey = (dir: string) => `entraConnector.wizard.draft.${dir}`;
const stateKey = (dir: string) => `entraConnector.setup.${dir}`;

interface WizardDeps {
  readonly auth: Auth;
  readonly log: vscode.LogOutputChannel;
}

/** The deploy step's Power Platform (src/vscode/powerplatform's sign-in), set once that feature is registered. */
let powerPlatform: (() => SetupDeployer) | undefined;
export function setWizardPowerPlatform(deployer: () => SetupDeployer): void {
  powerPlatform = deployer;
}
let deps: WizardDeps | undefined;

/** Wires the wizard to sign-in, the CodeLens on apiProperties.json and the diff-preview documents. */
export function registerWizard(context: vscode.ExtensionContext, wizardDeps: WizardDeps): void {
  deps = wizardDeps;
  // The connector folders, found once and forgotten when such a file appears or goes: the wizard opens without a search.
  const watcher = vscode.workspace.createFileSystemWatcher(CONNECTOR_FILES, false, true, false);
  const forget = () => (connectorFolders = undefined);
  void findConnectorFolders();
  context.subscriptions.push(
    watcher,
    watcher.onDidCreate(forget),
    watcher.onDidDelete(forget),
    vscode.workspace.onDidChangeWorkspaceFolders(forget),
    registerPreviews(),
    registerConnectorCodeLens(),
  );
}

/** The wizard's webview panel: renders the checklist and the current page; the host owns every state change. */
export class WizardPanel {
  static readonly viewType = 'entraConnector.wizard';
  private static current: WizardPanel | undefined;
  /** The controller, once the connector folder is known. */
  controller: WizardController | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  /** Opens (or reveals) the wizard for a connector folder; asks which one when not given. */
  static async show(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, folder?: vscode.Uri): Promise<WizardPanel | undefined> {
    const started = performance.now();
    const dir = folder ?? (await pickConnectorFolder());
    if (!dir) return undefined;
    const picked = performance.now();
    const current = WizardPanel.current;
    if (current?.controller && current.controller.connectorDir === dir.fsPath) {
      current.panel.reveal();
      return current;
    }
    current?.panel.dispose();
    const panel = vscode.window.createWebviewPanel(WizardPanel.viewType, 'Secure a Custom Connector', vscode.ViewColumn.Active, webviewOptions(context));
    const wizard = new WizardPanel(context, log, panel);
    await wizard.open(dir.fsPath, { started, picked, created: performance.now() });
    return wizard;
  }

  /** Restores a panel VS Code kept across a restart: the saved folder, page, answers and context come back. */
  static revive(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, panel: vscode.WebviewPanel): WizardPanel {
    WizardPanel.current?.panel.dispose();
    const wizard = new WizardPanel(context, log, panel);
    const dir = context.workspaceState.get<string>(LAST_FOLDER_KEY);
    if (dir) void wizard.open(dir);
    else panel.dispose();
    return wizard;
  }

  private constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    readonly panel: vscode.WebviewPanel,
  ) {
    WizardPanel.current = this;
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'activitybar.svg');
    panel.webview.options = webviewOptions(context);
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw: unknown) => {
        if (this.controller) void this.controller.receive(raw);
        else this.log.warn('Wizard: a message arrived before the connector folder was known; ignored.');
      }),
      panel.onDidDispose(() => {
        if (WizardPanel.current === this) WizardPanel.current = undefined;
        this.controller?.dispose();
        for (const d of this.disposables) d.dispose();
      }),
    );
  }

  /** Sets the first page in the panel's HTML (no message round trip before it shows), then remembers the folder. */
  private async open(dir: string, timing?: { started: number; picked: number; created: number }): Promise<void> {
    const { WizardController } = await import('../../wizard/controller');
    this.controller = new WizardController(this.host(dir), { connectorDir: dir });
    // Sign-out, another account or tenant: the open wizard's header and pages follow.
    const auth = deps?.auth;
    if (auth) this.disposables.push(auth.onDidChange(() => void this.controller?.accountChanged()));
    this.panel.title = `Secure ${path.basename(dir)}`;
    await this.controller.whenReady();
    const ready = performance.now();
    this.panel.webview.html = this.html(await this.controller.view());
    if (timing) {
      const ms = (n: number) => (n - timing.started).toFixed(1);
      // What the command did before the webview could start drawing; the wizard's first paint is this plus the webview's own work.
      this.log.info(`Wizard: first page set ${ms(performance.now())} ms after the command (connector folder known at ${ms(timing.picked)} ms, panel created at ${ms(timing.created)} ms, saved state read at ${ms(ready)} ms).`);
    }
    await this.context.workspaceState.update(LAST_FOLDER_KEY, dir);
  }

  private host(dir: string): WizardHost {
    const { context, log } = this;
    const wizardDeps = deps;
    if (!wizardDeps) throw new Error('The wizard was opened before the extension finished activating.');
    const { auth } = wizardDeps;
    let directory: Promise<Directory> | undefined;
    // The Graph client is loaded on first use, not at activation.
    const directoryFor = () =>
      (directory ??= Promise.all([import('../../graph/client'), import('../../graph/operations')]).then(
        ([graph, ops]) =>
          new ops.Directory(
            graph.createGraphClient({
              graphEndpoint: auth.settings().cloud.graphEndpoint,
              getAccessToken: (scopes, o) => auth.getAccessToken(scopes, o?.forceRefresh ? { forceRefresh: true } : {}),
              log: (entry) => auth.logGraphRequest(entry),
            }),
          ),
      ));
    return {
      post: (message: HostMessage) => void this.panel.webview.postMessage(message),
      log: (level, line) => log[level](line),
      // As the status bar reads it: the first page does not wait for MSAL to load.
      account: async () => {
        const active = await auth.activeAccount();
        return active && { username: active.username, tenantId: active.tenantId };
      },
      consentAbility: async () => {
        const [{ consentAbility }, dir] = await Promise.all([import('../../graph/roles'), directoryFor()]);
        return consentAbility(await dir.myDirectoryRoles());
      },
      signIn: async () => {
        await vscode.commands.executeCommand('entraConnector.signIn');
      },
      cloud: () => {
        const cloud = auth.settings().cloud;
        return { name: cloud.name, loginEndpoint: cloud.loginEndpoint, graphEndpoint: cloud.graphEndpoint, graphResource: cloud.graphEndpoint };
      },
      directory: directoryFor,
      state: {
        load: async () => upgradeContext(context.workspaceState.get<unknown>(stateKey(dir))) as SetupContext | undefined,
        // The setup saves its state after every write to the tenant (and Undo after every removal): the views follow.
        save: async (ctx) => {
          await context.workspaceState.update(stateKey(dir), JSON.parse(JSON.stringify(ctx)) as SetupContext);
          directoryWritten({ by: 'wizard' });
        },
        clear: async () => context.workspaceState.update(stateKey(dir), undefined),
      },
      loadDraft: async () => context.workspaceState.get<WizardDraft>(draftKey(dir)),
      saveDraft: async (draft) => context.workspaceState.update(draftKey(dir), draft),
      files: {
        read: (filePath) => readText(vscode.Uri.file(filePath)),
        apply: (change) => (change.remove ? removeFile(vscode.Uri.file(change.path)) : writeText(vscode.Uri.file(change.path), change.before, change.after, change.edits)),
        confirm: async (changes, question) => {
          const ok = await previewChanges(changes, question);
          // Back to the wizard: its progress and summary are what comes next.
          this.panel.reveal(this.panel.viewColumn, false);
          return ok;
        },
      },
      secrets: {
        store: (clientId, value) => Promise.resolve(context.secrets.store(secretStorageKey(clientId), value)),
        has: async (clientId) => (await context.secrets.get(secretStorageKey(clientId))) !== undefined,
        delete: (clientId) => Promise.resolve(context.secrets.delete(secretStorageKey(clientId))),
        copyToClipboard: async (clientId) => {
          const value = await context.secrets.get(secretStorageKey(clientId));
          if (value === undefined) return false;
          await vscode.env.clipboard.writeText(value);
          return true;
        },
      },
      copyText: (text) => Promise.resolve(vscode.env.clipboard.writeText(text)),
      confirm: async (message, detail, action) => (await vscode.window.showWarningMessage(message, { modal: true, detail }, action)) === action,
      choose: (message, detail, actions) => Promise.resolve(vscode.window.showWarningMessage(message, { modal: true, detail }, ...actions)),
      confirmSitePlan: async (plan) => (await import('../service')).confirmSitePlan(plan),
      adminCenterLink: (appId) => adminCenterAppUrl(auth.settings().cloud, appId),
      // Step 7: ARM tokens are asked for only when the site page lists sites or the setup secures one.
      arm: () => ({
        armEndpoint: auth.settings().cloud.armEndpoint,
        getAccessToken: (scopes, o) => auth.getAccessToken(scopes, o?.forceRefresh ? { forceRefresh: true } : {}),
        log: (e) => logRequest(log, 'ARM', e),
      }),
      displayPath: (p) => vscode.workspace.asRelativePath(p, false),
      // The deploy step: Power Platform signed in through the Azure CLI client; the secret from SecretStorage.
      ...(powerPlatform ? { powerPlatform } : {}),
      // The summary's last step: the Test Connection command on this folder (settings.json names the deployed connector).
      testConnection: async () => {
        const result = await vscode.commands.executeCommand<TestConnectionResult | undefined>(TEST_CONNECTION_COMMAND, vscode.Uri.file(dir));
        if (!result) return { ok: false, detail: 'The connection test did not run to the end; the notification and the Entra Connector log say why.' };
        return { ok: result.ok, detail: describeTestResult(result) };
      },
    };
  }

  private html(initial: unknown): string {
    const webview = this.panel.webview;
    const nonce = randomBytes(16).toString('base64');
    const [scriptFile, styleFile] = webviewFiles(this.context.extensionUri);
    const script = webview.asWebviewUri(scriptFile);
    const style = webview.asWebviewUri(styleFile);
    const state = JSON.stringify(initial).replace(/</g, '\\u003c');
    return webviewPage({
      webview,
      nonce,
      style,
      title: 'Secure a Custom Connector',
      body: `<main id="app" aria-live="polite"></main>
<script nonce="${nonce}" id="initial-state" type="application/json">${state}</script>
<script nonce="${nonce}" type="module" src="${script.toString()}"></script>`,
    });
  }
}

function webviewOptions(context: vscode.ExtensionContext): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    retainContextWhenHidden: false,
    // Only the two folders that hold what the page loads (its script, its stylesheet): not the extension's bundle,
    // the CLI or anything else under dist/ and media/. VS Code matches roots as folders (a file root matches nothing).
    localResourceRoots: webviewRoots(context.extensionUri),
  };
}

/** The folders of the webview's script and stylesheet. */
function webviewRoots(extensionUri: vscode.Uri): [vscode.Uri, vscode.Uri] {
  return [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media', 'webview')];
}

/** The webview's script and stylesheet. */
function webviewFiles(extensionUri: vscode.Uri): [vscode.Uri, vscode.Uri] {
  const [scripts, styles] = webviewRoots(extensionUri);
  return [vscode.Uri.joinPath(scripts, 'main.js'), vscode.Uri.joinPath(styles, 'wizard.css')];
}

const CONNECTOR_FILES = '**/{apiProperties.json,apiDefinition.swagger.json}';
let connectorFolders: Promise<vscode.Uri[]> | undefined;

/** The folders of the workspace's connectors (apiProperties.json or apiDefinition.swagger.json). */
function findConnectorFolders(): Promise<vscode.Uri[]> {
  const found = (connectorFolders ??= Promise.resolve(vscode.workspace.findFiles(CONNECTOR_FILES, '**/node_modules/**', 200)).then((files) => [
    ...new Map(files.map((f) => [path.dirname(f.fsPath), vscode.Uri.file(path.dirname(f.fsPath))])).values(),
  ]));
  found.catch(() => (connectorFolders = connectorFolders === found ? undefined : connectorFolders));
  return found;
}

/** The connector folder to secure; asks when there are several or none. */
async function pickConnectorFolder(): Promise<vscode.Uri | undefined> {
  const folders = await findConnectorFolders();
  if (folders.length === 1) return folders[0];
  if (folders.length > 1) {
    const pick = await vscode.window.showQuickPick(connectorFolderItems(folders), { title: 'Secure which custom connector?', matchOnDescription: true });
    return pick?.uri;
  }
  const chosen = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Secure this connector', title: 'The connector folder (apiProperties.json is created in it)' });
  return chosen?.[0];
}


/**
 * Shows the changes in one diff editor (current ↔ proposed) and asks beside it, without blocking it, before writing;
 * `entraConnector.setup.previewChanges` off skips it.
 */
async function previewChanges(changes: readonly FileChange[], question?: string): Promise<boolean> {
  // The user's own setting only: a workspace must not switch off the look before the setup writes its files.
  if (userSetting<boolean>('setup.previewChanges') === false) return true;
  const names = changes.map((c) => path.basename(c.path)).join(' and ');
  return reviewInDiff({
    title: question ? `Restore: ${names}` : `Setup changes: ${names}`,
    files: changes.map((c) => ({ name: path.basename(c.path), ...(c.before === undefined ? {} : { current: vscode.Uri.file(c.path) }), proposed: c.after })),
    question: question ?? `Write the setup's changes to ${names}?`,
    accept: 'Write',
    detail: 'Every other key, the indentation and the line endings are kept; Undo in the editor reverts it. No secret is written.',
    beside: true,
  });
}
