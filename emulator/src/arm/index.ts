// The emulated Azure Resource Manager (under the emulator's armEndpoint): subscriptions, Microsoft.Web/sites (web
// apps and function apps), their `config/web` (CORS) and `config/authsettingsV2` (Easy Auth v2), ARM's error shape,
// token audience and tenant checks, and role-based access per user and subscription.
// Self-contained: the server hands it the token verifier and the user lookup; it keeps its own resources.
import { randomUUID } from 'node:crypto';
import { json, type Reply, type Req } from '../http';

/** Audiences ARM accepts (Azure's own list, as its InvalidAuthenticationTokenAudience message gives it). */
export const ARM_AUDIENCES = ['https://management.core.windows.net/', 'https://management.core.windows.net', 'https://management.azure.com/', 'https://management.azure.com'];

export type ArmRole = 'Owner' | 'Contributor' | 'Website Contributor' | 'Reader';
/** Roles whose actions include Microsoft.Web/sites/config/write. */
const WRITE_ROLES: ReadonlySet<ArmRole> = new Set(['Owner', 'Contributor', 'Website Contributor']);

export interface ArmSubscriptionSeed {
  subscriptionId: string;
  displayName: string;
}

export interface ArmSiteSeed {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  /** `app`, `functionapp`, `functionapp,linux`, `app,linux`… */
  kind: string;
  location?: string;
  /** `config/web` properties (merged over the defaults). */
  web?: Record<string, unknown>;
  /** `config/authsettingsV2` properties (replace the defaults). */
  authV2?: Record<string, unknown>;
}

export interface ArmSeed {
  subscriptions?: ArmSubscriptionSeed[];
  sites?: ArmSiteSeed[];
  /** Role assignments at subscription scope: username → subscriptionId → role. */
  roles?: Record<string, Record<string, ArmRole>>;
  /** Items per page of list answers (nextLink beyond). Default 100. */
  pageSize?: number;
}

export interface ArmDeps {
  tenantId: string;
  /** Claims of a token the emulator signed, or undefined (bad signature, malformed). */
  verify(token: string): Record<string, unknown> | undefined;
  validIssuers(): string[];
  userById(id: string): { id: string; username: string } | undefined;
  /** A service principal (an app's or a managed identity's), for app-only tokens. */
  servicePrincipalById?(id: string): { id: string; appId: string } | undefined;
  seed?: ArmSeed;
}

export interface ArmHandler {
  /** Handles a request whose path is inside the ARM prefix (e.g. `/subscriptions`). */
  handle(req: Req): Reply;
  /** Back to the seeded resources. */
  reset(): void;
  /**
   * A request to the site itself (`https://{name}.azurewebsites.net{path}`), answered the way App Service's platform
   * CORS and Easy Auth v2 would with the site's current `config/web` and `config/authsettingsV2`: so tests can show
   * that the settings written through ARM refuse unauthenticated calls and let the listed origins in.
   */
  serveSite(name: string, req: Req): Reply;
  /** Assigns `role` on a subscription to a principal (a username, or a service principal's object id). */
  assignRole(principal: string, subscriptionId: string, role: ArmRole): void;
  /** Every site with its config, for tests (`GET /admin/state`). */
  state(): { subscriptions: ArmSubscriptionSeed[]; sites: SiteRecord[]; roles: Record<string, Record<string, ArmRole>> };
}

export interface SiteRecord {
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  kind: string;
  location: string;
  web: Record<string, unknown>;
  authV2: Record<string, unknown>;
}

export const ARM_SUBSCRIPTION_ID = '5e7c0de0-a11c-4e55-8c0f-00000000c0de';
export const ARM_RESOURCE_GROUP = 'rg-contoso-invoices';

