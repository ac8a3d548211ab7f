/**
 * A connector's health, computed from its files and what the directory holds: which redirect URIs are registered or
 * missing, which delegated scopes are requested and consented, how long its secrets last and whether this machine
 * holds one, the API's identifier URIs and pre-authorized clients, and the worst problem to summarize the connector.
 * Plain data in, plain data out: no Graph, no VS Code.
 */
import type { ConnectorAuth } from './connectorAuth';

export const MICROSOFT_GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
/** Days before expiry from which a secret is shown as expiring. */
export const EXPIRY_WARNING_DAYS = 30;

const WELL_KNOWN_CLIENTS: Readonly<Record<string, string>> = {
  'fe053c5f-3692-4f14-aef2-ee34fc081cae': 'Azure API Connections',
};

// ---- what the directory holds (the fields the tree shows, nothing more) -----------------------------------------

export interface AppRecord {
  readonly id: string;
  readonly appId: string;
  readonly displayName: string;
  readonly identifierUris?: readonly string[];
  readonly web?: { readonly redirectUris?: readonly string[] } | null;
  readonly api?: {
    readonly oauth2PermissionScopes?: readonly { readonly id: string; readonly value: string; readonly isEnabled?: boolean }[];
    readonly preAuthorizedApplications?: readonly { readonly appId: string; readonly delegatedPermissionIds: readonly string[] }[];
  } | null;
  readonly requiredResourceAccess?: readonly { readonly resourceAppId: string; readonly resourceAccess: readonly { readonly id: string; readonly type: string }[] }[];
  readonly passwordCredentials?: readonly { readonly keyId: string; readonly displayName?: string | null; readonly endDateTime?: string | null; readonly hint?: string | null }[];
}

export interface SpRecord {
  readonly id: string;
  readonly appId: string;
  readonly displayName?: string | null;
  readonly servicePrincipalNames?: readonly string[];
  readonly oauth2PermissionScopes?: readonly { readonly id: string; readonly value: string }[];
}

export interface GrantRecord {
  readonly id: string;
  readonly clientId: string;
  readonly resourceId: string;
  readonly consentType: string;
  readonly principalId?: string | null;
  readonly scope: string;
}

export interface DirectorySnapshot {
  readonly applications: readonly AppRecord[];
  readonly servicePrincipals: readonly SpRecord[];
  readonly grants: readonly GrantRecord[];
}

// ---- the health model -----------------------------------------------------------------------------------------

export type Severity = 'error' | 'warning' | 'info';

export interface Problem {
  readonly severity: Severity;
  readonly code: string;
  /** Short, for a tree description. */
  readonly summary: string;
  /** One sentence with the cause and the next step, for a tooltip. */
  readonly detail: string;
}

export type RedirectState = 'registered' | 'missing' | 'other';
export interface RedirectUriHealth {
  readonly uri: string;
  /** registered = expected and on the app; missing = expected, not on the app; other = on the app, not expected. */
  readonly state: RedirectState;
}

export type ConsentState = 'tenant' | 'user' | 'none';
export interface ScopeHealth {
  readonly value: string;
  readonly resourceName: string;
  /** Listed in the connector app's required permissions. */
  readonly requested: boolean;
  readonly consent: ConsentState;
  /** Number of users who consented for themselves (consent 'user'). */
  readonly userGrants: number;
}

export type SecretState = 'expired' | 'expiring' | 'fine';
export interface SecretHealth {
  readonly keyId: string;
  readonly displayName: string | undefined;
  readonly hint: string | undefined;
  readonly endDateTime: string | undefined;
  readonly state: SecretState;
  /** Whole days left (negative when expired); undefined when it never expires. */
  readonly daysLeft: number | undefined;
  /** The value of this secret is in this machine's SecretStorage. */
  readonly heldHere: boolean;
}

export interface PreAuthorizedClient {
  readonly appId: string;
  readonly name: string | undefined;
  readonly scopes: readonly string[];
}

