/**
 * The wizard's host logic, free of `vscode` so it runs in plain Node against the emulated tenant: it receives the
 * webview's (untrusted) messages, validates them, keeps the answers and the page, runs the setup engine and posts
 * the view state back. The VS Code panel (../wizardPanel.ts) only adapts SecretStorage, workspaceState, files,
 * the clipboard and sign-in to {@link WizardHost}.
 *
 * Out-of-order messages (an answer or `run` while the setup runs, a page that is not reachable yet) are ignored with
 * a log line, never acted on.
 */
import { asUserFailure, UserFailure } from '../errors';
import { toDirectoryError, type DirectoryError } from '../graph/errors';
import type { Directory } from '../graph/operations';
import { createContext, sameTarget, withAllSteps, type CloudEndpoints, type SetupContext } from '../setup/context';
import { runSetup, type ConnectorDeployer, type SetupFiles, type StateStore } from '../setup/engine';
import type { SetupDeployer } from '../setup/deployer';
import { restorePlan, undoPlan, undoSetup, type FileRestorePlan } from '../setup/summary';
import { swaggerHost } from '../service/apiTarget';
import type { RequestLogEntry } from '../http/policy';
import { ArmClient } from '../service/arm';
import { siteSecurer, type SiteSecurer } from '../service/setupStep';
import { describePlan, type SecurePlan } from '../service/secure';
import { listSites, listSubscriptions, sitesForHost } from '../service/sites';
import {
  parseWebviewMessage,
  type AnswerPageId,
  type ConnectionTestView,
  type HostMessage,
  type PageId,
  type SearchResult,
  type SiteChoice,
  type WebviewMessage,
  type WizardViewState,
} from '../protocol';
import { applyChoices, choicesFromAnswers, defaultAnswers, deriveViewState, firstOpenPage, isFirstPage, isOptionalPage, nextPage, previousPage, reachable } from './model';
import { ANSWER_STEP_IDS, PAGES, type Answers } from './steps';

/** How the wizard reaches Azure Resource Manager for step 7 (the token is asked for only when a request needs it). */
export interface WizardArmAccess {
  /** The cloud's ARM endpoint (`https://management.azure.com`, a sovereign or custom cloud's). */
  readonly armEndpoint: string;
  /** A token for exactly these (resource-qualified) scopes: `{armEndpoint}/user_impersonation`. */
  getAccessToken(scopes: string[], options?: { forceRefresh?: boolean }): Promise<string>;
  readonly log?: (entry: RequestLogEntry) => void;
  /** Forwarded to the ArmClient (tests shorten backoff). */
  readonly retry?: { maxRetries?: number; baseDelayMs?: number; maxDelayMs?: number };
}

/** At most this many sites are listed on the site page (the rest: paste the resource ID). */
export const MAX_SITES_LISTED = 200;

export interface WizardAccount {
  readonly username: string;
  readonly tenantId: string;
}

/** What the wizard keeps between sessions for a connector folder (workspaceState): never a secret. */
export interface WizardDraft {
  readonly version: 2;
  readonly page: PageId;
  readonly answers: Answers;
  readonly answered: readonly AnswerPageId[];
}

/** Step ids of version 1 drafts that were renamed (the API app's page was "service"). */
const RENAMED_V1: Readonly<Record<string, string>> = { service: 'api' };

/**
 * A saved draft in today's shape: version 2 as is, version 1 with its renamed ids mapped; anything else (or an
 * answer the step table no longer has) is dropped, so the wizard starts from the defaults for it.
 */
