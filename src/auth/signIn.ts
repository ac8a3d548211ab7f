import type * as Msal from '@azure/msal-node';
import type { AccountInfo, AuthenticationResult, DeviceCodeRequest, PublicClientApplication } from '@azure/msal-node';
import { adminConsentUrl, authorityFor, authorityHost, graphScope, type Cloud } from '../cloud/clouds';
import { explainScopes, SIGN_IN_SCOPES, type ConsentPrompter, type ConsentReason, type InteractiveMethod } from './consent';
import { describeError } from '../errors';
import { authFailure, aadstsCode, networkErrorCode, toAuthFailure, type AuthFailure } from './errors';
import { SignInNetwork } from './network';
import { cacheKey, SecretCachePlugin, type SecretStore } from './secretCache';

/** Workspace state (VS Code's `workspaceState` in the extension); remembers the active account and tenant. */
export interface Memento {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

export interface SignInSettings {
  readonly cloud: Cloud;
  readonly clientId: string;
  /** `organizations` (default), `common`, a tenant ID or a verified domain. */
  readonly tenant: string;
}

export interface DeviceCodePrompt {
  readonly userCode: string;
  readonly verificationUri: string;
  readonly expiresInSeconds: number;
}

/** How the flows reach the user: the browser (VS Code: `env.openExternal`) and the device-code display. */
export interface SignInUi {
  openBrowser(url: string): Promise<void>;
  /** Shows the code until the returned handle is disposed (the sign-in ended, whichever way). */
  showDeviceCode(prompt: DeviceCodePrompt): void | { dispose(): void };
}

export interface AuthLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface SignInDeps {
  readonly secrets: SecretStore;
  readonly memento: Memento;
  readonly prompter: ConsentPrompter;
  readonly ui: SignInUi;
  readonly log?: AuthLog;
  /** Used to name tenants through Graph `/organization` and to probe endpoints; defaults to the global fetch. */
  readonly fetch?: typeof fetch;
  /**
   * The account the user signed in with another client (src/auth/tokens.ts): when this client has none yet, it signs
   * that account in (login hint) instead of asking for one, after the prompter named the client and why.
   */
  readonly accountHint?: () => Promise<AccountSummary | undefined>;
  /** Who this client is and why it signs in (shown in that prompt). */
  readonly client?: { readonly name: string; readonly why: string };
}

export interface AccountSummary {
  readonly homeAccountId: string;
  readonly username: string;
  readonly name?: string;
  /** The tenant tokens are requested for (the active tenant for this account in this workspace). */
  readonly tenantId: string;
}

export interface TenantSummary {
  readonly tenantId: string;
  readonly displayName?: string;
  readonly defaultDomain?: string;
  readonly active: boolean;
}

interface ActiveEntry {
  homeAccountId: string;
  tenantId: string;
}

const SUCCESS_PAGE = '<!doctype html><meta charset="utf-8"><title>Entra Connector</title><p>You are signed in to Entra Connector. You can close this tab and return to VS Code.</p>';
const ERROR_PAGE = '<!doctype html><meta charset="utf-8"><title>Entra Connector</title><p>Sign-in did not complete. Return to VS Code for the reason and what to do next.</p>';

/**
 * Signs the user in with MSAL Node for one (cloud, client ID): a PublicClientApplication whose cache lives only in
 * the SecretStore. Accounts are shared by every window; the active account and tenant are per workspace.
 */
export class SignInService {
  private readonly plugin: SecretCachePlugin;
  private readonly pca: PublicClientApplication;
  private readonly listeners = new Set<() => void>();
  private readonly activeKey: string;
  private readonly fetchImpl: typeof fetch;
  private readonly network: SignInNetwork;
  private readonly pendingInteractions = new Map<string, Promise<string>>();

  /** Loads MSAL on first use, so that merely activating the extension never does. */
  static async create(settings: SignInSettings, deps: SignInDeps): Promise<SignInService> {
    const msal = await import('@azure/msal-node');
    return new SignInService(msal, settings, deps);
  }

