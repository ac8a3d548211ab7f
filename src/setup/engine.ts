/**
 * The setup engine: runs the checklist's directory work as a dependency graph of small idempotent tasks, each
 * started as soon as what it needs is done (API app → {API SP, connector app, API patch} → {connector SP, password}
 * → grant), saves the context after every task, and can be run again after any failure: tasks whose result is in
 * the context do not run, and tasks that POST reconcile with the directory first (write-ahead intents).
 * No VS Code here: the host passes {@link SetupServices}.
 */
import { isTransient, UserFailure } from '../errors';
import { toDirectoryError, type DirectoryError } from '../graph/errors';
import type { PasswordCredential } from '../graph/operations';
import { AZURE_API_CONNECTIONS_APP_ID, sameScope, type Application, type Directory, type PermissionScope } from '../graph/operations';
import { addSecret, extendGrant, registerRedirectUri } from '../registrations/actions';
import {
  identifierUriFor,
  setupMarker,
  stableGuid,
  STEP_IDS,
  withAllSteps,
  type SetupContext,
  type StepId,
  type StepStatus,
} from './context';
import { apiPropertiesChange, mergeFileRecords, swaggerChange, type FileChange, type TokenSettings } from './properties';
import type { SiteSecurer } from '../service/setupStep';
import { tokenVersionOf } from '../service/easyAuth';
import { appAdminConsentUrl, isCloudName, knownCloud, type Cloud } from '../cloud/clouds';
import type { DeployResult } from '../powerplatform/deploy';
import { registerDeployedRedirect } from '../powerplatform/redirect';

/** Where the client secret goes: VS Code SecretStorage (`entraConnector.secret.<clientId>`) or the CLI's memory. */
export interface SecretSink {
  store(clientId: string, value: string): Promise<void>;
}

/**
 * Deploys the connector folder to Power Platform (src/powerplatform `deployConnector`, signed in as the user). The
 * host closes over the Power Platform client and hands the connector app's client secret from its own store
 * (SecretStorage / the CLI's memory) to the request body: it never passes through here, the context or a webview.
 */
export interface ConnectorDeployer {
  /**
   * Starts the deployment's requests that need nothing the setup makes (the environment, the swagger's validation,
   * the connector deployed before, the icon's upload), so that they run beside the directory work; `deploy` then
   * uses them. `swaggerText`: the swagger as the setup will leave it.
   */
  prepare?(input: { readonly connectorDir: string; readonly environment?: string; readonly swaggerText?: string }): void;
  deploy(input: { readonly connectorDir: string; readonly clientId: string; readonly environment?: string }): Promise<DeployResult>;
}

/** Saved context: workspaceState in the extension, a JSON file for the CLI. Never holds a secret. */
export interface StateStore {
  load(): Promise<SetupContext | undefined>;
  save(ctx: SetupContext): Promise<void>;
  clear?(): Promise<void>;
}

/** Connector files. The extension applies edits through a WorkspaceEdit (undoable); the CLI writes the file. */
export interface SetupFiles {
  read(path: string): Promise<string | undefined>;
  /** Applies the change (`edits` relative to `before`; `before === undefined` means create the file). */
  apply(change: FileChange): Promise<void>;
  /**
   * Optional diff preview before writing; `false` leaves the step pending (the user declined). `question` replaces
   * the setup's own (Undo restoring the files asks its own).
   */
  confirm?(changes: readonly FileChange[], question?: string): Promise<boolean>;
}

export interface SetupServices {
  readonly directory: Directory;
  /**
   * Where a new client secret goes. `unavailable` (the CLI without --print-secret or --secret-file): no secret is
   * created at all, because its value could not be handed to anyone; the step stays pending with that sentence.
   */
  readonly secrets: SecretSink | { readonly unavailable: string };
  readonly state: StateStore;
  readonly files: SetupFiles;
  readonly log?: (line: string) => void;
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly onProgress?: (step: StepId, status: StepStatus) => void;
  /** Times a failed task is re-run when its failure is transient (the task reconciles first). Default 3. */
  readonly taskRetries?: number;
  /** The site step: secures the API's App Service / Function App (src/service `siteSecurer`); absent → the step is skipped. */
  readonly site?: SiteSecurer;
  /** The deploy step's deployer; absent while the choices ask for a deployment → the step stays pending with why. */
  readonly deployer?: ConnectorDeployer;
  /**
   * An app already holds this setup's uniqueName but does not carry its marker: it was not made by this setup. Shown
   * with its name, owners and appId; `true` uses it as an existing app (never deleted by Undo). Absent or `false`:
   * the step fails and nothing is written to that app.
   */
  readonly adoptExisting?: (app: UnmarkedApp) => Promise<boolean>;
}

/** An app this setup did not make and is about to use: one with its uniqueName, or the existing connector app the user chose. */
export interface UnmarkedApp {
  readonly role: 'api' | 'connector';
  /** `uniqueName`: found under the setup's unique name; `chosen`: the user chose it as the existing connector app (it gets the API permission and a secret). */
  readonly reason: 'uniqueName' | 'chosen';
  readonly displayName: string;
  readonly appId: string;
  readonly owners: readonly string[];
}

type TaskId = 'apiApp' | 'apiPatch' | 'apiSp' | 'connectorApp' | 'oboConnector' | 'connectorSp' | 'password' | 'grant' | 'properties' | 'deploy' | 'redirect' | 'site';

/** What a task reports: done, or still pending on the user / an administrator (with the reason). */
type TaskOutcome = { state: 'done'; detail?: string } | { state: 'pending'; detail: string } | { state: 'skipped'; detail: string };

interface Task {
  readonly id: TaskId;
  readonly step: StepId;
  readonly deps: readonly TaskId[];
  /** False when the context already holds this task's result. */
  needed(ctx: SetupContext): boolean;
  run(ctx: SetupContext, env: TaskEnv): Promise<TaskOutcome>;
}

interface TaskEnv {
  readonly svc: SetupServices;
  readonly dir: Directory;
  /** Saves the context now (write-ahead before a POST that cannot be upserted). */
  checkpoint(): Promise<void>;
  now(): Date;
  /** Reads of apps started early (by uniqueName, or by appId for the redirect URL) beside other requests, each used once; a retry reads again. */
  readonly early: Map<string, Promise<Application | undefined>>;
  /** appIds of apps this run created: they cannot have a service principal yet, so it is created without a read. */
  readonly fresh: Set<string>;
}


function fail(code: string, message: string, next: string): never {
  throw new UserFailure({ code, status: 0, message, next });
}

/** The consent texts of the scope this setup gives an API app named `displayName`. */
function scopeTexts(displayName: string): Pick<PermissionScope, 'adminConsentDisplayName' | 'adminConsentDescription' | 'userConsentDisplayName' | 'userConsentDescription'> {
  return {
    adminConsentDisplayName: `Access ${displayName}`,
    adminConsentDescription: `Allows the app to access ${displayName} on behalf of the signed-in user.`,
    userConsentDisplayName: `Access ${displayName}`,
    userConsentDescription: `Allows the app to access ${displayName} on your behalf.`,
  };
}

