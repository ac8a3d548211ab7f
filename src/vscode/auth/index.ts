import * as vscode from 'vscode';
import type { AccountSummary, SignInService } from '../../auth/signIn';
import type { ConsentPrompter, ConsentRequest, InteractiveMethod } from '../../auth/consent';
import { asAuthFailure } from '../../auth/errors';
import { describeError } from '../../errors';
import type { RequestLogEntry } from '../../http/policy';
import { logRequest } from '../log';
import { cacheKey } from '../../auth/secretCache';
import { asSettingFailure } from '../../cloud/clouds';
import { openHttpsUrl } from '../openExternal';
import { confirmLoginHost } from '../../auth/loginHost';
import { accountsInCache, secretStoreFrom } from './secretStorage';
import { readAuthSettings, settingsKey, type AuthSettings } from './settings';
import { DEFAULT_CLIENT_ID } from '../../auth/settings';
import type { ResourceTokens, TokenResource } from '../../auth/tokens';

export interface AuthDeps {
  readonly log: vscode.LogOutputChannel;
  /** The Connectors view: its description and message show the signed-in account and tenant. */
  readonly view?: vscode.TreeView<unknown>;
}

/** What the rest of the extension uses to sign in and get tokens. MSAL is loaded on first use only. */
export interface Auth {
  /**
   * A token for scopes of one API (Graph permission names or qualified scopes; Resource Manager and Power Platform
   * scopes go through the Azure CLI client), asking for consent or a sign-in when a step needs it.
   */
  /** `silent`: from the token cache only; rejects where the user would be asked to sign in or consent. */
  getAccessToken(scopes: string[], options?: { forceRefresh?: boolean; silent?: boolean }): Promise<string>;
  /** A token for a named API through the client that can get it (src/auth/tokens.ts). */
  getAccessTokenFor(resource: TokenResource, scopes: string[], options?: { forceRefresh?: boolean }): Promise<string>;
  /** The sign-in service for the current settings (Microsoft Graph's client). */
  service(): Promise<SignInService>;
  /** The sign-in service of the client that reaches this API (Azure CLI for Resource Manager and Power Platform by default). */
  serviceFor(resource: TokenResource): Promise<SignInService>;
  /** The current (validated) cloud and sign-in settings. */
  settings(): AuthSettings;
  /** For the Graph client factory: one log line per Graph request, never a token or header. */
  logGraphRequest(entry: RequestLogEntry): void;
  /** The accounts whose tokens are in VS Code's SecretStorage for the current settings (read without loading MSAL). */
  storedAccounts(): Promise<{ homeAccountId: string; username: string; tenantId: string }[]>;
  /** The workspace's active account as the status bar shows it (read from SecretStorage without loading MSAL). */
  activeAccount(): Promise<{ homeAccountId: string; username: string; tenantId: string } | undefined>;
  /** Shows a sign-in or settings failure with its next step (and the admin-consent link when there is one). */
  showFailure(error: unknown): Promise<void>;
  readonly onDidChange: vscode.Event<void>;
  /** Remembers a tenant's display name so that the status bar and the view show it instead of its GUID. */
  nameTenant(tenantId: string, name: string): void;
}

/** Registers the sign-in commands, status-bar item and view header. Cheap: nothing here loads MSAL. */
export function registerAuth(context: vscode.ExtensionContext, deps: AuthDeps): Auth {
  const controller = new AuthController(context, deps);
  context.subscriptions.push(controller);
  const register = (id: string, run: () => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, run));
  register('entraConnector.signIn', () => controller.signInCommand());
  register('entraConnector.signOut', () => controller.signOutCommand());
  register('entraConnector.switchAccount', () => controller.switchAccountCommand());
  register('entraConnector.switchTenant', () => controller.switchTenantCommand());
  register(DEVICE_CODE_COMMAND, () => controller.deviceCode?.());
  return controller;
}

/** The status bar's "Copy & Open" of a device code that is still waiting (not in the palette). */
const DEVICE_CODE_COMMAND = 'entraConnector.signIn.copyDeviceCode';
const TENANT_NAMES_KEY = 'entraConnector.tenantNames';
const ADMIN_LINK = 'Copy Admin-Consent Link';
const OPEN_SETTINGS = 'Open Settings';
const SHOW_LOG = 'Show Log';