  private constructor(
    private readonly msal: typeof Msal,
    readonly settings: SignInSettings,
    private readonly deps: SignInDeps,
  ) {
    const { cloud, clientId } = settings;
    this.fetchImpl = deps.fetch ?? fetch;
    this.plugin = new SecretCachePlugin(deps.secrets, cacheKey(cloud, clientId));
    this.plugin.onDidChange(() => this.fire());
    this.activeKey = `entraConnector.activeAccount.${cloud.name}.${clientId}`;
    this.network = new SignInNetwork(this.fetchImpl, deps.log && ((line) => deps.log?.info(line)));
    this.pca = new msal.PublicClientApplication({
      auth: {
        clientId,
        authority: authorityFor(cloud, settings.tenant),
        ...(cloud.name === 'Custom' ? { knownAuthorities: [authorityHost(cloud)] } : {}),
      },
      cache: { cachePlugin: this.plugin },
      system: {
        networkClient: this.network,
        loggerOptions: {
          piiLoggingEnabled: false,
          logLevel: msal.LogLevel.Warning,
          loggerCallback: (level, message) => {
            if (level <= msal.LogLevel.Warning) deps.log?.warn(`MSAL: ${message}`);
          },
        },
      },
    });
    this.plugin.clearMemory = () => this.pca.clearCache();
  }

  /** The SecretStore key holding this cache. */
  get secretKey(): string {
    return this.plugin.key;
  }

  /** Fires when accounts or the active account/tenant change, in this window or another. */
  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  dispose(): void {
    this.plugin.dispose();
    this.listeners.clear();
  }

  async getAccounts(): Promise<AccountSummary[]> {
    const accounts = await this.pca.getAllAccounts();
    const active = this.deps.memento.get<ActiveEntry>(this.activeKey);
    return accounts.map((a) => summary(a, active?.homeAccountId === a.homeAccountId ? active.tenantId : undefined));
  }

  /** The workspace's active account: the one chosen here if it is still signed in, else the first signed-in account. */
  async getActiveAccount(): Promise<AccountSummary | undefined> {
    const found = await this.activeAccountInfo();
    return found && summary(found.account, found.tenantId);
  }

  async setActiveAccount(homeAccountId: string, tenantId?: string): Promise<AccountSummary> {
    const account = (await this.pca.getAllAccounts()).find((a) => a.homeAccountId === homeAccountId);
    if (!account) throw authFailure('notSignedIn', 'That account is no longer signed in.', 'Run "Entra Connector: Sign In" to add it again.');
    const entry: ActiveEntry = { homeAccountId, tenantId: tenantId ?? account.tenantId };
    await this.deps.memento.update(this.activeKey, entry);
    this.fire();
    return summary(account, entry.tenantId);
  }

  /**
   * Signs in with the browser (MSAL's loopback flow) or a device code, asking only for the sign-in scopes, and makes
   * the account active in this workspace. Rejects with an AuthFailure.
   */
  async signIn(method: InteractiveMethod, options: { signal?: AbortSignal; scopes?: readonly string[] } = {}): Promise<AccountSummary> {
    const scopes = (options.scopes ?? SIGN_IN_SCOPES).map((s) => graphScope(this.settings.cloud, s));
    const result = await this.acquireInteractively(method, scopes, this.settings.tenant, options.signal);
    if (!result.account) throw authFailure('other', 'The sign-in service returned no account.', 'Try again; if it keeps failing, check entraConnector.signIn.tenant.');
    const signedIn = await this.setActiveAccount(result.account.homeAccountId, result.account.tenantId);
    this.deps.log?.info(`Signed in as ${signedIn.username} (tenant ${signedIn.tenantId}).`);
    return signedIn;
  }