export const DEFAULT_ARM_SEED: ArmSeed = {
  subscriptions: [{ subscriptionId: ARM_SUBSCRIPTION_ID, displayName: 'Contoso Production' }],
  sites: [
    {
      subscriptionId: ARM_SUBSCRIPTION_ID,
      resourceGroup: ARM_RESOURCE_GROUP,
      name: 'contoso-invoices',
      kind: 'app',
      web: {
        cors: { allowedOrigins: ['https://invoices.contoso.example'], supportCredentials: false },
        alwaysOn: true,
        http20Enabled: true,
        minTlsVersion: '1.2',
        appCommandLine: 'node server.js',
        linuxFxVersion: 'NODE|20-lts',
      },
      authV2: {
        platform: { enabled: false, runtimeVersion: '~1' },
        globalValidation: { requireAuthentication: false, unauthenticatedClientAction: 'RedirectToLoginPage', excludedPaths: ['/health'] },
        identityProviders: {
          azureActiveDirectory: { enabled: false, login: { disableWWWAuthenticate: false }, validation: { jwtClaimChecks: {}, allowedAudiences: [] } },
          facebook: { enabled: false, registration: {}, login: {} },
          gitHub: { enabled: false, registration: {}, login: {} },
        },
        login: { routes: {}, tokenStore: { enabled: true, tokenRefreshExtensionHours: 72, fileSystem: {}, azureBlobStorage: {} }, preserveUrlFragmentsForLogins: false, cookieExpiration: { convention: 'FixedTime', timeToExpiration: '08:00:00' }, nonce: { validateNonce: true, nonceExpirationInterval: '00:05:00' } },
        httpSettings: { requireHttps: true, routes: { apiPrefix: '/.auth' }, forwardProxy: { convention: 'NoProxy' } },
      },
    },
    {
      subscriptionId: ARM_SUBSCRIPTION_ID,
      resourceGroup: ARM_RESOURCE_GROUP,
      name: 'contoso-invoices-func',
      kind: 'functionapp,linux',
      web: { cors: { allowedOrigins: ['https://portal.azure.com'], supportCredentials: false }, linuxFxVersion: 'Node|20', use32BitWorkerProcess: false },
    },
  ],
  roles: {
    'admin@contoso.example': { [ARM_SUBSCRIPTION_ID]: 'Contributor' },
    'maker@contoso.example': { [ARM_SUBSCRIPTION_ID]: 'Reader' },
  },
};

const API_VERSION_PATTERN = /^\d{4}-\d{2}-\d{2}(-preview)?$/;

function defaultWeb(): Record<string, unknown> {
  return {
    numberOfWorkers: 1,
    netFrameworkVersion: 'v4.0',
    phpVersion: '',
    requestTracingEnabled: false,
    httpLoggingEnabled: false,
    detailedErrorLoggingEnabled: false,
    use32BitWorkerProcess: true,
    webSocketsEnabled: false,
    alwaysOn: false,
    http20Enabled: false,
    minTlsVersion: '1.2',
    ftpsState: 'FtpsOnly',
    scmType: 'None',
    cors: null,
    ipSecurityRestrictions: [{ ipAddress: 'Any', action: 'Allow', priority: 2147483647, name: 'Allow all', description: 'Allow all access' }],
  };
}

function defaultAuthV2(): Record<string, unknown> {
  return {
    platform: { enabled: false },
    globalValidation: { requireAuthentication: false, unauthenticatedClientAction: 'RedirectToLoginPage' },
    identityProviders: {},
    login: { tokenStore: { enabled: false } },
    httpSettings: { requireHttps: true, routes: { apiPrefix: '/.auth' }, forwardProxy: { convention: 'NoProxy' } },
  };
}

const UNAUTH_ACTIONS = ['RedirectToLoginPage', 'AllowAnonymous', 'Return401', 'Return403'];

