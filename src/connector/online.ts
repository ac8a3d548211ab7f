/**
 * The online rules: what apiProperties.json says checked against the directory (the app registrations, service
 * principals and grants), the causes of AADSTS700016 / 500011 / 650057 / 65001 / 50011 / 50194 found before a
 * user signs in. The directory is reached only through `DirectoryLookup`, which `src/graph/operations.ts`'s
 * `Directory` satisfies as is; tests give an in-memory one.
 */
import type { Node } from './jsonc';
import type { ConnectorDiagnostic, Fix, OnlineRuleCode, Severity } from './diagnostic';
import { keyNodeOf, scalar, stringValue, valueAt, valueOf } from './jsonDocument';
import { replaceValue } from './edits';
import { readApiProperties, type OAuthToken } from './model';
import { RULES } from './rules';
import { isGuid, isPlaceholder } from './values';
import { connectorToken, predictServiceCall } from '../service/predict';

export const MICROSOFT_GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
export const SHARED_REDIRECT_URL = 'https://global.consent.azure-apim.net/redirect';

export interface LookupApplication {
  id: string;
  appId: string;
  displayName: string;
  identifierUris?: string[];
  signInAudience?: string;
  web?: { redirectUris?: string[] };
  requiredResourceAccess?: { resourceAppId: string; resourceAccess: { id: string; type: string }[] }[];
  passwordCredentials?: { keyId: string; displayName?: string | null; endDateTime?: string }[];
  /** The token version the API's tokens have (`requestedAccessTokenVersion`: 2, else 1). */
  api?: { requestedAccessTokenVersion?: number | null };
}

export interface LookupServicePrincipal {
  id: string;
  appId: string;
  displayName?: string;
  oauth2PermissionScopes?: { id: string; value: string }[];
}

export interface LookupGrant {
  id: string;
  clientId: string;
  resourceId: string;
  consentType: 'AllPrincipals' | 'Principal';
  scope: string;
}

/** Read-only directory access the online rules need (method names as in `Directory`). */
export interface DirectoryLookup {
  getApplicationByAppId(appId: string): Promise<LookupApplication | undefined>;
  findApplicationsByIdentifierUri(uri: string): Promise<LookupApplication[]>;
  getServicePrincipalByAppId(appId: string): Promise<LookupServicePrincipal | undefined>;
  /**
   * Service principals whose `servicePrincipalNames` hold this URI: how Entra resolves a resource named by URI, so
   * another tenant's multi-tenant API and Microsoft's resources (Key Vault, ARM, Outlook) are found too.
   */
  findServicePrincipalsByName(name: string): Promise<LookupServicePrincipal[]>;
  listGrants(clientSpId: string, resourceSpId: string): Promise<LookupGrant[]>;
  /** The signed-in user's own app registrations: a client ID not found here is offered the user's connector apps. */
  ownedApplications?(): Promise<LookupApplication[]>;
}

export interface OnlineOptions {
  /** For the secret expiry rules. */
  readonly now: Date;
  /** A secret that ends within this many days is `secret-expiring` (default 30). */
  readonly expiringDays?: number;
  /**
   * The redirect URL Power Platform reports for the deployed connector (settings.json's connectorId), used when the
   * file has none — as certified connectors with `redirectMode: GlobalPerConnector` do not.
   */
  readonly deployedRedirectUrl?: string;
  /**
   * The signed-in identity can read only the connector app (an app-only sign-in with Application.ReadWrite.OwnedBy):
   * check the app itself and skip the resource, permission and consent checks, which would read other objects.
   */
  readonly connectorAppOnly?: boolean;
  /**
   * The API's site (found by the swagger host): its Easy Auth settings, read when asked, to predict the 401/403 a
   * call through the connector will get (src/service/predict.ts). `undefined` from `settings()`: no site to check.
   */
  readonly service?: {
    readonly loginEndpoint: string;
    readonly tenantId: string;
    settings(): Promise<{ readonly siteName: string; readonly settings: Record<string, unknown> | undefined } | undefined>;
  };
}