  /**
   * An access token for `scopes` (Graph permission names or qualified scopes) for the active account and tenant.
   * Silent first; when the user must consent or sign in again, the ConsentPrompter explains why and, if the user
   * agrees, runs the interactive flow. Rejects with an AuthFailure (never with a token in its message).
   * `silent`: from the token cache only — where the user would be asked to sign in or consent, rejects instead.
   */
  async getAccessToken(scopes: readonly string[], options: { signal?: AbortSignal; forceRefresh?: boolean; silent?: boolean } = {}): Promise<string> {
    const qualified = scopes.map((s) => graphScope(this.settings.cloud, s));
    const active = await this.activeAccountInfo();
    if (!active) {
      const hint = await this.deps.accountHint?.();
      if (!hint) throw authFailure('notSignedIn', 'You are not signed in to Microsoft Entra.', 'Run "Entra Connector: Sign In".');
      if (options.silent) throw authFailure('notSignedIn', `${this.deps.client?.name ?? 'This client'} has not signed in yet.`, 'Run the command that needs it; it asks once.');
      return this.signInAs(hint, qualified, options.signal);
    }
    const authority = authorityFor(this.settings.cloud, active.tenantId);
    try {
      const result = await this.pca.acquireTokenSilent({ account: active.account, scopes: qualified, authority, forceRefresh: options.forceRefresh === true });
      return result.accessToken;
    } catch (error) {
      const reason = interactionReason(this.msal, error);
      if (!reason) throw await this.failure(error, qualified, active.tenantId);
      this.network.take((error as { correlationId?: unknown } | null)?.correlationId);
      const silentFailure = toAuthFailure(error, this.failureContext(qualified, active.tenantId));
      if (options.silent) throw silentFailure;
      // Steps often ask in parallel; the user sees one prompt per account, tenant and permission set.
      const key = JSON.stringify([active.account.homeAccountId, active.tenantId, [...qualified].sort()]);
      let pending = this.pendingInteractions.get(key);
      if (!pending) {
        pending = this.interactForToken(qualified, reason, active, silentFailure, options.signal);
        this.pendingInteractions.set(key, pending);
        const forget = () => this.pendingInteractions.delete(key);
        pending.then(forget, forget);
      }
      return pending;
    }
  }

  private async interactForToken(
    qualified: string[],
    reason: ConsentReason,
    active: { account: AccountInfo; tenantId: string },
    silentFailure: AuthFailure,
    signal: AbortSignal | undefined,
  ): Promise<string> {
    const { permissions, explanation } = explainScopes(this.settings.cloud, qualified);
    const result = await this.deps.prompter.requestConsent(
      { scopes: qualified, permissions, explanation, reason, account: active.account.username },
      (method, promptSignal) => this.acquireInteractively(method, qualified, active.tenantId, promptSignal ?? signal, active.account),
    );
    if (!result) {
      if (reason === 'sessionExpired') throw silentFailure;
      throw authFailure('cancelled', `${permissions.join(', ')} was not granted, so this step cannot continue.`, 'Run the step again and accept the consent screen, or ask an administrator to grant admin consent.', {
        adminConsentUrl: this.adminConsentLink(qualified, active.tenantId),
      });
    }
    return result.accessToken;
  }

  /**
   * Signs the account the user chose with another client in with this one (its own token cache): the browser gets
   * the account as login hint, so it is a click, not a form. Parallel requests share one prompt.
   */
  private signInAs(hint: AccountSummary, qualified: string[], signal: AbortSignal | undefined): Promise<string> {
    const key = JSON.stringify(['hint', hint.username, hint.tenantId, [...qualified].sort()]);
    let pending = this.pendingInteractions.get(key);
    if (!pending) {
      pending = (async () => {
        const { permissions, explanation } = explainScopes(this.settings.cloud, qualified);
        const client = { clientId: this.settings.clientId, name: this.deps.client?.name ?? this.settings.clientId, why: this.deps.client?.why ?? '' };
        const result = await this.deps.prompter.requestConsent(
          { scopes: qualified, permissions, explanation, reason: 'otherClient', account: hint.username, client },
          (method, promptSignal) => this.acquireInteractively(method, qualified, hint.tenantId, promptSignal ?? signal, undefined, hint.username),
        );
        if (!result) {
          throw authFailure('cancelled', `${client.name} did not sign in, so ${permissions.join(', ') || 'this step'} is not available.`, 'Run the step again and complete the sign-in.');
        }
        if (result.account) await this.setActiveAccount(result.account.homeAccountId, hint.tenantId);
        return result.accessToken;
      })();
      this.pendingInteractions.set(key, pending);
      const forget = () => this.pendingInteractions.delete(key);
      pending.then(forget, forget);
    }
    return pending;
  }