export function createArmHandler(deps: ArmDeps): ArmHandler {
  const seed = deps.seed ?? DEFAULT_ARM_SEED;
  const pageSize = seed.pageSize ?? 100;
  let subscriptions: ArmSubscriptionSeed[] = [];
  let roles: Record<string, Record<string, ArmRole>> = {};
  let sites = new Map<string, SiteRecord>();

  const reset = (): void => {
    subscriptions = structuredClone(seed.subscriptions ?? []);
    roles = structuredClone(seed.roles ?? {});
    sites = new Map();
    for (const s of seed.sites ?? []) {
      const id = `/subscriptions/${s.subscriptionId}/resourceGroups/${s.resourceGroup}/providers/Microsoft.Web/sites/${s.name}`;
      sites.set(id.toLowerCase(), {
        id,
        subscriptionId: s.subscriptionId,
        resourceGroup: s.resourceGroup,
        name: s.name,
        kind: s.kind,
        location: s.location ?? 'West Europe',
        web: { ...defaultWeb(), ...structuredClone(s.web ?? {}) },
        authV2: structuredClone(s.authV2 ?? defaultAuthV2()),
      });
    }
  };
  reset();

  // Role assignments name users by username (the seed) and service principals by object id (as Azure RBAC does).
  const roleOf = (caller: { username: string; oid: string }, subscriptionId: string): ArmRole | undefined => {
    const names = [caller.username.toLowerCase(), caller.oid.toLowerCase()];
    const mine = Object.entries(roles).find(([u]) => names.includes(u.toLowerCase()))?.[1] ?? {};
    return Object.entries(mine).find(([s]) => s.toLowerCase() === subscriptionId.toLowerCase())?.[1];
  };

  const siteJson = (s: SiteRecord): Record<string, unknown> => ({
    id: s.id,
    name: s.name,
    type: 'Microsoft.Web/sites',
    kind: s.kind,
    location: s.location,
    properties: {
      name: s.name,
      state: 'Running',
      hostNames: [`${s.name}.azurewebsites.net`],
      enabledHostNames: [`${s.name}.azurewebsites.net`, `${s.name}.scm.azurewebsites.net`],
      defaultHostName: `${s.name}.azurewebsites.net`,
      resourceGroup: s.resourceGroup,
      httpsOnly: true,
      repositorySiteName: s.name,
      serverFarmId: `/subscriptions/${s.subscriptionId}/resourceGroups/${s.resourceGroup}/providers/Microsoft.Web/serverfarms/${s.resourceGroup}-plan`,
    },
  });

  const configJson = (s: SiteRecord, name: 'web' | 'authsettingsV2'): Record<string, unknown> => ({
    id: `${s.id}/config/${name}`,
    name,
    type: 'Microsoft.Web/sites/config',
    location: s.location,
    properties: structuredClone(name === 'web' ? s.web : s.authV2),
  });

  const handle = (req: Req): Reply => {
    const auth = authenticate(req, deps);
    if ('status' in auth) return auth;
    const apiVersion = req.query.get('api-version');
    if (!apiVersion) return armError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.");
    if (!API_VERSION_PATTERN.test(apiVersion)) return armError(400, 'InvalidApiVersionParameter', `The api-version '${apiVersion}' is invalid. The supported versions are '2022-03-01,2023-01-01,2024-04-01'.`);
    const path = req.path.replace(/\/+$/, '');
    const username = auth.username;

    if (/^\/subscriptions$/i.test(path)) {
      if (req.method !== 'GET') return methodNotAllowed(req);
      const mine = subscriptions.filter((s) => roleOf(auth, s.subscriptionId));
      return page(req, mine.map((s) => ({
        id: `/subscriptions/${s.subscriptionId}`,
        authorizationSource: 'RoleBased',
        subscriptionId: s.subscriptionId,
        tenantId: deps.tenantId,
        displayName: s.displayName,
        state: 'Enabled',
        subscriptionPolicies: { locationPlacementId: 'Public_2014-09-01', quotaId: 'PayAsYouGo_2014-09-01', spendingLimit: 'Off' },
      })), pageSize);
    }

    const subMatch = /^\/subscriptions\/([^/]+)(\/.*)?$/i.exec(path);
    if (!subMatch) return armError(404, 'InvalidResourceType', `The resource type could not be found in the namespace for api version '${apiVersion}'.`);
    const subscriptionId = decodeURIComponent(subMatch[1]!);
    const rest = subMatch[2] ?? '';
    const sub = subscriptions.find((s) => s.subscriptionId.toLowerCase() === subscriptionId.toLowerCase());
    if (!sub) return armError(404, 'SubscriptionNotFound', `The subscription '${subscriptionId}' could not be found.`);
    const role = roleOf(auth, sub.subscriptionId);

    const deny = (action: string, scope: string): Reply =>
      armError(403, 'AuthorizationFailed', `The client '${username}' with object id '${auth.oid}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`);

    if (rest === '') {
      if (req.method !== 'GET') return methodNotAllowed(req);
      if (!role) return deny('Microsoft.Resources/subscriptions/read', `/subscriptions/${sub.subscriptionId}`);
      return json(200, { id: `/subscriptions/${sub.subscriptionId}`, subscriptionId: sub.subscriptionId, tenantId: deps.tenantId, displayName: sub.displayName, state: 'Enabled' });
    }

    if (/^\/providers\/Microsoft\.Web\/sites$/i.test(rest)) {
      if (req.method !== 'GET') return methodNotAllowed(req);
      if (!role) return deny('Microsoft.Web/sites/read', `/subscriptions/${sub.subscriptionId}`);
      const list = [...sites.values()].filter((s) => s.subscriptionId.toLowerCase() === sub.subscriptionId.toLowerCase()).map((s) => siteJson(s));
      return page(req, list, pageSize);
    }

    const siteMatch = /^\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Web\/sites\/([^/]+)(\/config\/([^/]+))?$/i.exec(rest);
    if (!siteMatch) return armError(404, 'InvalidResourceType', `The resource type could not be found in the namespace for api version '${apiVersion}'.`);
    const [, rg, name, , configName] = siteMatch as unknown as [string, string, string, string | undefined, string | undefined];
    const siteScope = `/subscriptions/${sub.subscriptionId}/resourceGroups/${decodeURIComponent(rg)}/providers/Microsoft.Web/sites/${decodeURIComponent(name)}`;
    const isWrite = req.method !== 'GET';
    const action = configName ? (isWrite ? 'Microsoft.Web/sites/config/write' : 'Microsoft.Web/sites/config/read') : isWrite ? 'Microsoft.Web/sites/write' : 'Microsoft.Web/sites/read';
    const scope = configName ? `${siteScope}/config/${configName}` : siteScope;
    if (!role || (isWrite && !WRITE_ROLES.has(role))) return deny(action, scope);
    const site = sites.get(siteScope.toLowerCase());
    if (!site) {
      return armError(404, 'ResourceNotFound', `The Resource 'Microsoft.Web/sites/${decodeURIComponent(name)}' under resource group '${decodeURIComponent(rg)}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
    }
    if (!configName) {
      if (req.method !== 'GET') return methodNotAllowed(req);
      return json(200, siteJson(site), requestIds());
    }
    const config = configName.toLowerCase();
    if (config === 'web') {
      if (req.method === 'GET') return json(200, configJson(site, 'web'), requestIds());
      if (req.method === 'PATCH' || req.method === 'PUT') {
        const body = parseBody(req.body);
        if (!body.ok) return body.reply;
        const props = body.value.properties;
        if (!isObject(props)) return armError(400, 'InvalidRequestContent', "The request content was invalid and could not be deserialized: 'Required property 'properties' not found in JSON.'.");
        const invalid = validateWeb(props);
        if (invalid) return invalid;
        // PATCH merges top-level site-config properties (each replaced as a whole); PUT replaces the whole config.
        site.web = req.method === 'PATCH' ? { ...site.web, ...structuredClone(props) } : { ...defaultWeb(), ...structuredClone(props) };
        return json(200, configJson(site, 'web'), requestIds());
      }
      return methodNotAllowed(req);
    }
    if (config === 'authsettingsv2') {
      if (req.method === 'GET') return json(200, configJson(site, 'authsettingsV2'), requestIds());
      if (req.method === 'PUT') {
        const body = parseBody(req.body);
        if (!body.ok) return body.reply;
        const props = body.value.properties;
        if (!isObject(props)) return armError(400, 'InvalidRequestContent', "The request content was invalid and could not be deserialized: 'Required property 'properties' not found in JSON.'.");
        const invalid = validateAuthV2(props);
        if (invalid) return invalid;
        // PUT replaces: whatever the client leaves out is gone (the reason clients must send the rest back).
        site.authV2 = structuredClone(props);
        return json(200, configJson(site, 'authsettingsV2'), requestIds());
      }
      return methodNotAllowed(req);
    }
    return armError(404, 'NotFound', `The config '${configName}' is not served by the emulated Resource Manager (web and authsettingsV2 are).`);
  };

  const serveSite = (name: string, req: Req): Reply => {
    const site = [...sites.values()].find((s) => s.name.toLowerCase() === name.toLowerCase());
    if (!site) return { status: 404, headers: { 'content-type': 'text/html' }, body: '<h1>404 Web Site not found.</h1>' };
    const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
    const cors = (site.web.cors ?? {}) as { allowedOrigins?: string[]; supportCredentials?: boolean };
    const allowed = origin !== undefined && originAllowed(origin, cors.allowedOrigins ?? []);
    const corsHeaders: Record<string, string> = allowed
      ? { 'access-control-allow-origin': (cors.allowedOrigins ?? []).includes('*') && !cors.supportCredentials ? '*' : origin!, vary: 'Origin', ...(cors.supportCredentials ? { 'access-control-allow-credentials': 'true' } : {}) }
      : {};
    // Platform CORS answers preflights before authentication runs.
    if (req.method === 'OPTIONS' && origin !== undefined && req.headers['access-control-request-method']) {
      return { status: 204, headers: allowed ? { ...corsHeaders, 'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS', 'access-control-allow-headers': String(req.headers['access-control-request-headers'] ?? 'authorization, content-type') } : {} };
    }
    const auth = site.authV2 as { platform?: { enabled?: boolean }; globalValidation?: { requireAuthentication?: boolean; unauthenticatedClientAction?: string; excludedPaths?: string[] }; identityProviders?: { azureActiveDirectory?: { enabled?: boolean; registration?: { clientId?: string; openIdIssuer?: string }; validation?: { allowedAudiences?: string[]; defaultAuthorizationPolicy?: { allowedApplications?: string[] }; jwtClaimChecks?: { allowedClientApplications?: string[] } } } } };
    const gv = auth.globalValidation ?? {};
    const aad = auth.identityProviders?.azureActiveDirectory;
    const excluded = (gv.excludedPaths ?? []).some((p) => req.path === p || req.path.startsWith(`${p.replace(/\/$/, '')}/`));
    let user: string | undefined;
    if (auth.platform?.enabled === true && aad?.enabled === true) {
      const header = String(req.headers.authorization ?? '');
      const claims = /^Bearer\s+\S/i.test(header) ? deps.verify(header.replace(/^Bearer\s+/i, '').trim()) : undefined;
      const audiences = [...(aad.validation?.allowedAudiences ?? []), ...(aad.registration?.clientId ? [aad.registration.clientId] : [])].map((a) => a.replace(/\/+$/, '').toLowerCase());
      const issuer = (aad.registration?.openIdIssuer ?? '').replace(/\/+$/, '');
      const valid =
        !!claims &&
        typeof claims.exp === 'number' && claims.exp * 1000 > Date.now() &&
        audiences.includes(String(claims.aud).replace(/\/+$/, '').toLowerCase()) &&
        String(claims.iss).replace(/\/+$/, '') === issuer;
      if (valid) {
        // A valid token from a client the site does not allow: 403 (defaultAuthorizationPolicy, jwtClaimChecks).
        const client = String(claims!.azp ?? claims!.appid ?? '').toLowerCase();
        const lists = [aad.validation?.defaultAuthorizationPolicy?.allowedApplications, aad.validation?.jwtClaimChecks?.allowedClientApplications];
        if (lists.some((l) => Array.isArray(l) && l.length > 0 && !l.some((a) => String(a).toLowerCase() === client))) {
          return { status: 403, headers: corsHeaders, body: 'You do not have permission to view this directory or page.' };
        }
        user = String(claims!.preferred_username ?? claims!.oid);
      } else if (gv.requireAuthentication === true && !excluded) {
        switch (gv.unauthenticatedClientAction) {
          case 'Return401':
            return { status: 401, headers: { ...corsHeaders, 'www-authenticate': `Bearer realm="${site.name}.azurewebsites.net" authorization_uri="${issuer}"` }, body: 'You do not have permission to view this directory or page.' };
          case 'Return403':
            return { status: 403, headers: corsHeaders, body: 'You do not have permission to view this directory or page.' };
          case 'AllowAnonymous':
            break;
          default:
            return { status: 302, headers: { ...corsHeaders, location: `/.auth/login/aad?post_login_redirect_uri=${encodeURIComponent(req.path)}` } };
        }
      }
    }
    return json(200, { site: site.name, path: req.path, ...(user ? { user } : {}) }, corsHeaders);
  };

  return {
    handle,
    reset,
    serveSite,
    assignRole: (principal, subscriptionId, role) => {
      roles[principal] = { ...(roles[principal] ?? {}), [subscriptionId]: role };
    },
    state: () => ({ subscriptions: structuredClone(subscriptions), sites: structuredClone([...sites.values()]), roles: structuredClone(roles) }),
  };
}

/** App Service CORS matching: `*`, an exact origin (no case, no trailing slash), or a `scheme://*.domain` wildcard subdomain. */
export function originAllowed(origin: string, allowed: readonly string[]): boolean {
  const o = origin.replace(/\/+$/, '').toLowerCase();
  return allowed.some((entry) => {
    const a = entry.trim().replace(/\/+$/, '').toLowerCase();
    if (a === '*' || a === o) return true;
    const m = /^(https?:\/\/)\*\.(.+)$/.exec(a);
    return !!m && o.startsWith(m[1]!) && o.endsWith(`.${m[2]}`) && o.length > m[1]!.length + m[2]!.length + 1;
  });
}

function requestIds(): Record<string, string> {
  const id = randomUUID();
  return { 'x-ms-request-id': id, 'x-ms-correlation-request-id': id };
}

/** ARM's error body: {"error":{"code","message"}} with its request-id headers. */
export function armError(status: number, code: string, message: string, headers: Record<string, string> = {}): Reply {
  return json(status, { error: { code, message } }, { ...requestIds(), ...headers });
}

function methodNotAllowed(req: Req): Reply {
  return armError(405, 'MethodNotAllowed', `The requested resource does not support http method '${req.method}'.`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function parseBody(text: string): { ok: true; value: Record<string, unknown> } | { ok: false; reply: Reply } {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (isObject(parsed)) return { ok: true, value: parsed };
  } catch {
    // fall through
  }
  return { ok: false, reply: armError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.') };
}

function page(req: Req, items: unknown[], size: number): Reply {
  const skip = Number(req.query.get('$skiptoken') ?? 0) || 0;
  const value = items.slice(skip, skip + size);
  const body: Record<string, unknown> = { value };
  if (skip + size < items.length) {
    // ARM's nextLink: absolute, on its own host, `$skiptoken` unescaped. The server mounts ARM under /arm.
    body.nextLink = `${req.origin}/arm${req.path}?api-version=${encodeURIComponent(req.query.get('api-version') ?? '')}&$skiptoken=${skip + size}`;
  }
  return json(200, body, requestIds());
}

function validateWeb(props: Record<string, unknown>): Reply | undefined {
  if (props.cors === undefined || props.cors === null) return undefined;
  const cors = props.cors;
  if (!isObject(cors)) return armError(400, 'InvalidRequestContent', "The request content was invalid: 'properties.cors' must be an object.");
  const origins = cors.allowedOrigins;
  if (origins !== undefined && origins !== null && (!Array.isArray(origins) || origins.some((o) => typeof o !== 'string'))) {
    return armError(400, 'InvalidRequestContent', "The request content was invalid: 'properties.cors.allowedOrigins' must be an array of strings.");
  }
  if (cors.supportCredentials !== undefined && typeof cors.supportCredentials !== 'boolean') {
    return armError(400, 'InvalidRequestContent', "The request content was invalid: 'properties.cors.supportCredentials' must be a boolean.");
  }
  if (cors.supportCredentials === true && Array.isArray(origins) && origins.includes('*')) {
    return armError(400, 'BadRequest', "CORS 'supportCredentials' cannot be true when 'allowedOrigins' contains '*'.");
  }
  return undefined;
}

function validateAuthV2(props: Record<string, unknown>): Reply | undefined {
  const gv = props.globalValidation;
  if (gv !== undefined && gv !== null) {
    if (!isObject(gv)) return armError(400, 'InvalidRequestContent', "The request content was invalid: 'properties.globalValidation' must be an object.");
    if (gv.unauthenticatedClientAction !== undefined && !UNAUTH_ACTIONS.includes(String(gv.unauthenticatedClientAction))) {
      return armError(400, 'InvalidRequestContent', `The request content was invalid: 'unauthenticatedClientAction' must be one of ${UNAUTH_ACTIONS.join(', ')}.`);
    }
  }
  const aad = isObject(props.identityProviders) ? props.identityProviders.azureActiveDirectory : undefined;
  if (isObject(aad) && aad.enabled === true) {
    const reg = isObject(aad.registration) ? aad.registration : {};
    if (typeof reg.clientId !== 'string' || !reg.clientId) return armError(400, 'BadRequest', 'The Microsoft identity provider is enabled but registration.clientId is missing.');
    if (reg.openIdIssuer !== undefined && !/^https:\/\/\S+$/.test(String(reg.openIdIssuer))) return armError(400, 'BadRequest', 'registration.openIdIssuer must be an https URL.');
  }
  return undefined;
}

function authenticate(req: Req, deps: ArmDeps): { username: string; oid: string } | Reply {
  const header = String(req.headers.authorization ?? '');
  if (!/^Bearer\s+\S/i.test(header)) {
    return armError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.", { 'www-authenticate': 'Bearer authorization_uri="", error="invalid_token", error_description="The authentication failed because of missing \'Authorization\' header."' });
  }
  const claims = deps.verify(header.replace(/^Bearer\s+/i, '').trim());
  if (!claims) return armError(401, 'InvalidAuthenticationToken', 'The access token is invalid.', { 'www-authenticate': 'Bearer error="invalid_token"' });
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= Date.now()) {
    const exp = typeof claims.exp === 'number' ? new Date(claims.exp * 1000).toISOString() : 'unknown';
    return armError(401, 'ExpiredAuthenticationToken', `The access token expiry UTC time '${exp}' is earlier than current UTC time '${new Date().toISOString()}'.`, { 'www-authenticate': 'Bearer error="invalid_token", error_description="The access token has expired."' });
  }
  if (!ARM_AUDIENCES.includes(String(claims.aud))) {
    return armError(401, 'InvalidAuthenticationTokenAudience', `The access token has been obtained for wrong audience or resource '${String(claims.aud)}'. It should exactly match with one of the allowed audiences '${ARM_AUDIENCES.join("','")}'.`);
  }
  if (!deps.validIssuers().includes(String(claims.iss)) || claims.tid !== deps.tenantId) {
    return armError(401, 'InvalidAuthenticationTokenTenant', `The access token is from the wrong issuer '${String(claims.iss)}'. It must match the tenant '${deps.tenantId}' associated with this subscription.`);
  }
  // An app-only token (client credentials, managed identity) carries no scp: Azure RBAC alone decides, for the
  // service principal; ARM names it by its application ID in AuthorizationFailed.
  if (claims.idtyp === 'app') {
    const sp = deps.servicePrincipalById?.(String(claims.oid ?? ''));
    if (!sp) return armError(401, 'InvalidAuthenticationToken', 'The access token is for a service principal that does not exist in the tenant.');
    return { username: sp.appId, oid: sp.id };
  }
  const scopes = String(claims.scp ?? '').split(' ');
  if (!scopes.includes('user_impersonation')) {
    return armError(401, 'InvalidAuthenticationToken', "The access token does not carry the delegated 'user_impersonation' permission.");
  }
  const user = deps.userById(String(claims.oid ?? ''));
  if (!user) return armError(401, 'InvalidAuthenticationToken', 'The access token is for a user that does not exist in the tenant.');
  return { username: user.username, oid: user.id };
}