export function migrateDraft(saved: unknown): WizardDraft | undefined {
  if (typeof saved !== 'object' || saved === null) return undefined;
  const d = saved as { version?: unknown; page?: unknown; answers?: unknown; answered?: unknown };
  if (d.version !== 1 && d.version !== 2) return undefined;
  const rename = (id: unknown): unknown => (d.version === 1 && typeof id === 'string' ? (RENAMED_V1[id] ?? id) : id);
  const isAnswerPage = (id: unknown): id is AnswerPageId => (ANSWER_STEP_IDS as readonly unknown[]).includes(id);
  const answers = Object.fromEntries(
    Object.entries(typeof d.answers === 'object' && d.answers !== null ? d.answers : {})
      .map(([k, v]) => [rename(k), v] as const)
      .filter(([k]) => isAnswerPage(k)),
  ) as Partial<Answers>;
  const answered = (Array.isArray(d.answered) ? d.answered : []).map(rename).filter(isAnswerPage);
  const page = rename(d.page);
  return { version: 2, page: (PAGES as readonly unknown[]).includes(page) ? (page as PageId) : 'signIn', answers: answers as Answers, answered };
}

export interface WizardHost {
  post(message: HostMessage): void;
  log(level: 'info' | 'warn' | 'error', line: string): void;
  /** The signed-in account (for the tenant), or undefined. */
  account(): Promise<WizardAccount | undefined>;
  /** Whether the account may consent for the whole organization (from its directory roles), and why. */
  consentAbility?(): Promise<{ readonly tenantWide: boolean; readonly reason: string }>;
  /** Runs the interactive sign-in; resolves when it ended (signed in or not). */
  signIn(): Promise<void>;
  /** The cloud of the current settings. */
  cloud(): CloudEndpoints & { readonly graphResource: string };
  /** A directory for the signed-in account (tokens asked for as each call needs them). */
  directory(): Promise<Directory>;
  /** Engine state for this connector folder (workspaceState / a file). */
  readonly state: StateStore;
  /** The wizard's page and answers for this folder. */
  loadDraft(): Promise<WizardDraft | undefined>;
  saveDraft(draft: WizardDraft): Promise<void>;
  readonly files: SetupFiles;
  readonly secrets: {
    store(clientId: string, value: string): Promise<void>;
    has(clientId: string): Promise<boolean>;
    /** Copies the stored secret to the clipboard without it passing through the webview; false when none. */
    copyToClipboard(clientId: string): Promise<boolean>;
    /** Forgets a secret whose password was removed (undo). */
    delete?(clientId: string): Promise<void>;
  };
  /** Asks the user (modal) before a destructive action; true to go ahead. Without it, Undo is not offered. */
  confirm?(message: string, detail: string, action: string): Promise<boolean>;
  /** Asks the user (modal) to pick one of several actions; undefined when cancelled. Without it, `confirm` asks. */
  choose?(message: string, detail: string, actions: readonly string[]): Promise<string | undefined>;
  /**
   * Step 7: shows the site's planned Easy Auth and CORS change field by field (the same preview as "Secure the
   * Service…") and resolves whether to apply it. Without it, `confirm` shows the same lines.
   */
  confirmSitePlan?(plan: SecurePlan): Promise<boolean>;
  copyText(text: string): Promise<void>;
  /** The admin center page of an app in this cloud. */
  adminCenterLink?(appId: string): string | undefined;
  /** A path for display: relative to the workspace when inside it. */
  displayPath(path: string): string;
  /** Azure Resource Manager for step 7 (securing the site). Without it the site page can only skip. */
  arm?(): WizardArmAccess;
  /**
   * Power Platform for the deploy step (src/setup/deployer.ts over the host's Power Platform sign-in; the client
   * secret comes from the host's own store, never through the webview). Without it a chosen deployment stays pending.
   */
  powerPlatform?(): SetupDeployer;
  /**
   * The summary's last step: a connection for the signed-in user through the deployed connector (its consent link
   * opened in the browser), then one GET through it. Resolves with the status and first bytes, or the cause.
   */
  testConnection?(): Promise<Omit<ConnectionTestView, 'state'> & { readonly ok: boolean }>;
}

export interface WizardOptions {
  readonly connectorDir: string;
  /** Forwarded to the engine (tests shorten backoff). */
  readonly sleep?: (ms: number) => Promise<void>;
}

function folderName(dir: string): string {
  return dir.replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? dir;
}

function joinPath(dir: string, file: string): string {
  const d = dir.replace(/[\\/]+$/, '');
  return `${d}${d.includes('\\') && !d.includes('/') ? '\\' : '/'}${file}`;
}