  /** Signs an account out of every window: its tokens are removed from the SecretStore. Default: the active account. */
  async signOut(homeAccountId?: string): Promise<AccountSummary | undefined> {
    const id = homeAccountId ?? (await this.activeAccountInfo())?.account.homeAccountId;
    const account = id ? (await this.pca.getAllAccounts()).find((a) => a.homeAccountId === id) : undefined;
    if (!account) return undefined;
    await this.pca.getTokenCache().removeAccount(account);
    if (this.deps.memento.get<ActiveEntry>(this.activeKey)?.homeAccountId === account.homeAccountId) {
      await this.deps.memento.update(this.activeKey, undefined);
    }
    this.deps.log?.info(`Signed out ${account.username}.`);
    this.fire();
    return summary(account);
  }

  /**
   * The tenants the active account has signed in to (from its token claims), named through Graph `/organization`
   * for the active tenant.
   */
  async listTenants(): Promise<TenantSummary[]> {
    const active = await this.activeAccountInfo();
    if (!active) return [];
    const ids = new Set<string>([active.account.tenantId, active.tenantId, ...(active.account.tenantProfiles?.keys() ?? [])]);
    const named = await this.describeTenant(active.tenantId);
    return [...ids]
      .filter(Boolean)
      .map((tenantId) => ({ tenantId, active: tenantId === active.tenantId, ...(tenantId === active.tenantId ? named : {}) }));
  }

  /** Makes `tenantId` the tenant tokens are requested for, asking to sign in there if needed. */
  async switchTenant(tenantId: string, options: { signal?: AbortSignal } = {}): Promise<AccountSummary> {
    const active = await this.activeAccountInfo();
    if (!active) throw authFailure('notSignedIn', 'You are not signed in to Microsoft Entra.', 'Run "Entra Connector: Sign In".');
    const previous = active.tenantId;
    await this.deps.memento.update(this.activeKey, { homeAccountId: active.account.homeAccountId, tenantId } satisfies ActiveEntry);
    try {
      await this.getAccessToken(SIGN_IN_SCOPES, options);
    } catch (error) {
      await this.deps.memento.update(this.activeKey, { homeAccountId: active.account.homeAccountId, tenantId: previous } satisfies ActiveEntry);
      throw error;
    }
    this.fire();
    return summary(active.account, tenantId);
  }

  private async activeAccountInfo(): Promise<{ account: AccountInfo; tenantId: string } | undefined> {
    const accounts = await this.pca.getAllAccounts();
    const entry = this.deps.memento.get<ActiveEntry>(this.activeKey);
    const chosen = entry && accounts.find((a) => a.homeAccountId === entry.homeAccountId);
    if (chosen) return { account: chosen, tenantId: entry.tenantId };
    const first = accounts[0];
    return first && { account: first, tenantId: first.tenantId };
  }

