/**
 * App Service / Azure Functions authentication ("Easy Auth", `config/authsettingsV2`): the change that makes the site
 * accept only tokens for the API app and answer 401 to anything else. Pure: computes the settings after the change and
 * the list of fields that change. Only the fields listed in EASY_AUTH_FIELDS are touched; everything else in the
 * settings is carried back unchanged (the ARM call is a PUT, which drops whatever it does not carry).
 */

export interface EasyAuthTarget {
  /** The API app's application (client) ID. */
  readonly clientId: string;
  /** The tenant's v2 issuer in the cloud, `{login}/{tenantId}/v2.0`. */
  readonly issuer: string;
  /** Audiences tokens must carry: the API's Application ID URI and its appId. */
  readonly audiences: readonly string[];
  /**
   * Client apps whose tokens the site must accept (the connector app): added where the site restricts client
   * applications (`defaultAuthorizationPolicy.allowedApplications`, `jwtClaimChecks.allowedClientApplications`).
   */
  readonly clientApplications?: readonly string[];
}

export interface FieldChange {
  /** Dotted path inside `properties`, e.g. `globalValidation.requireAuthentication`. */
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
}

export interface EasyAuthPlan {
  readonly before: Record<string, unknown>;
  readonly after: Record<string, unknown>;
  readonly changes: readonly FieldChange[];
  readonly warnings: readonly string[];
}

export const EASY_AUTH_FIELDS = [
  'platform.enabled',
  'globalValidation.requireAuthentication',
  'globalValidation.unauthenticatedClientAction',
  'identityProviders.azureActiveDirectory.enabled',
  'identityProviders.azureActiveDirectory.registration.clientId',
  'identityProviders.azureActiveDirectory.registration.openIdIssuer',
  'identityProviders.azureActiveDirectory.validation.allowedAudiences',
] as const;

/**
 * The issuer of the access tokens an API app receives: v2 tokens (`api.requestedAccessTokenVersion` 2) carry
 * `{login}/{tenantId}/v2.0` — in Azure China the v2 issuer host is `login.partner.microsoftonline.cn`, whatever
 * login host signed in; v1 tokens (null or 1, the default of apps registered in the portal) carry
 * `https://sts.windows.net/{tenantId}/` (Azure China: `https://sts.chinacloudapi.cn/{tenantId}/`).
 * Easy Auth refuses tokens of the other version's issuer with 401.
 */
export function tenantIssuer(loginEndpoint: string, tenantId: string, tokenVersion: 1 | 2 = 2): string {
  const login = loginEndpoint.replace(/\/+$/, '');
  let host = '';
  try {
    host = new URL(login).hostname.toLowerCase();
  } catch {
    host = '';
  }
  const china = host === 'login.chinacloudapi.cn' || host === 'login.partner.microsoftonline.cn';
  if (tokenVersion === 1) return china ? `https://sts.chinacloudapi.cn/${tenantId}/` : `https://sts.windows.net/${tenantId}/`;
  return china ? `https://login.partner.microsoftonline.cn/${tenantId}/v2.0` : `${login}/${tenantId}/v2.0`;
}

/** The token version an app's tokens have: `api.requestedAccessTokenVersion` 2, else 1 (null means 1). */
export function tokenVersionOf(app: { api?: { requestedAccessTokenVersion?: number | null } } | undefined): 1 | 2 {
  return app?.api?.requestedAccessTokenVersion === 2 ? 2 : 1;
}

/** Client-application restrictions of the Microsoft provider: lists that, when non-empty, only admit their apps. */
const CLIENT_LISTS = [
  'identityProviders.azureActiveDirectory.validation.defaultAuthorizationPolicy.allowedApplications',
  'identityProviders.azureActiveDirectory.validation.jwtClaimChecks.allowedClientApplications',
] as const;