export class WizardController {
  private page: PageId = 'signIn';
  private answers!: Answers;
  private answered: AnswerPageId[] = [];
  private ctx: SetupContext | undefined;
  private account: WizardAccount | undefined;
  private running: Promise<void> | undefined;
  private consentHint: string | undefined;
  private error: { message: string; next: string } | undefined;
  private notice: string | undefined;
  private connectionTest: ConnectionTestView | undefined;
  private readonly ready: Promise<void>;
  private disposed = false;

  constructor(
    private readonly host: WizardHost,
    readonly options: WizardOptions,
  ) {
    this.ready = this.load();
  }

  get connectorDir(): string {
    return this.options.connectorDir;
  }

  /** Resolves once the saved draft and context are loaded. */
  whenReady(): Promise<void> {
    return this.ready;
  }

  /** Resolves when the current run (if any) has ended. */
  async idle(): Promise<void> {
    await this.ready;
    while (this.running) await this.running;
  }

  get currentPage(): PageId {
    return this.page;
  }

  get context(): SetupContext | undefined {
    return this.ctx;
  }

  dispose(): void {
    this.disposed = true;
  }

  private async load(): Promise<void> {
    const props = await this.host.files.read(joinPath(this.connectorDir, 'apiProperties.json')).catch(() => undefined);
    const draft = migrateDraft(await this.host.loadDraft().catch(() => undefined));
    const defaults = defaultAnswers(folderName(this.connectorDir), props);
    // A page the draft has no answer for (added since it was saved) starts from its default.
    this.answers = draft ? { ...defaults, ...draft.answers } : defaults;
    this.answered = draft ? [...draft.answered] : [];
    const saved = await this.host.state.load().catch(() => undefined);
    this.ctx = saved ? withAllSteps(saved) : undefined;
    this.account = await this.host.account().catch(() => undefined);
    this.page = draft?.page ?? 'signIn';
    if (!this.account) this.page = 'signIn';
    else if (this.page === 'signIn' || !reachable(this.page, this.answered, this.hasRun(), true)) this.page = this.firstOpenPage();
    if (this.account) await this.proposeConsent();
  }

  /**
   * The consent page proposes what the account can do: the whole tenant for a role that may consent for the
   * organization, else the user's own consent — with the reason. An answer the user gave is never changed.
   */
  private async proposeConsent(): Promise<void> {
    const ability = await this.host.consentAbility?.().catch(() => undefined);
    if (!ability) return;
    this.consentHint = ability.tenantWide
      ? `${ability.reason} “For the whole tenant” is proposed.`
      : `${ability.reason} “For my account only” is proposed; an administrator can consent for everyone later (admin-consent link).`;
    if (!this.answered.includes('consent')) this.answers = { ...this.answers, consent: { ...this.answers.consent, consent: ability.tenantWide ? 'admin' : 'user' } };
  }

  /** Sign-in, sign-out or another account: the header, the page and the proposals follow (not during a run). */
  async accountChanged(): Promise<void> {
    await this.ready;
    const account = await this.host.account().catch(() => undefined);
    if (account?.username === this.account?.username && account?.tenantId === this.account?.tenantId) return;
    // The proposal first, so that no view shows the new account with the old one's proposal.
    this.consentHint = undefined;
    if (account) await this.proposeConsent();
    this.account = account;
    if (!this.running) {
      if (!account) this.page = 'signIn';
      else if (this.page === 'signIn') this.page = this.firstOpenPage();
    }
    await this.render();
  }

  private hasRun(): boolean {
    return !!this.ctx && Object.values(this.ctx.steps).some((s) => s.state !== 'pending');
  }

  private firstOpenPage(): PageId {
    return firstOpenPage(this.answered);
  }

  /** Handles one raw message from the webview. Returns false when it was ignored (invalid or out of order). */
  async receive(raw: unknown): Promise<boolean> {
    await this.ready;
    const parsed = parseWebviewMessage(raw);
    if (!parsed.ok) {
      this.host.log('warn', `Wizard: ignored an invalid webview message: ${parsed.reason}`);
      return false;
    }
    const reason = this.outOfOrder(parsed.message);
    if (reason) {
      this.host.log('warn', `Wizard: ignored “${parsed.message.type}”: ${reason}`);
      return false;
    }
    await this.handle(parsed.message);
    return true;
  }