function scopeFor(ctx: SetupContext): PermissionScope | undefined {
  const s = ctx.choices.api;
  if (s.kind !== 'new') return undefined;
  return { id: stableGuid(ctx.uniqueNames.api, 'scope', s.scope), value: s.scope, type: 'User', isEnabled: true, ...scopeTexts(s.displayName) };
}

function connectorAudience(ctx: SetupContext): string {
  return ctx.choices.api.kind === 'new' ? ctx.choices.api.audience : 'AzureADMyOrg';
}

function pickScopes(app: Application, wanted: string | undefined): PermissionScope[] {
  const scopes = (app.api?.oauth2PermissionScopes ?? []).filter((s) => s.isEnabled !== false);
  const chosen = wanted ? scopes.filter((s) => s.value === wanted) : scopes.filter((s) => s.value === 'user_impersonation');
  return chosen.length > 0 ? chosen : wanted ? [] : scopes.slice(0, 1);
}

/** The scope the connector app exposes for on-behalf-of (Azure API Connections is pre-authorized for it). */
export const OBO_SCOPE = 'user_impersonation';

function union(current: readonly string[] | undefined, add: readonly string[]): string[] {
  const out = [...(current ?? [])];
  for (const v of add) if (!out.some((x) => x.replace(/\/+$/, '').toLowerCase() === v.replace(/\/+$/, '').toLowerCase())) out.push(v);
  return out;
}

/** `requiredResourceAccess` with `access` added to what is there (nothing dropped). */
function mergeAccess(current: Application['requiredResourceAccess'], access: NonNullable<Application['requiredResourceAccess']>[number]): NonNullable<Application['requiredResourceAccess']> {
  const rra = current ?? [];
  const entry = rra.find((r) => r.resourceAppId === access.resourceAppId);
  const missing = access.resourceAccess.filter((a) => !entry?.resourceAccess.some((x) => x.id === a.id));
  if (missing.length === 0) return rra;
  return entry ? rra.map((r) => (r === entry ? { ...r, resourceAccess: [...r.resourceAccess, ...missing] } : r)) : [...rra, access];
}

/**
 * The PATCH that brings an app this setup made before (found by uniqueName) up to date without dropping anything
 * someone else added since: identifier URIs, scopes, redirect URIs and permissions are merged, never replaced.
 * Undefined when nothing needs writing.
 */
function mergedUpdate(app: Application, wanted: { displayName?: string; signInAudience?: string; identifierUris?: string[]; scope?: PermissionScope; redirectUris?: string[]; access?: NonNullable<Application['requiredResourceAccess']>[number] }): Partial<Application> | undefined {
  const body: Partial<Application> = {};
  // The user renamed it (went Back and changed the answer): a name is not a collection, it is simply set.
  if (wanted.displayName && wanted.displayName !== app.displayName) body.displayName = wanted.displayName;
  // Likewise the audience (single ↔ multi-tenant), a value the user chose on the API page.
  if (wanted.signInAudience && wanted.signInAudience !== (app.signInAudience ?? 'AzureADMyOrg')) body.signInAudience = wanted.signInAudience;
  if (wanted.identifierUris) {
    const uris = union(app.identifierUris, wanted.identifierUris);
    if (uris.length !== (app.identifierUris ?? []).length) body.identifierUris = uris;
  }
  if (wanted.scope) {
    const scope = wanted.scope;
    const scopes = app.api?.oauth2PermissionScopes ?? [];
    const ours = scopes.find((x) => x.id === scope.id);
    // This setup's scope (its stable id) follows a rename when its texts are still the ones it wrote for the app's
    // current name (nobody edited them), or when a rename stopped after disabling it; the Directory disables it first.
    const refresh = ours && !sameScope(ours, scope) && (ours.isEnabled === false || sameScope(ours, { ...scope, ...scopeTexts(app.displayName) }));
    if (refresh) body.api = { ...(app.api ?? {}), oauth2PermissionScopes: scopes.map((x) => (x === ours ? scope : x)) };
    else if (!ours && !scopes.some((x) => x.value === scope.value && x.isEnabled !== false)) {
      body.api = { ...(app.api ?? {}), oauth2PermissionScopes: [...scopes, scope] };
    }
  }
  if (wanted.redirectUris) {
    const uris = union(app.web?.redirectUris, wanted.redirectUris);
    if (uris.length !== (app.web?.redirectUris ?? []).length) body.web = { redirectUris: uris };
  }
  if (wanted.access) {
    const rra = mergeAccess(app.requiredResourceAccess, wanted.access);
    if (rra !== (app.requiredResourceAccess ?? [])) body.requiredResourceAccess = rra;
  }
  return Object.keys(body).length > 0 ? body : undefined;
}

function isMarked(app: Pick<Application, 'tags'>, ctx: SetupContext): boolean {
  return (app.tags ?? []).includes(setupMarker(ctx));
}

/** The app's tags with this setup's marker added (a PATCH replaces the whole collection). */
function markedTags(ctx: SetupContext, existing?: Pick<Application, 'tags'>): string[] {
  const tags = existing?.tags ?? [];
  return tags.includes(setupMarker(ctx)) ? [...tags] : [...tags, setupMarker(ctx)];
}

/**
 * Looks up the app with one of this setup's uniqueNames before anything is written to it. Returns undefined when
 * there is none, the app when this setup made it (it carries the marker), and `adopted` when it is someone else's
 * and the user agreed to use it as an existing app. Otherwise the step fails without touching it.
 */
async function claimUniqueName(ctx: SetupContext, env: TaskEnv, role: 'api' | 'connector'): Promise<{ app: Application; adopted: boolean } | undefined> {
  const uniqueName = role === 'api' ? ctx.uniqueNames.api : ctx.uniqueNames.client;
  const early = env.early.get(uniqueName);
  env.early.delete(uniqueName);
  const app = await (early ?? env.dir.getApplicationByUniqueName(uniqueName));
  if (!app) return undefined;
  if (isMarked(app, ctx)) return { app, adopted: false };
  const owners = (await env.dir.listOwners(app.id).catch(() => [])).map((o) => o.userPrincipalName ?? o.displayName ?? o.id);
  const what = role === 'api' ? 'API app' : 'connector app';
  if (await env.svc.adoptExisting?.({ role, reason: 'uniqueName', displayName: app.displayName, appId: app.appId, owners })) return { app, adopted: true };
  fail(
    'AppNotMadeBySetup',
    `The app registration “${app.displayName}” (${app.appId}, owned by ${owners.length > 0 ? owners.join(', ') : 'nobody listed'}) already has this setup's unique name ${uniqueName} but was not made by it. Nothing was changed on it.`,
    `Choose it as an existing ${what} if it is yours, or ask its owner; Undo never removes it.`,
  );
}