/** The audiences a token for the API may carry: its identifier URIs and its appId, without duplicates. */
export function apiAudiences(appId: string, identifierUris: readonly string[]): string[] {
  return dedupe([...identifierUris, appId]);
}

function dedupe(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const v of values) {
    const key = v.replace(/\/+$/, '').toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(v);
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (!isObject(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let cur = obj;
  for (const key of keys.slice(0, -1)) {
    if (!isObject(cur[key])) cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]!] = value;
}

export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (isObject(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
  return v;
}

/** The authsettingsV2 `properties` after securing the site for `target`, and what changes. */
export function planEasyAuth(current: Record<string, unknown> | undefined, target: EasyAuthTarget): EasyAuthPlan {
  const before = structuredClone(current ?? {});
  const after = structuredClone(before);
  const existingAudiences = getPath(before, 'identityProviders.azureActiveDirectory.validation.allowedAudiences');
  const audiences = dedupe([...(Array.isArray(existingAudiences) ? existingAudiences.filter((a): a is string => typeof a === 'string') : []), ...target.audiences]);
  const wanted: Record<(typeof EASY_AUTH_FIELDS)[number], unknown> = {
    'platform.enabled': true,
    'globalValidation.requireAuthentication': true,
    'globalValidation.unauthenticatedClientAction': 'Return401',
    'identityProviders.azureActiveDirectory.enabled': true,
    'identityProviders.azureActiveDirectory.registration.clientId': target.clientId,
    'identityProviders.azureActiveDirectory.registration.openIdIssuer': target.issuer,
    'identityProviders.azureActiveDirectory.validation.allowedAudiences': audiences,
  };
  const changes: FieldChange[] = [];
  for (const path of EASY_AUTH_FIELDS) {
    const was = getPath(before, path);
    if (sameJson(was, wanted[path])) continue;
    setPath(after, path, wanted[path]);
    changes.push({ path, before: was, after: wanted[path] });
  }
  // A site that admits only listed client apps (the portal's default lists the API app itself) would refuse the
  // connector app's tokens with 403: add it to each non-empty list, keeping the others.
  for (const path of CLIENT_LISTS) {
    const was = getPath(before, path);
    if (!Array.isArray(was) || was.length === 0) continue;
    const missing = (target.clientApplications ?? []).filter((c) => !was.some((w) => typeof w === 'string' && w.toLowerCase() === c.toLowerCase()));
    if (missing.length === 0) continue;
    const now = [...was, ...missing];
    setPath(after, path, now);
    changes.push({ path, before: was, after: now });
  }
  const warnings: string[] = [];
  const oldClient = getPath(before, 'identityProviders.azureActiveDirectory.registration.clientId');
  if (typeof oldClient === 'string' && oldClient && oldClient.toLowerCase() !== target.clientId.toLowerCase()) {
    warnings.push(`The site's Microsoft provider used the app ${oldClient}; it will use ${target.clientId}. Sign-ins that relied on the old app stop working.`);
  }
  const oldIssuer = getPath(before, 'identityProviders.azureActiveDirectory.registration.openIdIssuer');
  if (typeof oldIssuer === 'string' && oldIssuer && oldIssuer !== target.issuer) {
    warnings.push(`The issuer changes from ${oldIssuer} to ${target.issuer}.`);
  }
  const excluded = getPath(before, 'globalValidation.excludedPaths');
  if (Array.isArray(excluded) && excluded.length > 0) {
    warnings.push(`These paths stay open without sign-in (globalValidation.excludedPaths, kept as they are): ${excluded.join(', ')}.`);
  }
  const others = getPath(before, 'identityProviders');
  if (isObject(others)) {
    const enabled = Object.entries(others).filter(([k, v]) => k !== 'azureActiveDirectory' && isObject(v) && v.enabled === true).map(([k]) => k);
    if (enabled.length > 0) warnings.push(`Other identity providers stay enabled: ${enabled.join(', ')}.`);
  }
  return { before, after, changes, warnings };
}