  /** Why a valid message cannot be acted on now, or undefined. */
  private outOfOrder(m: WebviewMessage): string | undefined {
    const busy = !!this.running;
    const signedIn = !!this.account;
    switch (m.type) {
      case 'ready':
        return undefined;
      case 'signIn':
        return signedIn ? 'already signed in' : undefined;
      case 'answer':
        if (busy) return 'the setup is running';
        if (!signedIn) return 'not signed in';
        return m.page === this.page ? undefined : `the page shown is ${this.page}, not ${m.page}`;
      case 'back':
        return busy ? 'the setup is running' : isFirstPage(this.page) || this.page === 'signIn' ? 'no page before this one' : undefined;
      case 'goTo':
        if (busy) return 'the setup is running';
        return reachable(m.page, this.answered, this.hasRun(), signedIn) ? undefined : `page ${m.page} is not reachable yet`;
      case 'search':
        return signedIn && this.page === 'api' ? undefined : 'search belongs to the API page';
      case 'findSites':
        return signedIn && this.page === 'site' ? undefined : 'finding sites belongs to the site page';
      case 'findEnvironments':
        return signedIn && this.page === 'deploy' ? undefined : 'finding environments belongs to the deploy page';
      case 'run':
        if (busy) return 'the setup is already running';
        if (!signedIn) return 'not signed in';
        // An optional page (its answer starts as its default, e.g. "skip") may run the setup, as review does.
        return this.page === 'review' || this.page === 'summary' || isOptionalPage(this.page) ? undefined : 'answer every page first';
      case 'copySecret':
        return this.ctx?.objects.password && this.ctx.objects.connectorApp ? undefined : 'no secret was created yet';
      case 'copyAdminConsentLink':
        return this.ctx?.objects.adminConsentUrl ? undefined : 'no admin-consent link';
      case 'registerRedirect':
        if (busy) return 'the setup is running';
        return this.ctx?.objects.connectorApp && this.page === 'summary' ? undefined : 'the connector app does not exist yet';
      case 'testConnection':
        if (busy) return 'the setup is running';
        if (this.connectionTest?.state === 'running') return 'a connection test is running';
        if (!this.host.testConnection) return 'this window cannot test connections';
        return this.page === 'summary' && this.ctx?.objects.deployment && this.ctx.steps.deploy.state === 'done' ? undefined : 'the setup has not deployed the connector';
      case 'undo':
        if (busy) return 'the setup is running';
        if (!this.host.confirm) return 'undo needs a confirmation prompt';
        return this.ctx && undoPlan(this.ctx).length > 0 ? undefined : 'this setup created nothing to undo';
    }
  }