/** Uses an existing API app: its enabled scope (or the one asked for); nothing is written to it. */
function useExistingApi(ctx: SetupContext, app: Application, wanted: string | undefined): TaskOutcome {
  const scopes = pickScopes(app, wanted);
  if (scopes.length === 0) {
    fail('ApiScopeNotFound', `The app “${app.displayName}” exposes no enabled delegated scope${wanted ? ` named “${wanted}”` : ''}.`, 'Add a scope under “Expose an API” on that app, or pick one of its scopes.');
  }
  const identifierUri = app.identifierUris?.[0];
  ctx.objects.apiApp = {
    id: app.id,
    appId: app.appId,
    displayName: app.displayName,
    created: false,
    scopeIds: scopes.map((x) => x.id),
    scopeValues: scopes.map((x) => x.value),
    resourceUri: identifierUri ?? app.appId,
    ...(identifierUri ? { identifierUri } : {}),
    tokenVersion: tokenVersionOf(app),
  };
  return { state: 'done', detail: `Using the existing API app “${app.displayName}” (${app.appId}).` };
}

/** The consent step's grant: tenant-wide or for the signed-in user, found before created, or the admin-consent link. */
async function grantTask(ctx: SetupContext, { dir, checkpoint }: TaskEnv): Promise<TaskOutcome> {
  const api = ctx.objects.apiApp as NonNullable<SetupContext['objects']['apiApp']>;
  const client = ctx.objects.connectorSp as NonNullable<SetupContext['objects']['connectorSp']>;
  const resource = ctx.objects.apiSp as NonNullable<SetupContext['objects']['apiSp']>;
  const scope = api.scopeValues.join(' ');
  const consent = ctx.choices.consent;
  const link = adminConsentLink(ctx);
  if (consent === 'link') {
    ctx.objects.adminConsentUrl = link;
    return { state: 'pending', detail: 'An administrator must grant consent: send them the admin-consent link.' };
  }
  const me = consent === 'user' ? await dir.me() : undefined;
  const consentType = consent === 'admin' ? 'AllPrincipals' : 'Principal';
  // A fresh connector SP cannot have a grant yet; otherwise look before adding (a lost answer, an earlier run).
  if (!client.created || ctx.intents.grant || ctx.objects.adminConsentUrl) {
    const grants = await dir.listGrants(client.id, resource.id);
    const mine = grants.find((g) => g.consentType === consentType && (consentType === 'AllPrincipals' || g.principalId === me?.id));
    if (mine) {
      const widened = await extendGrant(dir, mine, api.scopeValues);
      ctx.objects.grant = { id: mine.id, created: !!ctx.intents.grant, consentType, scope: widened };
      delete ctx.intents.grant;
      delete ctx.objects.adminConsentUrl;
      return { state: 'done' };
    }
  }
  ctx.intents.grant = true;
  await checkpoint();
  try {
    const grant = await dir.createGrant({
      clientId: client.id,
      resourceId: resource.id,
      consentType,
      ...(me ? { principalId: me.id } : {}),
      scope,
    });
    ctx.objects.grant = { id: grant.id, created: true, consentType, scope };
    delete ctx.objects.adminConsentUrl;
    return { state: 'done', detail: consentType === 'AllPrincipals' ? 'Granted consent for the whole tenant.' : 'Granted consent for your account.' };
  } catch (thrown) {
    const error = toDirectoryError(thrown);
    if (error.status === 409) {
      // Already there (an earlier attempt whose answer was lost): adopt it.
      const again = await dir.listGrants(client.id, resource.id);
      const found = again.find((g) => g.consentType === consentType && (consentType === 'AllPrincipals' || g.principalId === me?.id));
      if (found) {
        ctx.objects.grant = { id: found.id, created: true, consentType, scope: found.scope };
        delete ctx.objects.adminConsentUrl;
        return { state: 'done' };
      }
    }
    if (error.status !== 403) throw thrown;
    ctx.objects.adminConsentUrl = link;
    return { state: 'pending', detail: 'You may not grant this consent: an administrator must open the admin-consent link.' };
  } finally {
    if (ctx.objects.grant || ctx.objects.adminConsentUrl) delete ctx.intents.grant;
  }
}

/** Where the connector app's early read for the redirect URL waits in {@link TaskEnv.early}. */
const redirectReadKey = (appId: string) => `appId:${appId}`;

/** The connector app: made (its uniqueName claimed first), found from an earlier run, or the existing one the user chose. */
async function connectorAppTask(ctx: SetupContext, env: TaskEnv): Promise<TaskOutcome> {
  const { dir } = env;
  const api = ctx.objects.apiApp as NonNullable<SetupContext['objects']['apiApp']>;
  const access = { resourceAppId: api.appId, resourceAccess: api.scopeIds.map((id) => ({ id, type: 'Scope' })) };
  const c = ctx.choices.connector;
  const redirectUrl = ctx.choices.redirectUrl;
  let app: Application | undefined;
  if (c.kind === 'new') {
    const claimed = await claimUniqueName(ctx, env, 'connector');
    if (claimed?.adopted) {
      app = claimed.app;
    } else {
      let value: Application;
      let created = false;
      if (claimed) {
        // Made by an earlier run: keep the redirect URIs and permissions someone added since (read, merge, write).
        const update = mergedUpdate(claimed.app, { displayName: c.displayName, signInAudience: connectorAudience(ctx), ...(redirectUrl ? { redirectUris: [redirectUrl] } : {}), access });
        if (update) await dir.updateApplicationScopes(claimed.app, update);
        value = { ...claimed.app, ...update };
      } else {
        ({ value, created } = await dir.upsertApplication(ctx.uniqueNames.client, {
          displayName: c.displayName,
          signInAudience: connectorAudience(ctx),
          tags: markedTags(ctx),
          ...(redirectUrl ? { web: { redirectUris: [redirectUrl] } } : {}),
          requiredResourceAccess: [access],
        }));
        if (created) env.fresh.add(value.appId);
      }
      if (!created && !isMarked(value, ctx)) fail('AppNotMadeBySetup', `The app registration “${value.displayName}” (${value.appId}) appeared with this setup's unique name while it ran, without its marker.`, 'Run the setup again: it asks before using that app.');
      ctx.objects.connectorApp = { id: value.id, appId: value.appId, displayName: value.displayName, created: true, signInAudience: connectorAudience(ctx) };
      if (redirectUrl) ctx.objects.redirectUri = redirectUrl;
      return { state: 'done', detail: `${created ? 'Created' : 'Found'} the connector app “${value.displayName}” (${value.appId}).` };
    }
  } else {
    app = await dir.getApplicationByAppId(c.appId);
    if (!app) fail('ConnectorAppNotFound', `No application with appId ${c.appId} is registered in tenant ${ctx.tenantId}.`, 'Check the client ID, or choose “new connector app”.');
    // The setup is about to change an app it did not make (API permission, a client secret): where someone can be
    // asked, they see its name and owners first.
    if (env.svc.adoptExisting) {
      const owners = (await dir.listOwners(app.id).catch(() => [])).map((o) => o.userPrincipalName ?? o.displayName ?? o.id);
      if (!(await env.svc.adoptExisting({ role: 'connector', reason: 'chosen', displayName: app.displayName, appId: app.appId, owners }))) {
        fail('ExistingAppNotConfirmed', `The connector app “${app.displayName}” (${app.appId}) was not changed: you did not confirm it.`, 'Run the step again and confirm, or choose “new connector app”.');
      }
    }
  }
  const update = mergedUpdate(app, { access });
  if (update) await dir.updateApplication(app.id, update);
  ctx.objects.connectorApp = {
    id: app.id,
    appId: app.appId,
    displayName: app.displayName,
    created: false,
    signInAudience: app.signInAudience ?? 'AzureADMyOrg',
    redirectUris: app.web?.redirectUris ?? [],
  };
  if (redirectUrl && app.web?.redirectUris?.includes(redirectUrl)) ctx.objects.redirectUri = redirectUrl;
  return { state: 'done', detail: `Using the existing connector app “${app.displayName}” (${app.appId}).` };
}