/** Well-known resources named by URL whose appId is fixed (others are looked up by identifier URI). */
const WELL_KNOWN_RESOURCES: Readonly<Record<string, string>> = {
  'https://graph.microsoft.com': MICROSOFT_GRAPH_APP_ID,
};

/** Power Platform's consent service hosts (the shared URL's host and the per-connector URLs under it). */
const CONSENT_HOST = /(^|\.)consent\.azure-apim\.net$/i;

/** An app with a Web redirect URI of Power Platform's consent service: a custom connector's app. */
export function isConnectorApp(app: LookupApplication): boolean {
  return (app.web?.redirectUris ?? []).some((u) => {
    try {
      return CONSENT_HOST.test(new URL(u).hostname);
    } catch {
      return false;
    }
  });
}

const editFix = (title: string, node: Node, value: string, isPreferred: boolean): Fix => ({ title, edits: [replaceValue(node, value)], unattended: false, isPreferred });

const norm = (v: string) => v.trim().replace(/\/+$/, '').toLowerCase();

interface ResolvedResource {
  appId: string;
  /** The resource's app registration, when it is in this directory. */
  app?: LookupApplication;
  sp?: LookupServicePrincipal;
}

/** Runs the online rules on an apiProperties.json text. Directory failures propagate (the caller shows them). */
export async function analyzeOnline(text: string, directory: DirectoryLookup, options: OnlineOptions): Promise<ConnectorDiagnostic[]> {
  const model = readApiProperties(text);
  const { doc } = model;
  if (!doc.root) return [];
  const out: ConnectorDiagnostic[] = [];
  const report: Report = (code, node, message, severity, fixes = []) =>
    out.push({ code, severity: severity ?? RULES[code].severity, message, offset: node.offset, length: node.length, range: doc.rangeOf(node.offset, node.length), fixes });
  for (const token of model.tokens) {
    if (token.isEntra) await checkToken(token, directory, options, report);
  }
  return out.sort((a, b) => a.offset - b.offset);
}

async function resolveResource(resource: string, directory: DirectoryLookup): Promise<ResolvedResource | undefined> {
  let appId: string | undefined;
  let app: LookupApplication | undefined;
  const uri = resource.trim();
  if (isGuid(uri as unknown)) appId = uri;
  else if (WELL_KNOWN_RESOURCES[norm(uri)]) appId = WELL_KNOWN_RESOURCES[norm(uri)];
  else {
    const apps = await directory.findApplicationsByIdentifierUri(uri);
    const withSlash = apps.length > 0 ? apps : await directory.findApplicationsByIdentifierUri(`${uri.replace(/\/+$/, '')}/`);
    app = withSlash[0];
    appId = app?.appId;
    if (!appId) {
      // Not registered here: a service principal may still answer to the name (Entra's own resolution).
      const bare = uri.replace(/\/+$/, '');
      const sps = await directory.findServicePrincipalsByName(bare);
      const found = sps[0] ?? (await directory.findServicePrincipalsByName(`${bare}/`))[0];
      if (found) return { appId: found.appId, sp: found };
    }
  }
  if (!appId) return undefined;
  const sp = await directory.getServicePrincipalByAppId(appId);
  if (!app && isGuid(resource)) app = await directory.getApplicationByAppId(appId);
  return { appId, app, sp };
}

type Report = (code: OnlineRuleCode, node: Node, message: string, severity?: Severity, fixes?: Fix[]) => void;

const repair = (title: string, directory: NonNullable<Fix['directory']>): Fix => ({ title, edits: [], directory, unattended: false, isPreferred: true });