export interface AppRef {
  readonly id: string;
  readonly appId: string;
  readonly displayName: string;
}

export type ConnectorStatus = 'noAuth' | 'otherProvider' | 'invalid' | 'ok' | 'warning' | 'error';

export interface ConnectorHealth {
  readonly name: string;
  readonly status: ConnectorStatus;
  readonly auth: ConnectorAuth;
  readonly connectorApp: AppRef | undefined;
  /** The connector app's service principal id, when it has one. */
  readonly connectorSpId: string | undefined;
  /** The API app when it is registered in this tenant; a first-party resource has only `resource`. */
  readonly apiApp: AppRef | undefined;
  readonly resource: { readonly uri: string; readonly appId: string | undefined; readonly spId: string | undefined; readonly name: string } | undefined;
  readonly redirectUris: readonly RedirectUriHealth[];
  readonly scopes: readonly ScopeHealth[];
  readonly secrets: readonly SecretHealth[];
  readonly identifierUris: readonly string[];
  readonly preAuthorizedClients: readonly PreAuthorizedClient[];
  readonly problems: readonly Problem[];
  /** The problem that summarizes the connector (highest severity, first found); undefined when healthy. */
  readonly worst: Problem | undefined;
}

export interface HealthInputs {
  readonly name: string;
  readonly auth: ConnectorAuth;
  /** Redirect URLs known from elsewhere (the setup's saved per-connector URL), added to the file's. */
  readonly knownRedirectUrls?: readonly string[];
  readonly directory: DirectorySnapshot;
  /** Client IDs (lower-case) whose secret is in SecretStorage, with the secret's first 3 characters (Graph's `hint`). */
  readonly secretsHere: ReadonlyMap<string, string | undefined>;
  readonly now: Date;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RANK: Record<Severity, number> = { error: 3, warning: 2, info: 1 };
const DAY_MS = 86_400_000;

const lower = (s: string) => s.toLowerCase();
const sameUri = (a: string, b: string) => lower(a).replace(/\/+$/, '') === lower(b).replace(/\/+$/, '');

/** The app (or, for a first-party resource, only the service principal) that `resourceUri` names. */
export function findResource(resourceUri: string, dir: DirectorySnapshot): { app?: AppRecord; sp?: SpRecord } {
  const uri = resourceUri.trim();
  if (GUID.test(uri)) {
    return { app: dir.applications.find((a) => lower(a.appId) === lower(uri)), sp: dir.servicePrincipals.find((s) => lower(s.appId) === lower(uri)) };
  }
  const app = dir.applications.find((a) => (a.identifierUris ?? []).some((u) => sameUri(u, uri)));
  const sp = app
    ? dir.servicePrincipals.find((s) => lower(s.appId) === lower(app.appId))
    : dir.servicePrincipals.find((s) => (s.servicePrincipalNames ?? []).some((n) => sameUri(n, uri)));
  return { app, sp };
}

export function secretState(endDateTime: string | null | undefined, now: Date): { state: SecretState; daysLeft: number | undefined } {
  if (!endDateTime) return { state: 'fine', daysLeft: undefined };
  const ms = Date.parse(endDateTime) - now.getTime();
  if (!Number.isFinite(ms)) return { state: 'fine', daysLeft: undefined };
  const daysLeft = Math.floor(ms / DAY_MS);
  if (ms <= 0) return { state: 'expired', daysLeft };
  return { state: daysLeft < EXPIRY_WARNING_DAYS ? 'expiring' : 'fine', daysLeft };
}

function problem(severity: Severity, code: string, summary: string, detail: string): Problem {
  return { severity, code, summary, detail };
}

/**
 * Among problems of one severity, the one a person can act on now: missing consent blocks every sign-in today,
 * while an unknown redirect URI is normal until the connector exists in Power Platform.
 */
const FIRST_AMONG_EQUALS: Readonly<Record<string, number>> = { 'consent-missing': 2, 'redirect-uri-unknown': 1 };

export function worstOf(problems: readonly Problem[]): Problem | undefined {
  let worst: Problem | undefined;
  for (const p of problems) {
    if (!worst || RANK[p.severity] > RANK[worst.severity]) worst = p;
    else if (RANK[p.severity] === RANK[worst.severity] && (FIRST_AMONG_EQUALS[p.code] ?? 0) > (FIRST_AMONG_EQUALS[worst.code] ?? 0)) worst = p;
  }
  return worst;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function computeHealth(input: HealthInputs): ConnectorHealth {
  const { auth, directory: dir } = input;
  const empty = {
    name: input.name,
    auth,
    connectorApp: undefined,
    connectorSpId: undefined,
    apiApp: undefined,
    resource: undefined,
    redirectUris: [],
    scopes: [],
    secrets: [],
    identifierUris: [],
    preAuthorizedClients: [],
  };
  if (auth.kind === 'none') {
    const p = problem('info', 'no-auth', 'not secured', 'The connector has no OAuth connection parameter yet. Use "Secure with Entra ID…" to register its apps.');
    return { ...empty, status: 'noAuth', problems: [p], worst: p };
  }
  if (auth.kind === 'other') {
    const p = problem('info', 'other-provider', `signs in with ${auth.identityProvider}`, `The connector uses the "${auth.identityProvider}" identity provider, not Microsoft Entra ID.`);
    return { ...empty, status: 'otherProvider', problems: [p], worst: p };
  }
  if (auth.kind === 'invalid') {
    const p = problem('error', 'invalid-file', 'apiProperties.json is not valid JSON', `${auth.reason} Fix the file (see the Problems panel) to see its app registrations.`);
    return { ...empty, status: 'invalid', problems: [p], worst: p };
  }

  const problems: Problem[] = [];
  const add = (p: Problem) => problems.push(p);

  // The connector app.
  const app = auth.clientId ? dir.applications.find((a) => lower(a.appId) === lower(auth.clientId!)) : undefined;
  const connectorSp = app ? dir.servicePrincipals.find((s) => lower(s.appId) === lower(app.appId)) : undefined;
  if (!auth.clientId) {
    add(problem('error', 'no-client-id', 'no client ID', 'apiProperties.json has no client ID (or a placeholder). Run "Secure with Entra ID…" or put the connector app\'s application ID in oAuthSettings.clientId.'));
  } else if (!app) {
    add(problem('error', 'connector-app-not-found', 'connector app not found', `No app registration with client ID ${auth.clientId} in this tenant (AADSTS700016 at sign-in). Check the client ID and the tenant you are signed in to.`));
  } else if (!connectorSp) {
    add(problem('warning', 'connector-sp-missing', 'no service principal', `The connector app ${app.displayName} has no service principal in this tenant, so consent cannot be recorded. "Grant Consent" creates it.`));
  }

  // Redirect URIs: expected (file + known) against registered.
  const expected = [...new Set([...(auth.redirectUrl ? [auth.redirectUrl] : []), ...(input.knownRedirectUrls ?? [])])];
  const registered = [...(app?.web?.redirectUris ?? [])];
  const redirectUris: RedirectUriHealth[] = [];
  if (app) {
    for (const uri of expected) redirectUris.push({ uri, state: registered.some((r) => r === uri) ? 'registered' : 'missing' });
    for (const uri of registered) if (!expected.includes(uri)) redirectUris.push({ uri, state: 'other' });
    const missing = redirectUris.filter((r) => r.state === 'missing');
    if (missing.length > 0) {
      add(problem('error', 'redirect-uri-missing', missing.length === 1 ? 'redirect URI not registered' : `${missing.length} redirect URIs not registered`, `${missing.map((m) => m.uri).join(', ')} ${missing.length === 1 ? 'is' : 'are'} not a Web redirect URI of ${app.displayName}: sign-in fails with AADSTS50011. Use "Register Redirect URI".`));
    }
    if (expected.length === 0 && registered.length === 0) {
      add(problem('warning', 'redirect-uri-unknown', 'no redirect URI', 'The connector app has no Web redirect URI and apiProperties.json does not give the per-connector URL. Copy it from the connector\'s Security tab and register it.'));
    }
  }

  // The API (resource).
  let resource: ConnectorHealth['resource'];
  let apiApp: AppRecord | undefined;
  const scopes: ScopeHealth[] = [];
  if (!auth.resourceUri) {
    add(problem('error', 'no-resource', 'no resource URL', 'apiProperties.json has no resourceUri: set it to the API app\'s Application ID URI or appId.'));
  } else {
    const found = findResource(auth.resourceUri, dir);
    apiApp = found.app;
    const resourceAppId = found.app?.appId ?? found.sp?.appId ?? (GUID.test(auth.resourceUri) ? auth.resourceUri : undefined);
    const name = found.app?.displayName ?? found.sp?.displayName ?? auth.resourceUri;
    resource = { uri: auth.resourceUri, appId: resourceAppId, spId: found.sp?.id, name };
    if (!found.app && !found.sp) {
      add(problem('error', 'resource-not-found', 'API not found', `Nothing in this tenant answers to the resource ${auth.resourceUri} (AADSTS500011 at sign-in). Check resourceUri: the API app's Application ID URI or appId.`));
    } else if (found.app && !found.sp) {
      add(problem('warning', 'api-sp-missing', 'API has no service principal', `The API app ${found.app.displayName} has no service principal in this tenant, so nobody can consent to it. "Grant Consent" creates it.`));
    }

    // Scopes: published by the API app (or its service principal for first-party resources).
    const published = found.app?.api?.oauth2PermissionScopes ?? found.sp?.oauth2PermissionScopes ?? [];
    const requestedIds = new Set(
      (app?.requiredResourceAccess ?? [])
        .filter((r) => resourceAppId && lower(r.resourceAppId) === lower(resourceAppId))
        .flatMap((r) => r.resourceAccess.filter((a) => a.type === 'Scope').map((a) => lower(a.id))),
    );
    const grants = connectorSp && found.sp ? dir.grants.filter((g) => g.clientId === connectorSp.id && g.resourceId === found.sp!.id) : [];
    const granted = (value: string, type: 'AllPrincipals' | 'Principal') =>
      grants.filter((g) => g.consentType === type && g.scope.split(/\s+/).includes(value)).length;
    const values = new Set<string>();
    for (const s of published) if (requestedIds.has(lower(s.id))) values.add(s.value);
    for (const g of grants) for (const v of g.scope.split(/\s+/)) if (v) values.add(v);
    for (const value of values) {
      const tenant = granted(value, 'AllPrincipals') > 0;
      const users = granted(value, 'Principal');
      const def = published.find((s) => s.value === value);
      scopes.push({ value, resourceName: name, requested: !!def && requestedIds.has(lower(def.id)), consent: tenant ? 'tenant' : users > 0 ? 'user' : 'none', userGrants: users });
    }
    if (app && (found.app || found.sp)) {
      if (requestedIds.size === 0) {
        add(problem('error', 'scope-not-requested', 'no permission on the API', `${app.displayName} does not request a delegated permission on ${name} (AADSTS650057 at sign-in). Add the API's scope to the connector app's API permissions.`));
      }
      const unconsented = scopes.filter((s) => s.requested && s.consent === 'none');
      if (unconsented.length > 0) {
        add(problem('warning', 'consent-missing', 'no consent', `Nobody has consented to ${unconsented.map((s) => s.value).join(', ')} for ${app.displayName}: each user is asked at sign-in, and users who may not consent are blocked (AADSTS65001). Use "Grant Consent" (tenant-wide, needs an administrator).`));
      } else if (scopes.some((s) => s.requested && s.consent === 'user')) {
        add(problem('info', 'consent-per-user', 'consent per user', 'Only some users consented for themselves; other users are asked at their first sign-in.'));
      }
    }
  }

  // Secrets.
  const heldHint = auth.clientId ? input.secretsHere.get(lower(auth.clientId)) : undefined;
  const holds = auth.clientId ? input.secretsHere.has(lower(auth.clientId)) : false;
  const secrets: SecretHealth[] = (app?.passwordCredentials ?? [])
    .map((c) => {
      const { state, daysLeft } = secretState(c.endDateTime, input.now);
      const heldHere = holds && (!heldHint || !c.hint || c.hint === heldHint);
      return { keyId: c.keyId, displayName: c.displayName ?? undefined, hint: c.hint ?? undefined, endDateTime: c.endDateTime ?? undefined, state, daysLeft, heldHere };
    })
    .sort((a, b) => (b.endDateTime ?? '9').localeCompare(a.endDateTime ?? '9'));
  if (app) {
    const usable = secrets.filter((s) => s.state !== 'expired');
    const best = usable.find((s) => s.state === 'fine') ?? usable[0];
    if (secrets.length === 0) {
      add(problem('error', 'no-secret', 'no client secret', `${app.displayName} has no client secret: the connector cannot redeem sign-in codes. Use "Rotate Secret" to add one.`));
    } else if (!best) {
      add(problem('error', 'secret-expired', 'secret expired', `Every client secret of ${app.displayName} has expired: sign-ins fail with AADSTS7000222. Use "Rotate Secret", then update the connector with the new value.`));
    } else if (best.state === 'expiring') {
      const days = best.daysLeft ?? 0;
      add(problem('warning', 'secret-expiring', `secret expires in ${plural(days, 'day')}`, `The newest client secret of ${app.displayName} expires in ${plural(days, 'day')} (${best.endDateTime?.slice(0, 10)}). Use "Rotate Secret" and update the connector before then.`));
    }
    if (secrets.length > 0 && !secrets.some((s) => s.heldHere)) {
      add(problem('info', 'secret-not-here', 'secret not on this machine', 'No value of these secrets is in this machine\'s secret storage; "Rotate Secret" creates one and keeps it there.'));
    }
  }

  // Identifier URIs and pre-authorized clients of the API app.
  const identifierUris = [...(apiApp?.identifierUris ?? [])];
  const scopeById = new Map((apiApp?.api?.oauth2PermissionScopes ?? []).map((s) => [lower(s.id), s.value]));
  const nameOf = (appId: string) => WELL_KNOWN_CLIENTS[lower(appId)] ?? dir.applications.find((a) => lower(a.appId) === lower(appId))?.displayName;
  const preAuthorizedClients = (apiApp?.api?.preAuthorizedApplications ?? []).map((p) => ({
    appId: p.appId,
    name: nameOf(p.appId),
    scopes: p.delegatedPermissionIds.map((id) => scopeById.get(lower(id)) ?? id),
  }));

  const worst = worstOf(problems);
  const status: ConnectorStatus = !worst || worst.severity === 'info' ? 'ok' : worst.severity;
  return {
    name: input.name,
    status,
    auth,
    connectorApp: app && { id: app.id, appId: app.appId, displayName: app.displayName },
    connectorSpId: connectorSp?.id,
    apiApp: apiApp && { id: apiApp.id, appId: apiApp.appId, displayName: apiApp.displayName },
    resource,
    redirectUris,
    scopes,
    secrets,
    identifierUris,
    preAuthorizedClients,
    problems,
    worst,
  };
}

/** What the directory must be asked for these connectors: app IDs to look up, and non-GUID resource URIs. */
export function lookupsFor(auths: readonly ConnectorAuth[]): { appIds: string[]; resourceUris: string[] } {
  const appIds = new Set<string>();
  const resourceUris = new Set<string>();
  for (const a of auths) {
    if (a.kind !== 'entra') continue;
    if (a.clientId && GUID.test(a.clientId)) appIds.add(lower(a.clientId));
    if (a.resourceUri) {
      if (GUID.test(a.resourceUri)) appIds.add(lower(a.resourceUri));
      else resourceUris.add(a.resourceUri);
    }
  }
  return { appIds: [...appIds], resourceUris: [...resourceUris] };
}