/** An app read by appId; one this run created is waited for while the directory replicates it. */
function appByAppId(dir: Directory, appId: string, isNew: boolean): Promise<Application | undefined> {
  if (!isNew) return dir.getApplicationByAppId(appId);
  return dir.afterCreate(async () => {
    const app = await dir.getApplicationByAppId(appId);
    if (!app) throw { statusCode: 404, body: JSON.stringify({ code: 'Request_ResourceNotFound' }) };
    return app;
  });
}

/** An app's service principal (found, or created; a new app cannot have one yet, so it is created without a read). */
function servicePrincipalTask(id: 'apiSp' | 'connectorSp', appKey: 'apiApp' | 'connectorApp'): Task {
  return {
    id,
    step: 'consent',
    deps: [appKey],
    needed: (ctx) => !ctx.objects[id],
    async run(ctx, { dir, fresh }) {
      const app = ctx.objects[appKey] as NonNullable<SetupContext['objects'][typeof appKey]>;
      const { value, created } = await dir.ensureServicePrincipal(app.appId, { appIsNew: fresh.has(app.appId) });
      ctx.objects[id] = { id: value.id, created: created || app.created };
      return { state: 'done' };
    },
  };
}

const TASKS: readonly Task[] = [
  {
    id: 'apiApp',
    step: 'api',
    deps: [],
    needed: (ctx) => !ctx.objects.apiApp,
    async run(ctx, env) {
      const { dir } = env;
      const s = ctx.choices.api;
      if (s.kind === 'new') {
        let scope = scopeFor(ctx) as PermissionScope;
        const uri = identifierUriFor(s.identifierUri, ctx.tenantId, s.displayName);
        // The connector app's uniqueName is read alongside, so checking both apps costs one round trip, not two.
        if (ctx.choices.connector.kind === 'new' && !ctx.objects.connectorApp && !env.early.has(ctx.uniqueNames.client)) {
          const early = dir.getApplicationByUniqueName(ctx.uniqueNames.client);
          early.catch(() => undefined);
          env.early.set(ctx.uniqueNames.client, early);
        }
        const claimed = await claimUniqueName(ctx, env, 'api');
        if (claimed?.adopted) return useExistingApi(ctx, claimed.app, s.scope);
        let value: Application;
        let created = false;
        if (claimed) {
          // Made by an earlier run of this setup: read, merge, write (an upsert would replace its collections and drop
          // identifier URIs and scopes someone added since).
          const update = mergedUpdate(claimed.app, { displayName: s.displayName, signInAudience: s.audience, ...(uri ? { identifierUris: [uri] } : {}), scope });
          if (update) await dir.updateApplicationScopes(claimed.app, update);
          value = { ...claimed.app, ...update };
          scope = (value.api?.oauth2PermissionScopes ?? []).find((x) => x.value === scope.value && x.isEnabled !== false) ?? scope;
        } else {
          ({ value, created } = await dir.upsertApplication(ctx.uniqueNames.api, {
            displayName: s.displayName,
            signInAudience: s.audience,
            tags: markedTags(ctx),
            ...(uri ? { identifierUris: [uri] } : {}),
            api: { requestedAccessTokenVersion: 2, oauth2PermissionScopes: [scope] },
          }));
          if (created) env.fresh.add(value.appId);
        }
        const identifierUri = uri ?? value.identifierUris?.[0];
        // Created means Graph answered 201, or the app carries this setup's marker (an attempt whose 201 was lost):
        // only then is it this setup's to undo.
        if (!created && !isMarked(value, ctx)) fail('AppNotMadeBySetup', `The app registration “${value.displayName}” (${value.appId}) appeared with this setup's unique name while it ran, without its marker.`, 'Run the setup again: it asks before using that app.');
        ctx.objects.apiApp = {
          id: value.id,
          appId: value.appId,
          displayName: value.displayName,
          created: true,
          scopeIds: [scope.id],
          scopeValues: [scope.value],
          resourceUri: identifierUri ?? `api://${value.appId}`,
          ...(identifierUri ? { identifierUri } : {}),
          tokenVersion: claimed ? tokenVersionOf(claimed.app) : 2,
        };
        return { state: 'done', detail: `${created ? 'Created' : 'Found'} the API app “${value.displayName}” (${value.appId}).` };
      }
      if (s.kind === 'existing') {
        const app = await dir.getApplicationByAppId(s.appId);
        if (!app) {
          fail('ApiAppNotFound', `No application with appId ${s.appId} is registered in tenant ${ctx.tenantId}.`, 'Check the appId or Application ID URI, or choose “new API app”.');
        }
        return useExistingApi(ctx, app, s.scope);
      }
      const sp = await dir.getServicePrincipalByAppId(s.appId);
      if (!sp) {
        fail('ServiceNotFound', `The Microsoft service ${s.appId} has no service principal in tenant ${ctx.tenantId}.`, 'Check the service appId; Microsoft services are present in every tenant under their well-known appId.');
      }
      const byValue = new Map((sp.oauth2PermissionScopes ?? []).map((x) => [x.value, x]));
      const missing = s.scopes.filter((v) => !byValue.has(v));
      if (missing.length > 0) {
        fail('ServiceScopeNotFound', `${sp.displayName ?? s.appId} has no delegated scope ${missing.join(', ')}.`, 'Pick scopes from the list the service publishes.');
      }
      ctx.objects.apiApp = {
        id: '',
        appId: s.appId,
        displayName: sp.displayName ?? s.appId,
        created: false,
        scopeIds: s.scopes.map((v) => (byValue.get(v) as PermissionScope).id),
        scopeValues: [...s.scopes],
        resourceUri: s.resourceUri,
      };
      ctx.objects.apiSp = { id: sp.id, created: false };
      return { state: 'done', detail: `Using ${sp.displayName ?? s.appId} with ${s.scopes.join(', ')}.` };
    },
  },
  {
    // api://{appId} needs the server-made appId.
    id: 'apiPatch',
    step: 'api',
    deps: ['apiApp'],
    needed: (ctx) => {
      const s = ctx.choices.api;
      const api = ctx.objects.apiApp;
      return s.kind === 'new' && !!api && s.identifierUri.kind === 'appId' && !api.identifierUri;
    },
    async run(ctx, { dir }) {
      const api = ctx.objects.apiApp as NonNullable<SetupContext['objects']['apiApp']>;
      const identifierUri = `api://${api.appId}`;
      const current = await dir.afterCreate(async () => {
        const app = await dir.getApplicationByAppId(api.appId);
        if (!app) throw { statusCode: 404, body: JSON.stringify({ code: 'Request_ResourceNotFound' }) };
        return app;
      });
      const update = mergedUpdate(current, { identifierUris: [identifierUri] });
      if (update) await dir.updateApplication(api.id, update);
      ctx.objects.apiApp = { ...api, identifierUri, resourceUri: identifierUri };
      return { state: 'done' };
    },
  },
  servicePrincipalTask('apiSp', 'apiApp'),
  {
    id: 'connectorApp',
    step: 'connector',
    deps: ['apiApp'],
    needed: (ctx) => !ctx.objects.connectorApp,
    async run(ctx, env) {
      const outcome = await connectorAppTask(ctx, env);
      // A deployment registers its redirect URL on this app (read, merge, write): the read starts now, beside the
      // secret and the service principal, instead of after the connector is created.
      const app = ctx.objects.connectorApp;
      if (app && ctx.choices.deploy && env.svc.deployer) {
        const read = appByAppId(env.dir, app.appId, env.fresh.has(app.appId));
        read.catch(() => undefined);
        env.early.set(redirectReadKey(app.appId), read);
      }
      return outcome;
    },
  },
  {
    // On-behalf-of (Microsoft Learn, "Configure OBO authentication for custom connectors"): the connector app gets an
    // Application ID URI and a scope of its own, and pre-authorizes Azure API Connections for that scope. Read,
    // merge, write: nothing already on the app is dropped.
    id: 'oboConnector',
    step: 'connector',
    deps: ['connectorApp'],
    needed: (ctx) => ctx.choices.obo && !ctx.objects.oboPreauthorized,
    async run(ctx, { dir }) {
      const ref = ctx.objects.connectorApp as NonNullable<SetupContext['objects']['connectorApp']>;
      const app = await dir.afterCreate(async () => {
        const found = await dir.getApplicationByAppId(ref.appId);
        if (!found) throw { statusCode: 404, body: JSON.stringify({ code: 'Request_ResourceNotFound' }) };
        return found;
      });
      const body: Partial<Application> = {};
      if ((app.identifierUris ?? []).length === 0) body.identifierUris = [`api://${app.appId}`];
      const scopes = app.api?.oauth2PermissionScopes ?? [];
      let scope = scopes.find((x) => x.value === OBO_SCOPE && x.isEnabled !== false);
      const addScope = !scope;
      if (!scope) {
        scope = {
          id: stableGuid(ctx.uniqueNames.client, 'obo-scope', OBO_SCOPE),
          value: OBO_SCOPE,
          type: 'User',
          isEnabled: true,
          adminConsentDisplayName: `Access ${app.displayName}`,
          adminConsentDescription: `Allows Power Platform to call ${app.displayName} on behalf of the signed-in user.`,
          userConsentDisplayName: `Access ${app.displayName}`,
          userConsentDescription: `Allows Power Platform to call ${app.displayName} on your behalf.`,
        };
      }
      const pre = app.api?.preAuthorizedApplications ?? [];
      const entry = pre.find((p) => p.appId === AZURE_API_CONNECTIONS_APP_ID);
      const preNeeded = !entry?.delegatedPermissionIds.includes(scope.id);
      if (addScope || preNeeded) {
        body.api = {
          ...(app.api ?? {}),
          oauth2PermissionScopes: addScope ? [...scopes, scope] : scopes,
          preAuthorizedApplications: entry
            ? pre.map((p) => (p === entry ? { ...p, delegatedPermissionIds: [...p.delegatedPermissionIds, scope.id] } : p))
            : [...pre, { appId: AZURE_API_CONNECTIONS_APP_ID, delegatedPermissionIds: [scope.id] }],
        };
      }
      if (Object.keys(body).length > 0) await dir.updateApplication(app.id, body);
      ctx.objects.oboPreauthorized = true;
      const uri = (app.identifierUris ?? [])[0] ?? `api://${app.appId}`;
      return { state: 'done', detail: `On-behalf-of: the connector app exposes ${uri}/${scope.value} with Azure API Connections pre-authorized.` };
    },
  },
  servicePrincipalTask('connectorSp', 'connectorApp'),
  {
    id: 'password',
    step: 'secret',
    deps: ['connectorApp'],
    needed: (ctx) => !ctx.objects.password || (ctx.objects.replacedPasswords ?? []).length > 0,
    async run(ctx, { dir, svc, checkpoint, now }) {
      const app = ctx.objects.connectorApp as NonNullable<SetupContext['objects']['connectorApp']>;
      const details: string[] = [];
      if (!ctx.objects.password) {
        const sink = svc.secrets;
        if ('unavailable' in sink) return { state: 'pending', detail: sink.unavailable };
        const marker = `Entra Connector setup ${ctx.runId}`;
        const replaced = new Set((ctx.objects.replacedPasswords ?? []).map((p) => p.keyId));
        if (ctx.intents.passwordMarker) {
          // A previous attempt may have added the password and lost the answer: its value is unknown, so replace it.
          // A secret being replaced stays until its successor is stored.
          const lost = (await dir.listPasswords(app.id)).filter((p) => p.displayName === ctx.intents.passwordMarker && !replaced.has(p.keyId));
          await Promise.all(lost.map((p) => dir.removePassword(app.id, p.keyId)));
        }
        ctx.intents.passwordMarker = marker;
        await checkpoint();
        const added = await addSecret(dir, app.id, ctx.choices.secretDays, { now: now(), label: marker, nextWithoutValue: 'Run the step again; the unusable secret is replaced.' });
        await sink.store(app.appId, added.secretText);
        ctx.objects.password = { keyId: added.keyId, endDateTime: added.endDateTime, displayName: marker, created: true };
        delete ctx.intents.passwordMarker;
        await checkpoint();
        details.push(`Added a client secret valid until ${added.endDateTime.slice(0, 10)}; its value is in secret storage.`);
      }
      // The new secret is stored: the ones this setup added before and a changed answer replaced can go now.
      for (const old of [...(ctx.objects.replacedPasswords ?? [])]) {
        if (old.appObjectId === app.id) {
          try {
            await dir.removePassword(app.id, old.keyId);
          } catch (thrown) {
            if (toDirectoryError(thrown).status !== 404) throw thrown;
          }
          details.push(`Removed the secret it replaces (key ${old.keyId}, valid until ${old.endDateTime.slice(0, 10)}).`);
        }
        // One on another app (the connector app changed) is left with that app, as everything else on it.
        ctx.objects.replacedPasswords = (ctx.objects.replacedPasswords ?? []).filter((p) => p.keyId !== old.keyId);
        await checkpoint();
      }
      if (ctx.objects.replacedPasswords?.length === 0) delete ctx.objects.replacedPasswords;
      return { state: 'done', ...(details.length > 0 ? { detail: details.join(' ') } : {}) };
    },
  },
  {
    id: 'grant',
    step: 'consent',
    deps: ['apiSp', 'connectorSp'],
    needed: (ctx) => !ctx.objects.grant || (ctx.objects.replacedGrants ?? []).length > 0,
    async run(ctx, env) {
      const outcome = await grantTask(ctx, env);
      // The grant this setup made before a changed consent answer goes once its successor is in place.
      const now = ctx.objects.grant;
      if (outcome.state !== 'done' || !now) return outcome;
      for (const old of [...(ctx.objects.replacedGrants ?? [])]) {
        // Found again as the grant wanted now (an answer changed back): it stays, still this setup's.
        if (old.id === now.id) ctx.objects.grant = { ...now, created: true };
        else await env.dir.deleteGrant(old.id).catch((e: unknown) => (toDirectoryError(e).status === 404 ? undefined : Promise.reject(e)));
        ctx.objects.replacedGrants = (ctx.objects.replacedGrants ?? []).filter((g) => g.id !== old.id);
        await env.checkpoint();
      }
      if (ctx.objects.replacedGrants?.length === 0) delete ctx.objects.replacedGrants;
      return outcome;
    },
  },
  {
    id: 'properties',
    step: 'properties',
    deps: ['apiApp', 'connectorApp'],
    needed: () => true,
    async run(ctx, { svc }) {
      const changes = await propertiesChanges(ctx, svc.files);
      const real = changes.filter((c) => c.edits.length > 0);
      if (real.length === 0) return { state: 'done', detail: 'apiProperties.json already says what the setup needs.' };
      if (svc.files.confirm && !(await svc.files.confirm(real))) {
        return { state: 'pending', detail: 'The changes to the connector files were not applied (preview declined).' };
      }
      for (const change of real) {
        await svc.files.apply(change);
        // What the file said before, value by value (never the whole text): Undo offers to put it back.
        ctx.objects.files = mergeFileRecords(ctx.objects.files, change);
      }
      return { state: 'done', detail: `Updated ${real.map((c) => c.path.split(/[\\/]/).pop()).join(' and ')}.` };
    },
  },
  {
    // Deploys the connector (create or update: settings.json remembers it), reads back its redirect URL and
    // registers it on the connector app (merge, never replace; a move from the legacy shared URL adds before removing).
    id: 'deploy',
    step: 'deploy',
    deps: ['properties', 'password'],
    needed: () => true,
    async run(ctx, env) {
      const { svc, dir } = env;
      const wanted = ctx.choices.deploy;
      if (!wanted) return { state: 'skipped', detail: 'Not deployed by the setup: run "Entra Connector: Deploy Connector to Power Platform…" (or `entra-connector deploy`) when ready.' };
      if (!svc.deployer) return { state: 'pending', detail: 'Power Platform cannot be reached from here: deploy with "Entra Connector: Deploy Connector to Power Platform…" or `entra-connector deploy`.' };
      const app = ctx.objects.connectorApp as NonNullable<SetupContext['objects']['connectorApp']>;
      // The read of the redirect URL's read-merge-write: started when the app was made (else now), so that it runs
      // beside other requests, not after the connector is created.
      const read = env.early.get(redirectReadKey(app.appId)) ?? appByAppId(dir, app.appId, env.fresh.has(app.appId));
      env.early.delete(redirectReadKey(app.appId));
      read.catch(() => undefined);
      const result = await svc.deployer.deploy({ connectorDir: ctx.connectorDir, clientId: app.appId, ...(wanted.environment ? { environment: wanted.environment } : {}) });
      const created = ctx.objects.deployment?.connectorId === result.connectorId ? ctx.objects.deployment.created : result.created;
      ctx.objects.deployment = { connectorId: result.connectorId, environment: result.environment, created, ...(result.redirectUrl ? { redirectUrl: result.redirectUrl } : {}) };
      const where = `${result.created ? 'Created' : 'Updated'} connector ${result.connectorId} in ${result.environmentDisplayName ?? result.environment}`;
      const registered = await registerDeployedRedirect(dir, app.appId, result, read);
      if (!registered) return { state: 'pending', detail: `${where}, but Power Platform did not report its redirect URL: paste it on the redirect page (the connector's Security tab shows it).` };
      ctx.objects.redirectUri = registered.redirectUrl;
      return { state: 'done', detail: `${where}; its redirect URL ${registered.redirectUrl} is ${registered.added ? 'now' : 'already'} registered on the connector app${registered.removed ? ` (the shared URL ${registered.removed} removed)` : ''}.` };
    },
  },
  {
    id: 'redirect',
    step: 'redirect',
    deps: ['connectorApp', 'deploy'],
    needed: (ctx) => ctx.objects.redirectUri !== ctx.choices.redirectUrl || !ctx.choices.redirectUrl,
    async run(ctx, { dir }) {
      const url = ctx.choices.redirectUrl;
      const deployed = ctx.objects.deployment?.redirectUrl;
      if (!url && deployed && ctx.objects.redirectUri === deployed) return { state: 'done', detail: `The deployed connector's redirect URL ${deployed} is registered.` };
      if (!url) {
        return {
          state: 'pending',
          detail:
            'Power Platform gives each connector its own redirect URL once the connector exists: deploy the connector ("Deploy Connector to Power Platform…", or setup --deploy) and it is read back and registered — or paste it (from the Security tab, the downloaded apiProperties.json, or an AADSTS50011 message).',
        };
      }
      const app = ctx.objects.connectorApp as NonNullable<SetupContext['objects']['connectorApp']>;
      await registerRedirectUri(dir, app.appId, url);
      ctx.objects.redirectUri = url;
      return { state: 'done', detail: `Registered the redirect URL ${url}.` };
    },
  },
  {
    // Easy Auth v2 with the API app and CORS for Power Platform on the site the host chose (idempotent: reruns write nothing).
    id: 'site',
    step: 'site',
    deps: ['apiApp', 'apiPatch', 'connectorApp'],
    needed: () => true,
    async run(ctx, env) {
      const api = ctx.objects.apiApp;
      if (!env.svc.site) return { state: 'skipped', detail: 'No App Service or Function App was chosen for the API: run "Entra Connector: Secure the Service…" when the API is hosted there.' };
      if (ctx.choices.api.kind === 'microsoft' || !api) return { state: 'skipped', detail: 'Microsoft services secure themselves: nothing to configure.' };
      const identifierUris = [api.resourceUri, ...(api.identifierUri ? [api.identifierUri] : [])];
      const connectorAppId = ctx.objects.connectorApp?.appId;
      const outcome = await env.svc.site.secure({
        apiAppId: api.appId,
        identifierUris,
        loginEndpoint: ctx.cloud.loginEndpoint,
        tenantId: ctx.tenantId,
        apiTokenVersion: api.tokenVersion ?? 2,
        ...(connectorAppId ? { connectorAppId } : {}),
      });
      return typeof outcome === 'string' ? { state: 'done', detail: outcome } : { state: 'pending', detail: outcome.pending };
    },
  },
];