  private async handle(m: WebviewMessage): Promise<void> {
    this.notice = undefined;
    switch (m.type) {
      case 'ready':
        // Signed in meanwhile (status bar, another window): leave the sign-in page.
        if (!this.account) {
          this.account = await this.host.account().catch(() => undefined);
          if (this.account) {
            this.page = this.firstOpenPage();
            await this.proposeConsent();
          }
        }
        break;
      case 'signIn':
        this.error = undefined;
        try {
          this.account = await this.host.account();
          if (!this.account) {
            await this.host.signIn();
            this.account = await this.host.account();
          }
        } catch (e) {
          this.fail(e);
        }
        if (this.account) {
          this.page = this.firstOpenPage();
          await this.proposeConsent();
        } else this.error ??= { message: 'You are not signed in yet.', next: 'Sign in to the tenant where the connector’s apps should live.' };
        break;
      case 'answer': {
        this.error = undefined;
        this.answers = { ...this.answers, [m.page]: m.value } as Answers;
        if (!this.answered.includes(m.page)) this.answered.push(m.page);
        this.page = nextPage(m.page, true);
        break;
      }
      case 'back':
        this.error = undefined;
        this.page = this.page === 'summary' ? 'review' : previousPage(this.page);
        break;
      case 'goTo':
        this.error = undefined;
        this.page = m.page;
        break;
      case 'search':
        await this.search(m.query);
        return;
      case 'findEnvironments':
        await this.findEnvironments();
        return;
      case 'findSites':
        await this.findSites();
        return;
      case 'run':
        this.error = undefined;
        this.connectionTest = undefined;
        this.startRun();
        break;
      case 'testConnection':
        this.error = undefined;
        this.startConnectionTest();
        break;
      case 'copySecret': {
        const appId = this.ctx?.objects.connectorApp?.appId as string;
        const copied = await this.host.secrets.copyToClipboard(appId);
        if (copied) this.notice = 'Copied the client secret to the clipboard. Paste it where the connector asks for it, then clear the clipboard.';
        else this.error = { message: 'The client secret is not in this VS Code’s secret storage.', next: 'Create a new secret: go Back to “The client secret” and run the setup again, or add one in the Entra admin center.' };
        break;
      }
      case 'copyAdminConsentLink':
        await this.host.copyText(this.ctx?.objects.adminConsentUrl as string);
        this.notice = 'Copied the admin-consent link. Send it to a Microsoft Entra administrator.';
        break;
      case 'undo':
        this.error = undefined;
        await this.undo();
        break;
      case 'registerRedirect':
        this.error = undefined;
        this.answers = { ...this.answers, redirect: { redirectUrl: m.url } };
        if (!this.answered.includes('redirect')) this.answered.push('redirect');
        this.startRun();
        break;
    }
    await this.persist();
    await this.render();
  }

  private async search(query: string): Promise<void> {
    try {
      const apps = await (await this.host.directory()).findApplications(query);
      const results: SearchResult[] = apps.slice(0, 20).map((a) => ({
        appId: a.appId,
        displayName: a.displayName,
        ...(a.identifierUris?.[0] ? { identifierUri: a.identifierUris[0] } : {}),
        scopes: (a.api?.oauth2PermissionScopes ?? []).filter((s) => s.isEnabled !== false).map((s) => s.value),
      }));
      this.host.post({ type: 'searchResults', query, results });
    } catch (e) {
      const error = toDirectoryError(e);
      this.host.log('warn', `Wizard: search failed: ${error.code} ${error.message}`);
      this.host.post({ type: 'searchResults', query, results: [], error: `${error.message} ${error.next}` });
    }
  }

  private armClient(): ArmClient | undefined {
    const access = this.host.arm?.();
    if (!access) return undefined;
    return new ArmClient({
      armEndpoint: access.armEndpoint,
      getAccessToken: (scopes, o) => access.getAccessToken(scopes, o),
      ...(access.log ? { log: access.log } : {}),
      ...(access.retry ? { retry: access.retry } : {}),
      ...(this.options.sleep ? { sleep: this.options.sleep } : {}),
    });
  }

  /** The deploy step's deployer, when the user chose to deploy and the host can reach Power Platform. */
  private deployService(): { deployer?: ConnectorDeployer } {
    if (this.answers.deploy.kind !== 'deploy') return {};
    const pp = this.host.powerPlatform?.();
    return pp ? { deployer: pp } : {};
  }

  /** The site step's securer for the engine: the chosen site secured through ARM; none when the user skipped it. */
  private siteService(): { site?: SiteSecurer } {
    const site = this.answers.site;
    if (site.kind !== 'site') return {};
    const arm = this.armClient();
    // Nothing is written to the site before the user has seen the change field by field and said yes (declined: the
    // step stays pending); a site set up for another app or issuer is switched only that way.
    const confirm = async (plan: SecurePlan): Promise<boolean> =>
      this.host.confirmSitePlan ? this.host.confirmSitePlan(plan) : ((await this.host.confirm?.(`Secure ${plan.site.name}?`, describePlan(plan).join('\n'), 'Apply')) ?? false);
    if (arm) return { site: siteSecurer(arm, site.siteId, { confirm }) };
    const unavailable: SiteSecurer = {
      secure: async () => {
        throw new UserFailure({ code: 'ArmUnavailable', status: 0, message: 'This window cannot reach Azure Resource Manager, so the chosen site was not secured.', next: 'Run “Entra Connector: Secure the Service…”, or choose “Skip” on the site page.' });
      },
    };
    return { site: unavailable };
  }