class AuthController implements Auth, vscode.Disposable {
  private current: { key: string; tokens: Promise<ResourceTokens> } | undefined;
  private active: Promise<{ homeAccountId: string; username: string; tenantId: string } | undefined> | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  /** What the last change event told listeners: the settings, the account and its label (see refresh). */
  private shown: string | undefined;
  readonly onDidChange = this.changed.event;
  private readonly status: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  /** Copies the waiting device code and opens its page; undefined when no device-code sign-in is waiting. */
  deviceCode: (() => Promise<void>) | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly deps: AuthDeps,
  ) {
    this.status = vscode.window.createStatusBarItem('entraConnector.account', vscode.StatusBarAlignment.Left, 50);
    this.status.name = 'Entra Connector Account';
    this.disposables.push(
      this.status,
      this.changed,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('entraConnector.cloud') || e.affectsConfiguration('entraConnector.customCloud') || e.affectsConfiguration('entraConnector.signIn')) {
          void this.refresh();
        }
      }),
      context.secrets.onDidChange((e) => {
        if (e.key.startsWith('entraConnector.msal.')) void this.refresh();
      }),
    );
    // Right after activate() returns (a microtask), not inside it: the status bar and the view header show the account
    // as soon, and VS Code's activation does not wait for reading the settings and the cache.
    queueMicrotask(() => void this.refresh());
  }

  settings(): AuthSettings {
    return readAuthSettings();
  }

  service(): Promise<SignInService> {
    return this.serviceFor('graph');
  }

  serviceFor(resource: TokenResource): Promise<SignInService> {
    return this.tokens().then((t) => t.service(resource));
  }

  /** One sign-in service per client for the current settings: Graph CLI Tools for Graph, Azure CLI for ARM and Power Platform. */
  private tokens(): Promise<ResourceTokens> {
    const settings = readAuthSettings();
    const key = settingsKey(settings);
    if (this.current?.key !== key) {
      const previous = this.current?.tokens;
      void previous?.then((t) => t.all()).then((all) => all.forEach((s) => s.dispose()), () => undefined);
      const override = settings.clientId !== DEFAULT_CLIENT_ID ? settings.clientId : undefined;
      const tokens = Promise.all([import('../../auth/signIn'), import('../../auth/tokens')]).then(
        ([{ SignInService }, { ResourceTokens, CLIENT_NAMES, whyClient }]) =>
          new ResourceTokens(
            settings.cloud,
            async (clientId, resource, hint) => {
              const service = await SignInService.create({ ...settings, clientId }, {
                secrets: secretStoreFrom(this.context.secrets),
                memento: this.context.workspaceState,
                prompter: this.prompter,
                ui: {
                  openBrowser: (url) => this.openBrowser(url),
                  showDeviceCode: (prompt) => this.showDeviceCode(prompt.userCode, prompt.verificationUri),
                },
                log: { info: (m) => this.deps.log.info(m), warn: (m) => this.deps.log.warn(m) },
                accountHint: hint,
                client: { name: CLIENT_NAMES[clientId] ?? clientId, why: whyClient(resource, clientId) },
              });
              this.disposables.push(service.onDidChange(() => void this.refresh()));
              return service;
            },
            override,
          ),
      );
      this.current = { key, tokens };
    }
    return this.current.tokens;
  }

  async storedAccounts(settings: AuthSettings = readAuthSettings()): Promise<{ homeAccountId: string; username: string; tenantId: string }[]> {
    return accountsInCache(await this.context.secrets.get(cacheKey(settings.cloud, settings.clientId)));
  }

  /**
   * The account chosen in this workspace if it is still in the cache, else the first cached one (as MSAL's sign-in
   * service picks it). Kept from the last refresh, which runs at activation and whenever the cache or the settings change.
   */
  activeAccount(): Promise<{ homeAccountId: string; username: string; tenantId: string } | undefined> {
    return (this.active ??= this.readActiveAccount(readAuthSettings()));
  }

  private async readActiveAccount(settings: AuthSettings): Promise<{ homeAccountId: string; username: string; tenantId: string } | undefined> {
    const accounts = await this.storedAccounts(settings);
    const entry = this.context.workspaceState.get<{ homeAccountId: string; tenantId: string }>(`entraConnector.activeAccount.${settings.cloud.name}.${settings.clientId}`);
    const chosen = (entry && accounts.find((a) => a.homeAccountId === entry.homeAccountId)) || accounts[0];
    return chosen && { ...chosen, tenantId: entry?.homeAccountId === chosen.homeAccountId ? entry.tenantId : chosen.tenantId };
  }

  async getAccessToken(scopes: string[], options: { forceRefresh?: boolean; silent?: boolean } = {}): Promise<string> {
    return (await this.tokens()).getAccessTokenForScopes(scopes, options);
  }

  async getAccessTokenFor(resource: TokenResource, scopes: string[], options: { forceRefresh?: boolean } = {}): Promise<string> {
    return (await this.tokens()).getAccessToken(resource, scopes, options);
  }

  logGraphRequest(entry: RequestLogEntry): void {
    logRequest(this.deps.log, 'Graph', entry);
  }

  async signInCommand(): Promise<AccountSummary | undefined> {
    let service: SignInService;
    try {
      service = await this.service();
    } catch (error) {
      await this.showFailure(error);
      return undefined;
    }
    if (!(await this.confirmHost(service.settings.cloud))) return undefined;
    const method = await this.chooseFirstMethod();
    if (!method) return undefined;
    try {
      const account = await this.withFallback(method, 'Signing in to Microsoft Entra', (m, signal) => service.signIn(m, { signal }));
      if (account) void vscode.window.showInformationMessage(`Signed in as ${account.username}.`);
      return account;
    } catch (error) {
      await this.showFailure(error);
      return undefined;
    }
  }

  async signOutCommand(): Promise<void> {
    try {
      const service = await this.service();
      const accounts = await service.getAccounts();
      if (accounts.length === 0) {
        void vscode.window.showInformationMessage('No account is signed in to Entra Connector.');
        return;
      }
      const active = await service.getActiveAccount();
      const target =
        accounts.length === 1
          ? accounts[0]
          : (
              await vscode.window.showQuickPick(
                accounts.map((a) => ({ label: a.username, description: a.homeAccountId === active?.homeAccountId ? 'active' : '', account: a })),
                { title: 'Sign out which account?' },
              )
            )?.account;
      if (!target) return;
      await service.signOut(target.homeAccountId);
      void vscode.window.showInformationMessage(`Signed out ${target.username}. Its tokens were removed from VS Code's secret storage.`);
    } catch (error) {
      await this.showFailure(error);
    }
  }

  async switchAccountCommand(): Promise<void> {
    try {
      const service = await this.service();
      const accounts = await service.getAccounts();
      const active = await service.getActiveAccount();
      const pick = await vscode.window.showQuickPick(
        [
          ...accounts.map((a) => ({ label: `$(account) ${a.username}`, description: a.homeAccountId === active?.homeAccountId ? 'active' : '', account: a as AccountSummary | undefined })),
          { label: '$(add) Sign in with another account…', description: '', account: undefined },
        ],
        { title: 'Entra Connector account for this workspace' },
      );
      if (!pick) return;
      if (!pick.account) {
        await this.signInCommand();
        return;
      }
      await service.setActiveAccount(pick.account.homeAccountId);
    } catch (error) {
      await this.showFailure(error);
    }
  }

  async switchTenantCommand(): Promise<void> {
    try {
      const service = await this.service();
      if (!(await service.getActiveAccount())) {
        const choice = await vscode.window.showInformationMessage('Sign in first to choose a tenant.', 'Sign In');
        if (choice) await this.signInCommand();
        return;
      }
      const tenants = await service.listTenants();
      const pick = await vscode.window.showQuickPick(
        [
          ...tenants.map((t) => ({ label: t.displayName ?? t.tenantId, description: [t.defaultDomain, t.displayName ? t.tenantId : undefined, t.active ? 'active' : undefined].filter(Boolean).join(' · '), tenantId: t.tenantId as string | undefined })),
          { label: '$(edit) Enter a tenant ID or domain…', description: '', tenantId: undefined },
        ],
        { title: 'Tenant for this workspace' },
      );
      if (!pick) return;
      const tenantId =
        pick.tenantId ??
        (await vscode.window.showInputBox({
          title: 'Tenant ID or verified domain',
          validateInput: (v) => (/^[A-Za-z0-9.-]+$/.test(v.trim()) ? undefined : 'A tenant ID (GUID) or a domain such as contoso.onmicrosoft.com'),
        }))?.trim();
      if (!tenantId) return;
      const account = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Switching to tenant ${tenantId}`, cancellable: true },
        (_p, token) => service.switchTenant(tenantId, { signal: abortSignal(token) }),
      );
      void vscode.window.showInformationMessage(`Now working in tenant ${account.tenantId} as ${account.username}.`);
    } catch (error) {
      await this.showFailure(error);
    }
  }

  async showFailure(error: unknown): Promise<void> {
    const setting = asSettingFailure(error);
    if (setting) {
      const choice = await vscode.window.showErrorMessage(describeError(setting), OPEN_SETTINGS);
      if (choice) await vscode.commands.executeCommand('workbench.action.openSettings', setting.error.setting);
      return;
    }
    const failure = asAuthFailure(error);
    if (!failure) {
      this.deps.log.error(error instanceof Error ? error : String(error));
      const choice = await vscode.window.showErrorMessage(`Sign-in failed: ${error instanceof Error ? error.message : String(error)}`, SHOW_LOG);
      if (choice) this.deps.log.show();
      return;
    }
    if (failure.error.kind === 'cancelled') {
      void vscode.window.showInformationMessage(describeError(failure));
      return;
    }
    const actions = failure.error.details.adminConsentUrl ? [ADMIN_LINK] : failure.error.details.setting ? [OPEN_SETTINGS] : [SHOW_LOG];
    const choice = await vscode.window.showErrorMessage(describeError(failure), ...actions);
    if (choice === ADMIN_LINK && failure.error.details.adminConsentUrl) {
      await vscode.env.clipboard.writeText(failure.error.details.adminConsentUrl);
      void vscode.window.showInformationMessage('The admin-consent link is on the clipboard. Send it to a Microsoft Entra administrator.');
    } else if (choice === OPEN_SETTINGS) {
      await vscode.commands.executeCommand('workbench.action.openSettings', failure.error.details.setting);
    } else if (choice === SHOW_LOG) {
      this.deps.log.show();
    }
  }

  private readonly prompter: ConsentPrompter = {
    requestConsent: async <T>(request: ConsentRequest, proceed: (method: InteractiveMethod, signal: AbortSignal) => Promise<T>): Promise<T | undefined> => {
      const title =
        request.reason === 'sessionExpired'
          ? `Your Microsoft Entra sign-in for ${request.account} has expired. Sign in again to continue?`
          : request.reason === 'otherClient'
            ? `Entra Connector signs ${request.account} in with ${request.client?.name ?? 'another Microsoft client'} for ${request.permissions.join(' and ')}.`
            : `Entra Connector needs ${request.permissions.join(' and ')} for ${request.account}.`;
      const detail =
        request.reason === 'sessionExpired'
          ? 'Your sign-in or its refresh token is no longer valid.'
          : request.reason === 'otherClient'
            ? `${request.client?.why ?? ''}\n\n${request.explanation}\n\nThe browser opens with your account already chosen: pick it to continue.`
            : `${request.explanation}\n\nMicrosoft's consent screen opens next. If your account may not grant it, you will get a link to send to an administrator.`;
      const continueLabel = request.reason === 'sessionExpired' ? 'Sign In' : 'Continue';
      const choice = await vscode.window.showInformationMessage(title, { modal: true, detail }, continueLabel);
      if (choice !== continueLabel) return undefined;
      if (!(await this.confirmHost(readAuthSettings().cloud))) return undefined;
      const method = this.isRemote() ? 'deviceCode' : 'browser';
      return this.withFallback(method, request.reason === 'sessionExpired' ? 'Signing in again' : `Asking for ${request.permissions.join(', ')}`, proceed);
    },
  };

  /** Runs a flow with cancellable progress; when it fails for a reason the other flow may not have, offers it. */
  private async withFallback<T>(first: InteractiveMethod, title: string, run: (method: InteractiveMethod, signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
    const attempt = (method: InteractiveMethod) =>
      vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `${title} (${method === 'browser' ? 'complete it in your browser' : 'enter the code in your browser'})…`, cancellable: true },
        (_p, token) => run(method, abortSignal(token)),
      );
    try {
      return await attempt(first);
    } catch (error) {
      const failure = asAuthFailure(error);
      const retryable = !failure || ['other', 'timedOut', 'sessionExpired'].includes(failure.error.kind);
      if (!retryable) throw error;
      const other: InteractiveMethod = first === 'browser' ? 'deviceCode' : 'browser';
      const label = other === 'deviceCode' ? 'Use a Device Code' : 'Use the Browser';
      const choice = await vscode.window.showWarningMessage(`${error instanceof Error ? error.message : String(error)} Try another way?`, label);
      if (choice !== label) throw error;
      return attempt(other);
    }
  }

  /** Once per custom login host (remembered in the user's global state): name the host that will receive the sign-in. */
  private confirmHost(cloud: AuthSettings['cloud']): Promise<boolean> {
    return confirmLoginHost(cloud, this.context.globalState, async (host) => {
      const label = `Sign In at ${host}`;
      const choice = await vscode.window.showWarningMessage(
        `Sign in to Microsoft Entra at ${host}?`,
        {
          modal: true,
          detail: `Your user settings set entraConnector.cloud to "Custom" with the sign-in endpoint https://${host}. Your sign-in, its authorization code and your tokens go to that host. Continue only if you set up this cloud yourself and trust it. You are asked once per host.`,
        },
        label,
      );
      return choice === label;
    });
  }

  private async chooseFirstMethod(): Promise<InteractiveMethod | undefined> {
    if (!this.isRemote()) return 'browser';
    const pick = await vscode.window.showQuickPick(
      [
        { label: '$(key) Sign in with a device code', detail: 'Enter a code on any device; works from remote and web windows.', method: 'deviceCode' as const },
        { label: '$(globe) Sign in with the browser', detail: 'Works when the VS Code server runs on this computer.', method: 'browser' as const },
      ],
      { title: 'Sign in to Microsoft Entra' },
    );
    return pick?.method;
  }

  private isRemote(): boolean {
    return vscode.env.uiKind === vscode.UIKind.Web || vscode.env.remoteName !== undefined;
  }

  private async openBrowser(url: string): Promise<void> {
    const opened = await openHttpsUrl(url);
    if (!opened) throw new Error('The browser could not be opened for sign-in.');
  }

  /**
   * The device code stays in view until the sign-in ends: a progress notification with the code and the page (a
   * plain notification hides itself after a few seconds, taking the code with it), a Copy & Open notification, and a
   * status bar item that copies the code and opens the page as often as needed.
   */
  private showDeviceCode(userCode: string, verificationUri: string): vscode.Disposable {
    const copyAndOpen = async () => {
      // A browser may refuse the clipboard; the page still opens and the code stays in view.
      await Promise.resolve(vscode.env.clipboard.writeText(userCode)).catch(() => undefined);
      await openHttpsUrl(verificationUri);
    };
    this.deviceCode = copyAndOpen;
    let finish: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const item = vscode.window.createStatusBarItem('entraConnector.deviceCode', vscode.StatusBarAlignment.Left, 1000);
    item.name = vscode.l10n.t('Entra Connector sign-in code');
    item.text = `$(key) ${userCode}`;
    item.tooltip = vscode.l10n.t('Sign in: copy the code {0} and open {1}', userCode, verificationUri);
    item.command = { command: DEVICE_CODE_COMMAND, title: vscode.l10n.t('Copy & Open') };
    item.accessibilityInformation = { label: vscode.l10n.t('Sign-in code {0}: Copy & Open', userCode) };
    item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    item.show();
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('To sign in, open {0} and enter the code {1}. Waiting for the sign-in…', verificationUri, userCode) },
      () => done,
    );
    const label = vscode.l10n.t('Copy & Open');
    void vscode.window.showInformationMessage(vscode.l10n.t('To sign in, open {0} and enter the code {1}.', verificationUri, userCode), label).then((choice) => (choice === label ? copyAndOpen() : undefined));
    return new vscode.Disposable(() => {
      if (this.deviceCode === copyAndOpen) this.deviceCode = undefined;
      item.dispose();
      finish();
    });
  }

  /** Updates the status bar, the view header and the `entraConnector.signedIn` context without loading MSAL. */
  private async refresh(): Promise<void> {
    let settings: AuthSettings;
    try {
      settings = readAuthSettings();
    } catch (error) {
      this.active = undefined;
      this.shown = undefined;
      this.render(undefined, error instanceof Error ? error.message : String(error));
      return;
    }
    // Synchronously, before any await: the sign-in service fires its change after writing the cache, so a caller of
    // activeAccount() after a sign-in, sign-out or switch reads the new state.
    this.active = this.readActiveAccount(settings);
    const account = await this.active;
    this.render(account);
    // The cache is written at every new token (another scope, a refreshed one): listeners (the views, the
    // diagnostics' directory checks, the wizard) hear only of a change they show — the account, its tenant's name,
    // the settings — not of each token.
    const shown = JSON.stringify([settingsKey(settings), account?.homeAccountId, account?.username, account?.tenantId, account && this.tenantLabel(account.tenantId)]);
    if (shown === this.shown) return;
    this.shown = shown;
    this.changed.fire();
  }

  /** Remembers a tenant's display name (read from Graph by the views) so that it is shown instead of its GUID. */
  nameTenant(tenantId: string, name: string): void {
    const names = this.context.globalState.get<Record<string, string>>(TENANT_NAMES_KEY) ?? {};
    if (names[tenantId] === name) return;
    void this.context.globalState.update(TENANT_NAMES_KEY, { ...names, [tenantId]: name }).then(() => this.refresh());
  }

  private tenantLabel(tenantId: string): string {
    const name = this.context.globalState.get<Record<string, string>>(TENANT_NAMES_KEY)?.[tenantId];
    return name ? `${name}, ${tenantId}` : tenantId;
  }

  private render(account: { username: string; tenantId: string } | undefined, problem?: string): void {
    void vscode.commands.executeCommand('setContext', 'entraConnector.signedIn', !!account);
    if (account) {
      this.status.text = `$(account) ${account.username}`;
      this.status.tooltip = `Entra Connector: signed in as ${account.username}, tenant ${this.tenantLabel(account.tenantId)}. Click to switch account.`;
      this.status.command = 'entraConnector.switchAccount';
    } else {
      this.status.text = '$(account) Sign in to Entra';
      this.status.tooltip = problem ?? 'Entra Connector: not signed in. Click to sign in.';
      this.status.command = 'entraConnector.signIn';
    }
    this.status.show();
    if (this.deps.view) {
      const tenantName = account && this.context.globalState.get<Record<string, string>>(TENANT_NAMES_KEY)?.[account.tenantId];
      this.deps.view.description = account ? `${account.username}${tenantName ? ` · ${tenantName}` : ''}` : 'not signed in';
      this.deps.view.message = account ? `Signed in as ${account.username} · tenant ${this.tenantLabel(account.tenantId)}` : problem ? `Sign-in settings: ${problem}` : undefined;
    }
  }

  dispose(): void {
    void this.current?.tokens.then((t) => t.all()).then((all) => all.forEach((s) => s.dispose()), () => undefined);
    for (const d of this.disposables) d.dispose();
  }
}

function abortSignal(token: vscode.CancellationToken): AbortSignal {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  token.onCancellationRequested(() => controller.abort());
  return controller.signal;
}