/**
 * The admin-consent link for the connector app's scopes on the API: `/adminconsent` with a reply URL registered on
 * the connector app, else the admin center's API-permissions page (`/adminconsent` without one is AADSTS500113;
 * https://learn.microsoft.com/entra/identity-platform/v2-admin-consent).
 */
export function adminConsentLink(ctx: SetupContext): string {
  const api = ctx.objects.apiApp;
  const app = ctx.objects.connectorApp;
  const resource = (api?.resourceUri ?? '').replace(/\/+$/, '');
  const replyUrl = ctx.objects.redirectUri ?? app?.redirectUris?.[0];
  const known = isCloudName(ctx.cloud.name) && ctx.cloud.name !== 'Custom' ? knownCloud(ctx.cloud.name) : undefined;
  const cloud: Cloud = { name: 'Custom', armEndpoint: '', ...known, loginEndpoint: ctx.cloud.loginEndpoint, graphEndpoint: ctx.cloud.graphEndpoint };
  return appAdminConsentUrl(cloud, {
    tenant: ctx.tenantId,
    clientId: app?.appId ?? '',
    scopes: (api?.scopeValues ?? []).map((v) => `${resource}/${v}`),
    ...(replyUrl ? { replyUrl } : {}),
  });
}

/** The token settings the connector files get from the context. */
export function tokenSettingsFor(ctx: SetupContext): TokenSettings {
  const api = ctx.objects.apiApp;
  const app = ctx.objects.connectorApp;
  if (!api || !app) throw new Error('The API and connector apps must be known before writing apiProperties.json.');
  const singleTenant = (app.signInAudience ?? 'AzureADMyOrg') === 'AzureADMyOrg';
  return {
    clientId: app.appId,
    scopes: ctx.choices.api.kind === 'microsoft' ? [...api.scopeValues] : [],
    resourceUri: api.resourceUri,
    loginUri: ctx.cloud.loginEndpoint.replace(/\/+$/, ''),
    tenantId: singleTenant ? ctx.tenantId : 'common',
    obo: ctx.choices.obo,
  };
}