async function checkToken(token: OAuthToken, directory: DirectoryLookup, options: OnlineOptions, report: Report): Promise<void> {
  const clientIdNode = valueOf(token.prop('clientId'));
  const clientId = stringValue(clientIdNode);
  if (!clientIdNode || !isGuid(clientId)) return;
  const app = await directory.getApplicationByAppId(clientId.trim());
  if (!app) {
    const owned = directory.ownedApplications ? (await directory.ownedApplications().catch(() => [])).filter(isConnectorApp) : [];
    const offers = owned.slice(0, 5).map((o) => editFix(`Use the client ID of "${o.displayName}" (${o.appId}), a connector app you own`, clientIdNode, o.appId, owned.length === 1));
    report(
      'client-app-not-found',
      clientIdNode,
      `No application with client ID ${clientId} in this directory: sign-ins will fail with AADSTS700016. Check the client ID, or sign in to the tenant the app is registered in.` +
        (owned.length > 0 ? ` Connector apps you own here: ${owned.slice(0, 5).map((o) => `"${o.displayName}" (${o.appId})`).join(', ')}.` : ''),
      undefined,
      offers,
    );
    return;
  }

  const tenantNode = valueAt(valueOf(token.customParameter('tenantId')), 'value');
  const tenant = stringValue(tenantNode) ?? 'common';
  if (norm(tenant) === 'common' && app.signInAudience === 'AzureADMyOrg') {
    report(
      'tenant-common-single-tenant',
      tenantNode ?? keyNodeOf(token.settingsProperty!),
      `The connector signs in through "common", but "${app.displayName}" is single-tenant (AzureADMyOrg): sign-ins fail with AADSTS50194. Make the app multi-tenant, or set tenantId to its tenant.`,
    );
  }

  const redirectNode = valueOf(token.prop('redirectUrl'));
  const mode = scalar(valueOf(token.prop('redirectMode')));
  const redirectUrl = stringValue(redirectNode) ?? options.deployedRedirectUrl ?? (mode === undefined || (typeof mode === 'string' && mode.toLowerCase() === 'global') ? SHARED_REDIRECT_URL : undefined);
  if (redirectUrl && !isPlaceholder(redirectUrl)) {
    const registered = (app.web?.redirectUris ?? []).map(norm);
    if (!registered.includes(norm(redirectUrl))) {
      report(
        'redirect-uri-not-registered',
        redirectNode ?? valueOf(token.prop('redirectMode')) ?? keyNodeOf(token.settingsProperty!),
        `"${app.displayName}" has no Web redirect URI ${redirectUrl}: sign-ins fail with AADSTS50011. Add it to the app's Web redirect URIs.`,
        undefined,
        [repair(`Add ${redirectUrl} to "${app.displayName}"`, { kind: 'add-redirect-uri', appId: app.appId, redirectUri: redirectUrl })],
      );
    }
  }

  const now = options.now.getTime();
  const passwords = app.passwordCredentials ?? [];
  if (passwords.length > 0) {
    const ends = passwords.map((p) => (p.endDateTime ? Date.parse(p.endDateTime) : Number.POSITIVE_INFINITY));
    const latest = Math.max(...ends);
    const at = clientIdNode;
    if (latest <= now) {
      report('secret-expired', at, `Every client secret of "${app.displayName}" has expired (the last on ${new Date(latest).toISOString().slice(0, 10)}): sign-ins fail with AADSTS7000222. Add a new secret and update the connector.`);
    } else if (latest - now < (options.expiringDays ?? 30) * 86_400_000) {
      const days = Math.ceil((latest - now) / 86_400_000);
      report('secret-expiring', at, `The newest client secret of "${app.displayName}" expires in ${days} day${days === 1 ? '' : 's'} (${new Date(latest).toISOString().slice(0, 10)}). Add a new secret and update the connector before then.`);
    }
  }

  if (options.connectorAppOnly) return;
  const resourceProp = token.customParameter('resourceUri');
  const resourceNode = valueAt(valueOf(resourceProp), 'value');
  const resource = stringValue(resourceNode);
  if (!resourceNode || !resource || isPlaceholder(resource)) return;
  const resolved = await resolveResource(resource, directory);
  const isUri = !isGuid(resource);
  if (!resolved || !resolved.sp) {
    // The other name of the resource (AzureActiveDirectoryResourceId) may be the one this directory knows: offer it.
    const otherId = stringValue(valueOf(token.property('AzureActiveDirectoryResourceId')));
    const other = otherId && !isPlaceholder(otherId) && norm(otherId) !== norm(resource) ? await resolveResource(otherId, directory) : undefined;
    const useOther = other?.sp ? [editFix(`Set resourceUri to "${otherId}" (the AzureActiveDirectoryResourceId, found in this directory)`, resourceNode, otherId!, true)] : [];
    // A resource named by a URI that no app here declares may still be another tenant's multi-tenant API or a
    // Microsoft service this lookup cannot resolve: only a warning then.
    const certain = !isUri || resolved !== undefined || /^api:\/\//i.test(resource);
    report(
      'resource-not-found',
      resourceNode,
      resolved
        ? `The resource ${resource} (appId ${resolved.appId}) has no service principal in this directory: sign-ins fail with AADSTS500011. Create it (an admin consent does).`
        : `No application in this directory has the Application ID URI ${resource}: sign-ins fail with AADSTS500011 unless it is another tenant's API with a service principal here.`,
      certain ? 'error' : 'warning',
      useOther,
    );
    return;
  }
  if (options.service && resolved.app) {
    const site = await options.service.settings();
    if (site) {
      const tokenVersion = resolved.app.api?.requestedAccessTokenVersion === 2 ? 2 : 1;
      const expected = connectorToken({ resource, apiAppId: resolved.appId, tokenVersion, loginEndpoint: options.service.loginEndpoint, tenantId: options.service.tenantId, connectorClientId: app.appId });
      for (const p of predictServiceCall(site.settings, expected, site.siteName)) report(p.code, p.code === 'service-client-not-allowed' ? clientIdNode : resourceNode, p.message);
    }
  }
  const access = (app.requiredResourceAccess ?? []).find((r) => r.resourceAppId.toLowerCase() === resolved.appId.toLowerCase());
  if (!access || access.resourceAccess.length === 0) {
    report(
      'permission-missing',
      resourceNode,
      `"${app.displayName}" requests no permission on ${resolved.sp.displayName ?? resource}: sign-ins fail with AADSTS650057. Add the API's delegated scope (such as user_impersonation) to the app's API permissions.`,
    );
    return;
  }
  const wanted = access.resourceAccess
    .filter((a) => a.type === 'Scope')
    .map((a) => resolved.sp!.oauth2PermissionScopes?.find((s) => s.id === a.id)?.value)
    .filter((v): v is string => typeof v === 'string');
  const clientSp = await directory.getServicePrincipalByAppId(app.appId);
  const grants = clientSp ? await directory.listGrants(clientSp.id, resolved.sp.id) : [];
  const tenantWide = grants.filter((g) => g.consentType === 'AllPrincipals').flatMap((g) => g.scope.split(' ').filter(Boolean));
  const missing = wanted.filter((s) => !tenantWide.includes(s));
  if (!clientSp || tenantWide.length === 0 || missing.length > 0) {
    const what = missing.length > 0 && tenantWide.length > 0 ? ` for ${missing.join(', ')}` : '';
    report(
      'consent-missing',
      resourceNode,
      `No tenant-wide consent${what} from "${app.displayName}" to ${resolved.sp.displayName ?? resource}: users who may not consent themselves get AADSTS65001. Grant admin consent.`,
      undefined,
      wanted.length > 0
        ? [repair(`Grant tenant-wide consent for ${wanted.join(', ')}`, { kind: 'grant-consent', clientAppId: app.appId, resourceAppId: resolved.appId, scopes: wanted })]
        : [],
    );
  }
}