  /**
   * Lists the web and function apps of every subscription the user sees, those serving the swagger `host` first.
   * The ARM permission is asked for here, not at sign-in (incremental consent).
   */
  private async findSites(): Promise<void> {
    const arm = this.armClient();
    if (!arm) {
      this.host.post({ type: 'sites', sites: [], error: 'This window cannot reach Azure Resource Manager. Paste the site’s resource ID, or skip and run “Entra Connector: Secure the Service…” later.' });
      return;
    }
    const swagger = await this.host.files.read(joinPath(this.connectorDir, 'apiDefinition.swagger.json')).catch(() => undefined);
    let host: string | undefined;
    try {
      host = swagger ? swaggerHost(swagger) : undefined;
    } catch {
      host = undefined;
    }
    try {
      const found: SiteChoice[] = [];
      for (const sub of await listSubscriptions(arm)) {
        const sites = await listSites(arm, sub.subscriptionId);
        const serving = new Set(host ? sitesForHost(sites, host).map((s) => s.id.toLowerCase()) : []);
        for (const s of sites) {
          found.push({
            id: s.id,
            name: s.name,
            resourceGroup: s.resourceGroup,
            subscription: sub.displayName,
            kind: s.kind,
            ...(s.defaultHostName ? { defaultHostName: s.defaultHostName } : {}),
            servesApi: serving.has(s.id.toLowerCase()),
          });
        }
      }
      found.sort((a, b) => Number(b.servesApi) - Number(a.servesApi) || a.name.localeCompare(b.name));
      const error = found.length === 0 ? 'No web app or function app is visible to your account in this tenant. Skip this step, or paste the site’s resource ID.' : undefined;
      this.host.post({ type: 'sites', sites: found.slice(0, MAX_SITES_LISTED), ...(host ? { host } : {}), ...(error ? { error } : {}) });
    } catch (e) {
      const { code, message, next } = asUserFailure(e)?.error ?? { code: 'Error', message: e instanceof Error ? e.message : String(e), next: 'Retry, or paste the site’s resource ID.' };
      this.host.log('warn', `Wizard: listing the sites failed: ${code} ${message}`);
      this.host.post({ type: 'sites', sites: [], ...(host ? { host } : {}), error: `${message} ${next}` });
    }
  }

  /** Lists the Power Platform environments the user may deploy to, the default first (Power Platform signed in to only now). */
  private async findEnvironments(): Promise<void> {
    const pp = this.host.powerPlatform?.();
    if (!pp) {
      this.host.post({ type: 'environments', environments: [], error: 'This window cannot reach Power Platform. Skip, and deploy later with “Entra Connector: Deploy Connector to Power Platform…”.' });
      return;
    }
    try {
      const environments = (await pp.environments()).map((e) => ({ name: e.name, displayName: e.displayName, isDefault: e.isDefault }));
      this.host.post({ type: 'environments', environments, ...(environments.length === 0 ? { error: 'You have no Power Platform environment to deploy to. Ask an administrator for the Environment Maker role in one.' } : {}) });
    } catch (e) {
      const { code, message, next } = asUserFailure(e)?.error ?? { code: 'Error', message: e instanceof Error ? e.message : String(e), next: 'Retry, or type the environment’s name.' };
      this.host.log('warn', `Wizard: listing the Power Platform environments failed: ${code} ${message}`);
      this.host.post({ type: 'environments', environments: [], error: `${message} ${next}` });
    }
  }