function connectorFile(ctx: SetupContext, name: string): string {
  const dir = ctx.connectorDir.replace(/[\\/]+$/, '');
  const sep = dir.includes('\\') && !dir.includes('/') ? '\\' : '/';
  return `${dir}${sep}${name}`;
}

/**
 * The swagger as the properties step will leave it: its change needs only the cloud's sign-in host, so it is known
 * before the apps exist (the deployment validates it meanwhile). Undefined when it cannot be read or parsed.
 */
export async function swaggerToDeploy(ctx: SetupContext, files: Pick<SetupFiles, 'read'>): Promise<string | undefined> {
  const path = connectorFile(ctx, 'apiDefinition.swagger.json');
  try {
    const before = await files.read(path);
    return swaggerChange(path, before, { loginUri: ctx.cloud.loginEndpoint.replace(/\/+$/, '') })?.after ?? before;
  } catch {
    return undefined;
  }
}

/** The changes the properties step would make (for a diff preview). */
export async function propertiesChanges(ctx: SetupContext, files: Pick<SetupFiles, 'read'>): Promise<FileChange[]> {
  const propsPath = connectorFile(ctx, 'apiProperties.json');
  const swaggerPath = connectorFile(ctx, 'apiDefinition.swagger.json');
  const settings = tokenSettingsFor(ctx);
  const props = apiPropertiesChange(propsPath, await files.read(propsPath), settings);
  const swagger = swaggerChange(swaggerPath, await files.read(swaggerPath), settings);
  return swagger ? [props, swagger] : [props];
}