  private async acquireInteractively(
    method: InteractiveMethod,
    scopes: string[],
    tenant: string,
    signal?: AbortSignal,
    account?: AccountInfo,
    loginHint?: string,
  ): Promise<AuthenticationResult> {
    if (signal?.aborted) throw cancelled();
    const authority = authorityFor(this.settings.cloud, tenant);
    try {
      if (method === 'browser') return await this.browserFlow(scopes, authority, signal, account?.username ?? loginHint);
      return await this.deviceCodeFlow(scopes, authority, signal);
    } catch (error) {
      if (signal?.aborted) throw cancelled();
      throw await this.failure(error, scopes, tenant);
    } finally {
      this.fire();
    }
  }

  private async browserFlow(scopes: string[], authority: string, signal?: AbortSignal, loginHint?: string): Promise<AuthenticationResult> {
    let authorizeUrl: string | undefined;
    const onAbort = () => {
      if (authorizeUrl) void this.releaseLoopback(authorizeUrl);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.pca.acquireTokenInteractive({
        scopes,
        authority,
        ...(loginHint ? { loginHint } : { prompt: 'select_account' }),
        successTemplate: SUCCESS_PAGE,
        errorTemplate: ERROR_PAGE,
        openBrowser: async (url) => {
          authorizeUrl = url;
          if (signal?.aborted) {
            await this.releaseLoopback(url);
            return;
          }
          await this.deps.ui.openBrowser(url);
        },
      });
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * MSAL's loopback server waits until the browser posts back. To cancel, post the OAuth "access_denied" answer to
   * it ourselves, with the request's own state, so MSAL ends the flow and closes its port.
   */
  private async releaseLoopback(authorizeUrl: string): Promise<void> {
    const url = new URL(authorizeUrl);
    const redirectUri = url.searchParams.get('redirect_uri');
    const state = url.searchParams.get('state');
    if (!redirectUri || !state || !/^http:\/\/localhost:\d+\/?$/.test(redirectUri)) return;
    const body = new URLSearchParams({ error: 'access_denied', error_description: 'Sign-in was cancelled in VS Code.', state });
    try {
      await this.fetchImpl(redirectUri.replace('localhost', '127.0.0.1'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });
    } catch (error) {
      this.deps.log?.warn(`Could not stop the sign-in listener: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async deviceCodeFlow(scopes: string[], authority: string, signal?: AbortSignal): Promise<AuthenticationResult> {
    const shown: { handle?: void | { dispose(): void } } = {};
    const request: DeviceCodeRequest & { cancel?: boolean } = {
      scopes,
      authority,
      deviceCodeCallback: (response) => {
        shown.handle = this.deps.ui.showDeviceCode({ userCode: response.userCode, verificationUri: response.verificationUri, expiresInSeconds: response.expiresIn });
      },
    };
    // MSAL checks `cancel` on the request object before each poll.
    const onAbort = () => {
      request.cancel = true;
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const result = await this.pca.acquireTokenByDeviceCode(request);
      if (!result) throw authFailure('other', 'The device code sign-in returned no token.', 'Try again, or sign in with the browser.');
      return result;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      // A UI may show the code without returning a handle (the CLI prints it).
      const handle = shown.handle as { dispose?: unknown } | undefined;
      if (handle && typeof handle.dispose === 'function') (handle as { dispose(): void }).dispose();
    }
  }

  private failureContext(scopes: readonly string[], tenant: string) {
    return {
      loginEndpoint: this.settings.cloud.loginEndpoint,
      clientId: this.settings.clientId,
      tenant,
      adminConsentUrl: () => this.adminConsentLink(scopes, tenant),
    };
  }

  private adminConsentLink(scopes: readonly string[], tenant: string): string {
    const adminScopes = scopes.filter((s) => !['openid', 'profile', 'offline_access', 'email'].includes(s));
    return adminConsentUrl(this.settings.cloud, { tenant, clientId: this.settings.clientId, scopes: adminScopes });
  }

  /**
   * Maps an error to an AuthFailure, with what the network client recorded for the call (MSAL drops the server's
   * error description in some flows and the cause of network errors); probes the endpoint when nothing was recorded.
   */
  private async failure(error: unknown, scopes: readonly string[], tenant: string): Promise<AuthFailure> {
    const context = this.failureContext(scopes, tenant);
    const recorded = this.network.take((error as { correlationId?: unknown } | null)?.correlationId);
    const code = (error as { errorCode?: unknown } | null)?.errorCode;
    let subject: unknown = error;
    let probed: string | undefined;
    if (recorded?.kind === 'network') {
      probed = networkErrorCode(recorded.error);
    } else if (recorded?.kind === 'oauth' && !aadstsCode(String((error as { errorMessage?: unknown } | null)?.errorMessage ?? ''))) {
      subject = { errorCode: recorded.body.error, errorMessage: recorded.body.error_description ?? '', subError: recorded.body.suberror ?? '' };
    }
    if (!probed && !networkErrorCode(error) && (code === 'network_error' || code === 'endpoints_resolution_error' || code === 'openid_config_error')) {
      probed = await this.probe(`${authorityFor(this.settings.cloud, tenant)}/v2.0/.well-known/openid-configuration`);
    }
    const failure = toAuthFailure(subject, context, probed);
    this.deps.log?.warn(`Sign-in problem (${failure.error.kind}): ${describeError(failure)}`);
    return failure;
  }

  private async probe(url: string): Promise<string | undefined> {
    try {
      await this.fetchImpl(url, { method: 'GET', signal: AbortSignal.timeout(10_000) });
      return undefined;
    } catch (error) {
      return networkErrorCode(error) ?? (error instanceof Error && error.name === 'TimeoutError' ? 'ETIMEDOUT' : undefined);
    }
  }

  private async describeTenant(tenantId: string): Promise<{ displayName?: string; defaultDomain?: string }> {
    try {
      const token = await this.getAccessToken(SIGN_IN_SCOPES);
      const response = await this.fetchImpl(`${this.settings.cloud.graphEndpoint}/v1.0/organization?$select=id,displayName,verifiedDomains`, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      });
      if (!response.ok) {
        this.deps.log?.warn(`Could not read the tenant's name: Graph answered ${response.status} (request-id ${response.headers.get('request-id') ?? 'none'}).`);
        return {};
      }
      const body = (await response.json()) as { value?: { id?: string; displayName?: string; verifiedDomains?: { name?: string; isDefault?: boolean }[] }[] };
      const org = body.value?.find((o) => o.id === tenantId) ?? body.value?.[0];
      if (!org) return {};
      const domain = org.verifiedDomains?.find((d) => d.isDefault)?.name;
      return { ...(org.displayName ? { displayName: org.displayName } : {}), ...(domain ? { defaultDomain: domain } : {}) };
    } catch (error) {
      this.deps.log?.warn(`Could not read the tenant's name: ${error instanceof Error ? error.message : String(error)}`);
      return {};
    }
  }

  private fire(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

function summary(account: AccountInfo, tenantId?: string): AccountSummary {
  return {
    homeAccountId: account.homeAccountId,
    username: account.username,
    ...(account.name ? { name: account.name } : {}),
    tenantId: tenantId ?? account.tenantId,
  };
}

function cancelled(): AuthFailure {
  return authFailure('cancelled', 'Sign-in was cancelled.', 'Run "Entra Connector: Sign In" when you are ready.');
}

/** Whether a silent failure can be fixed by the user interacting, and why. */
function interactionReason(msal: typeof Msal, error: unknown): ConsentReason | undefined {
  const e = error as { errorCode?: unknown; errorMessage?: unknown; subError?: unknown };
  const code = typeof e?.errorCode === 'string' ? e.errorCode : '';
  const aadsts = aadstsCode(typeof e?.errorMessage === 'string' ? e.errorMessage : '');
  const consent = code === 'consent_required' || e?.subError === 'consent_required' || aadsts === '65001';
  if (consent) return 'newPermission';
  if (error instanceof msal.InteractionRequiredAuthError || code === 'invalid_grant') return 'sessionExpired';
  return undefined;
}