  /** Builds or updates the context from the answers, then runs the engine in the background. */
  private startRun(): void {
    const account = this.account as WizardAccount;
    const cloud = this.host.cloud();
    const choices = choicesFromAnswers(this.answers, cloud.graphResource);
    const target = { connectorDir: this.connectorDir, tenantId: account.tenantId, cloud: { name: cloud.name, loginEndpoint: cloud.loginEndpoint, graphEndpoint: cloud.graphEndpoint } };
    let ctx = this.ctx && sameTarget(this.ctx, target) ? this.ctx : undefined;
    if (ctx) {
      ctx = { ...ctx };
      applyChoices(ctx, choices);
    } else {
      ctx = createContext({ ...target, choices });
    }
    this.ctx = ctx;
    this.page = 'summary';
    const run = this.execute(ctx).finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
  }

  private async execute(ctx: SetupContext): Promise<void> {
    try {
      await this.host.state.save(ctx);
      const result = await runSetup(ctx, {
        directory: await this.host.directory(),
        ...this.siteService(),
        ...this.deployService(),
        secrets: { store: (clientId, value) => this.host.secrets.store(clientId, value) },
        state: this.host.state,
        files: this.host.files,
        log: (line) => this.host.log('info', line),
        ...(this.options.sleep ? { sleep: this.options.sleep } : {}),
        onProgress: () => void this.render(),
        adoptExisting: async (app) => {
          const owners = app.owners.length > 0 ? app.owners.join(', ') : 'nobody listed';
          const [title, detail] =
            app.reason === 'chosen'
              ? [`Change the connector app “${app.displayName}”?`, `“${app.displayName}” (appId ${app.appId}), owned by ${owners}, was not made by this setup. The setup adds the API permission and a client secret to it; nothing else changes, and Undo never removes it.`]
              : [`Use the existing app registration “${app.displayName}”?`, `An app registration with this setup's unique name exists, but this setup did not make it: “${app.displayName}” (appId ${app.appId}), owned by ${owners}. Use it as an existing ${app.role === 'api' ? 'API app (nothing on it is changed)' : 'connector app (the setup adds the API permission and a client secret to it)'}? Undo never removes it.`];
          return (await this.host.confirm?.(title, detail, app.reason === 'chosen' ? 'Change It' : 'Use It')) ?? false;
        },
      });
      this.ctx = result.ctx;
      if (!result.ok) this.host.log('warn', `Wizard: setup ended with ${result.failures.length} failed step(s): ${result.failures.map((f) => `${f.step} ${f.error.code}`).join(', ')}`);
    } catch (e) {
      this.fail(e);
    }
    this.running = undefined;
    await this.persist();
    await this.render();
  }

  /** Runs the connection test in the background (the user signs in in the browser meanwhile); the view follows it. */
  private startConnectionTest(): void {
    this.connectionTest = { state: 'running', detail: 'Sign in to the connection in the browser tab that opens; then one GET goes through the connector.' };
    void (async () => {
      try {
        const r = await (this.host.testConnection as NonNullable<WizardHost['testConnection']>)();
        this.connectionTest = { state: r.ok ? 'ok' : 'failed', detail: r.detail };
      } catch (e) {
        const { message, next } = asUserFailure(e)?.error ?? { message: e instanceof Error ? e.message : String(e), next: 'Run Test Connection again.' };
        this.connectionTest = { state: 'failed', detail: `${message} ${next}` };
      }
      this.host.log(this.connectionTest.state === 'ok' ? 'info' : 'warn', `Wizard: connection test ${this.connectionTest.state}.`);
      await this.render();
    })();
  }