/**
 * Checks, in one `$batch` (plus one grant read), that the objects a saved context records still exist, and forgets
 * the ones that were deleted since (in the portal, by another tool) so the next tasks make them again. Returns the
 * names of the vanished objects. Reads only.
 */
export async function verifyRecorded(ctx: SetupContext, dir: Directory): Promise<string[]> {
  const o = ctx.objects;
  const checks: { name: string; path: string }[] = [];
  if (o.apiApp?.id) checks.push({ name: 'apiApp', path: `/applications/${o.apiApp.id}?$select=id` });
  if (o.apiSp && o.apiApp?.id) checks.push({ name: 'apiSp', path: `/servicePrincipals/${o.apiSp.id}?$select=id` });
  if (o.connectorApp) checks.push({ name: 'connectorApp', path: `/applications/${o.connectorApp.id}?$select=id,passwordCredentials` });
  if (o.connectorSp) checks.push({ name: 'connectorSp', path: `/servicePrincipals/${o.connectorSp.id}?$select=id` });
  if (checks.length === 0) return [];
  const [bodies, grantGone] = await Promise.all([
    dir.batchGet<{ id: string; passwordCredentials?: PasswordCredential[] }>(checks.map((c) => c.path)),
    o.grant ? dir.listGrants(o.connectorSp?.id ?? '', o.apiSp?.id ?? '').then((gs) => !gs.some((g) => g.id === o.grant?.id)) : Promise.resolve(false),
  ]);
  const gone = new Set(checks.filter((_, i) => bodies[i] === undefined).map((c) => c.name));
  const connector = bodies[checks.findIndex((c) => c.name === 'connectorApp')];
  if (o.password && connector && !connector.passwordCredentials?.some((p) => p.keyId === o.password?.keyId)) gone.add('password');
  if (grantGone) gone.add('grant');
  if (gone.has('apiApp')) {
    // A new API app gets a new appId: the connector app's permissions and the grant follow it.
    for (const k of ['apiSp', 'grant', 'connectorApp', 'connectorSp'] as const) if (o[k]) gone.add(k);
    delete o.oboPreauthorized;
  }
  if (gone.has('connectorApp')) for (const k of ['connectorSp', 'password', 'grant'] as const) if (o[k]) gone.add(k);
  if (gone.has('apiSp') || gone.has('connectorSp')) if (o.grant) gone.add('grant');
  if (gone.has('connectorApp')) {
    delete o.redirectUri;
    delete o.replacedPasswords;
  }
  for (const k of gone) delete o[k as keyof typeof o];
  for (const id of STEP_IDS) {
    const touched =
      (id === 'api' && gone.has('apiApp')) ||
      (id === 'connector' && gone.has('connectorApp')) ||
      (id === 'consent' && (gone.has('apiSp') || gone.has('connectorSp') || gone.has('grant'))) ||
      (id === 'secret' && gone.has('password'));
    if (touched) ctx.steps[id] = { state: 'pending', detail: 'Deleted since the last run; it will be made again.' };
  }
  return [...gone];
}

export interface RunResult {
  readonly ok: boolean;
  readonly ctx: SetupContext;
  /** Steps that failed, with the error value. */
  readonly failures: readonly { step: StepId; error: DirectoryError }[];
}

/**
 * Runs every task that is still needed, in parallel as dependencies allow, saving the context after each.
 * Safe to call again after any failure or interruption.
 */