  /**
   * Removes exactly what this setup created, after the user confirms; objects that existed before stay. The connector
   * files name the removed apps: the same question offers to put back the values the setup recorded, through the
   * same diff preview and edit as the setup's own writes.
   */
  private async undo(): Promise<void> {
    const ctx = this.ctx as SetupContext;
    const plan = undoPlan(ctx);
    const restores = await restorePlan(ctx, this.host.files).catch((e: unknown) => {
      this.host.log('warn', `Wizard: could not read the connector files to restore them: ${String(e)}`);
      return [] as FileRestorePlan[];
    });
    const restorable = restores.filter((r) => r.change);
    const objects = `This deletes ${plan.join(', ')}. Objects that existed before the setup are not touched.`;
    const describe = (r: FileRestorePlan) => `${r.file}: ${r.change?.remove ? 'created by the setup; deleted' : `${r.restored} value(s) back to what they were before the setup`}${r.kept.length > 0 ? `; kept as they are now: ${r.kept.join(', ')}` : ''}`;
    let restore = false;
    if (restorable.length > 0 && this.host.choose) {
      const files = `The connector files still point at these apps. “Remove and Restore Files” also puts back, after a diff preview:\n${restorable.map((r) => `• ${describe(r)}`).join('\n')}`;
      const choice = await this.host.choose('Remove what this setup created?', `${objects}\n\n${files}`, ['Remove and Restore Files', 'Remove Only']);
      if (!choice) return;
      restore = choice === 'Remove and Restore Files';
    } else if (!(await this.host.confirm?.('Remove what this setup created?', objects, 'Remove'))) return;
    const clientId = ctx.objects.password ? ctx.objects.connectorApp?.appId : undefined;
    const run = (async () => {
      try {
        await undoSetup(ctx, await this.host.directory(), (c) => this.host.state.save(c));
        if (clientId) await this.host.secrets.delete?.(clientId);
        const removed = `Removed ${plan.length} object(s) this setup created.`;
        this.page = 'review';
        if (!restore) {
          this.notice = restorable.length > 0 ? `${removed} ${restorable.map((r) => r.file).join(' and ')} still name the removed apps.` : removed;
          return;
        }
        const changes = restorable.map((r) => r.change as NonNullable<FileRestorePlan['change']>);
        const names = restorable.map((r) => r.file).join(' and ');
        if (this.host.files.confirm && !(await this.host.files.confirm(changes, `Restore ${names} to what they were before the setup?`))) {
          this.notice = `${removed} ${names} were not restored (preview declined): they still name the removed apps.`;
          return;
        }
        for (const change of changes) await this.host.files.apply(change);
        this.notice = `${removed} Restored ${names} to what they were before the setup.`;
      } catch (e) {
        this.fail(e);
      }
    })();
    this.running = run;
    await this.render();
    await run;
    this.running = undefined;
  }

  private fail(e: unknown): void {
    const error: DirectoryError = toDirectoryError(e);
    const next = (e as { next?: unknown })?.next;
    this.error = { message: error.message, next: typeof next === 'string' ? next : error.next };
    this.host.log('error', `Wizard: ${error.code} ${error.message}`);
  }

  private async persist(): Promise<void> {
    await this.host.saveDraft({ version: 2, page: this.page, answers: this.answers, answered: [...this.answered] }).catch((e) => this.host.log('warn', `Wizard: could not save the draft: ${String(e)}`));
  }

  /** The current view state (also what was last posted). */
  async view(): Promise<WizardViewState> {
    await this.ready;
    const appId = this.ctx?.objects.connectorApp?.appId;
    const secretStored = appId && this.ctx?.objects.password ? await this.host.secrets.has(appId).catch(() => false) : false;
    return deriveViewState({
      connectorName: folderName(this.connectorDir),
      connectorPath: this.host.displayPath(this.connectorDir),
      ...(this.account ? { account: this.account } : {}),
      page: this.page,
      answers: this.answers,
      answered: this.answered,
      ...(this.ctx ? { ctx: this.ctx } : {}),
      running: !!this.running,
      ...(this.error ? { error: this.error } : {}),
      ...(this.notice ? { notice: this.notice } : {}),
      secretStored,
      ...(this.host.adminCenterLink ? { adminCenterLink: (id: string) => this.host.adminCenterLink?.(id) } : {}),
      files: ['apiProperties.json', 'apiDefinition.swagger.json'].map((f) => this.host.displayPath(joinPath(this.connectorDir, f))),
      ...(this.consentHint ? { consentHint: this.consentHint } : {}),
      choices: choicesFromAnswers(this.answers, this.host.cloud().graphResource),
      ...(this.connectionTest ? { connectionTest: this.connectionTest } : {}),
    });
  }

  async render(): Promise<void> {
    if (this.disposed) return;
    const state = await this.view();
    if (!this.disposed) this.host.post({ type: 'state', state });
  }
}