export async function runSetup(ctx: SetupContext, svc: SetupServices): Promise<RunResult> {
  const now = svc.now ?? (() => new Date());
  const sleep = svc.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const retries = svc.taskRetries ?? 3;
  const outcomes = new Map<TaskId, TaskOutcome | 'failed'>();
  const taskErrors = new Map<TaskId, DirectoryError>();
  let saving: Promise<void> = Promise.resolve();
  const save = () => (saving = saving.then(() => svc.state.save(ctx)));
  const env: TaskEnv = { svc, dir: svc.directory, checkpoint: save, now, early: new Map(), fresh: new Set() };
  // A run that was killed mid-step left it "running": it is pending until this run gets to it.
  withAllSteps(ctx);
  for (const step of STEP_IDS) if (ctx.steps[step].state === 'running') ctx.steps[step] = { state: 'pending' };
  // The deployment's lookups need nothing from the directory: they start now and run beside it.
  const deploy = ctx.choices.deploy;
  if (deploy && svc.deployer?.prepare) {
    const swaggerText = await swaggerToDeploy(ctx, svc.files);
    svc.deployer.prepare({ connectorDir: ctx.connectorDir, ...(deploy.environment ? { environment: deploy.environment } : {}), ...(swaggerText !== undefined ? { swaggerText } : {}) });
  }
  if (Object.keys(ctx.objects).length > 0) {
    try {
      const gone = await verifyRecorded(ctx, svc.directory);
      if (gone.length > 0) svc.log?.(`setup: deleted since the last run, made again: ${gone.join(', ')}`);
    } catch (thrown) {
      // The check only speeds up repair; the tasks below still reconcile with the directory.
      const error = toDirectoryError(thrown);
      svc.log?.(`setup: could not check the recorded objects: ${error.code} ${error.message}`);
    }
  }

  const report = () => {
    for (const step of STEP_IDS) {
      const tasks = TASKS.filter((t) => t.step === step);
      const states = tasks.map((t) => outcomes.get(t.id));
      const errors = tasks.map((t) => taskErrors.get(t.id)).filter((e): e is DirectoryError => !!e);
      const details = states.flatMap((s) => (s && s !== 'failed' && s.detail ? [s.detail] : []));
      let status: StepStatus;
      if (errors.length > 0) status = { state: 'failed', error: errors[0] as DirectoryError, detail: (errors[0] as DirectoryError).message };
      else if (states.some((s) => s === undefined)) status = { state: ctx.steps[step].state === 'running' ? 'running' : ctx.steps[step].state, ...(ctx.steps[step].detail ? { detail: ctx.steps[step].detail } : {}) };
      else if (states.some((s) => s !== 'failed' && s?.state === 'pending')) status = { state: 'pending', detail: details.join(' ') };
      else if (states.every((s) => s !== 'failed' && s?.state === 'skipped')) status = { state: 'skipped', detail: details.join(' ') };
      else status = { state: 'done', detail: details.join(' ') || ctx.steps[step].detail || '' };
      if (JSON.stringify(status) !== JSON.stringify(ctx.steps[step])) {
        ctx.steps[step] = status;
        svc.onProgress?.(step, status);
      }
    }
  };

  const runTask = async (task: Task): Promise<void> => {
    if (!task.needed(ctx)) {
      outcomes.set(task.id, { state: 'done' });
      return;
    }
    if (ctx.steps[task.step].state !== 'running') {
      ctx.steps[task.step] = { state: 'running' };
      svc.onProgress?.(task.step, ctx.steps[task.step]);
    }
    for (let attempt = 0; ; attempt++) {
      try {
        outcomes.set(task.id, await task.run(ctx, env));
        taskErrors.delete(task.id);
        svc.log?.(`setup: ${task.id} ${(outcomes.get(task.id) as TaskOutcome).state}`);
        return;
      } catch (thrown) {
        const error = toDirectoryError(thrown);
        svc.log?.(`setup: ${task.id} failed: ${error.code} ${error.message}${error.requestId ? ` (request-id ${error.requestId})` : ''}`);
        if (attempt < retries && isTransient(error)) {
          await sleep(Math.min(1000 * 2 ** attempt, 15_000));
          continue;
        }
        outcomes.set(task.id, 'failed');
        taskErrors.set(task.id, error);
        return;
      }
    }
  };

  // Greedy scheduling: start each task as soon as all its dependencies are done.
  const started = new Map<TaskId, Promise<void>>();
  const start = (task: Task): Promise<void> => {
    const existing = started.get(task.id);
    if (existing) return existing;
    const p = (async () => {
      await Promise.all(task.deps.map((d) => start(TASKS.find((t) => t.id === d) as Task)));
      const blocked = task.deps.some((d) => {
        const o = outcomes.get(d);
        return o === 'failed' || o === undefined;
      });
      if (blocked) return;
      await runTask(task);
      report();
      await save();
    })();
    started.set(task.id, p);
    return p;
  };
  await Promise.all(TASKS.map(start));
  report();
  await save();
  await saving;
  const failures = STEP_IDS.flatMap((step) => {
    const s = ctx.steps[step];
    return s.state === 'failed' && s.error ? [{ step, error: s.error }] : [];
  });
  return { ok: failures.length === 0, ctx, failures };
}

const LATER_STEPS: readonly StepId[] = ['api', 'connector', 'consent', 'secret', 'properties', 'redirect', 'deploy'];

/** The steps {@link resetStep} starts again for `step`: it and the ones after it. */
export function stepsResetWith(step: StepId): StepId[] {
  const from = LATER_STEPS.indexOf(step);
  return from < 0 ? [step] : LATER_STEPS.slice(from);
}

/**
 * Forgets the results of `step` and of the steps that depend on it, so the next run redoes them (the user went
 * Back and changed an answer). Objects already created stay tracked only through the directory's uniqueName.
 */
export function resetStep(ctx: SetupContext, step: StepId): void {
  const o = ctx.objects;
  if (step === 'api') {
    delete o.apiApp;
    delete o.apiSp;
    delete o.oboPreauthorized;
  }
  // The password this setup added is replaced, not forgotten: the next run removes it once its successor is stored.
  if (o.password?.created && o.connectorApp && ['api', 'connector', 'secret'].includes(step)) {
    o.replacedPasswords = [...(o.replacedPasswords ?? []), { appObjectId: o.connectorApp.id, keyId: o.password.keyId, endDateTime: o.password.endDateTime }];
  }
  if (step === 'api' || step === 'connector') {
    delete o.oboPreauthorized;
    delete o.connectorApp;
    delete o.connectorSp;
    delete o.password;
    delete o.redirectUri;
  }
  // The grant this setup made is replaced when only the consent answer changed: the next run deletes it once the new
  // grant is in place. (Another API or connector app means other service principals: Undo keeps track of those.)
  if (step === 'consent' && o.grant?.created) o.replacedGrants = [...(o.replacedGrants ?? []), { id: o.grant.id, consentType: o.grant.consentType }];
  if (step === 'api' || step === 'connector' || step === 'consent') {
    delete o.grant;
    delete o.adminConsentUrl;
  }
  if (step === 'secret') delete o.password;
  for (const id of stepsResetWith(step)) ctx.steps[id] = { state: 'pending' };
}
