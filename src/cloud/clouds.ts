/**
 * The Microsoft clouds the extension can sign in to, and the custom cloud a user (or the emulated tenant) configures.
 * Endpoints per DOMAIN.md §7; nothing here knows about VS Code.
 */

export const CLOUD_NAMES = ['AzureCloud', 'AzureUSGovernment', 'AzureUSGovernmentDoD', 'AzureChinaCloud', 'Custom'] as const;
export type CloudName = (typeof CLOUD_NAMES)[number];

export interface Cloud {
  readonly name: CloudName;
  /** Sign-in host, e.g. `https://login.microsoftonline.com` (no trailing slash; may carry a path for a custom cloud). */
  readonly loginEndpoint: string;
  /** Microsoft Graph base, e.g. `https://graph.microsoft.com`; requests go to `${graphEndpoint}/v1.0/...`. */
  readonly graphEndpoint: string;
  /** Azure Resource Manager base, e.g. `https://management.azure.com`. */
  readonly armEndpoint: string;
  /** The Microsoft Entra admin center for this cloud, when there is one. */
  readonly adminCenter?: string;
  /** Power Apps API base (paconn's `powerAppsUrl`), e.g. `https://api.powerapps.com`; unset for a custom cloud without one. */
  readonly powerAppsEndpoint?: string;
  /** Flow API base (paconn's `flowUrl`), e.g. `https://api.flow.microsoft.com`. */
  readonly flowEndpoint?: string;
  /** The resource Power Apps / Flow tokens are for, e.g. `https://service.powerapps.com/`. */
  readonly powerAppsResource?: string;
  /** The resource of the connector runtime (connections), e.g. `https://apihub.azure.com`, where known. */
  readonly apiHubResource?: string;
}

export interface CustomCloudSettings {
  readonly loginEndpoint?: unknown;
  readonly graphEndpoint?: unknown;
  readonly armEndpoint?: unknown;
  readonly powerAppsEndpoint?: unknown;
  readonly flowEndpoint?: unknown;
}

/** The public cloud's Power Platform resources; a custom cloud (e.g. the emulated tenant) uses the same names. */
const PUBLIC_POWER_APPS_RESOURCE = 'https://service.powerapps.com/';
const PUBLIC_API_HUB_RESOURCE = 'https://apihub.azure.com';

const KNOWN: Readonly<Record<Exclude<CloudName, 'Custom'>, Cloud>> = {
  AzureCloud: {
    name: 'AzureCloud',
    loginEndpoint: 'https://login.microsoftonline.com',
    graphEndpoint: 'https://graph.microsoft.com',
    armEndpoint: 'https://management.azure.com',
    adminCenter: 'https://entra.microsoft.com',
    powerAppsEndpoint: 'https://api.powerapps.com',
    flowEndpoint: 'https://api.flow.microsoft.com',
    powerAppsResource: PUBLIC_POWER_APPS_RESOURCE,
    apiHubResource: PUBLIC_API_HUB_RESOURCE,
  },
  AzureUSGovernment: {
    name: 'AzureUSGovernment',
    loginEndpoint: 'https://login.microsoftonline.us',
    graphEndpoint: 'https://graph.microsoft.us',
    armEndpoint: 'https://management.usgovcloudapi.net',
    adminCenter: 'https://entra.microsoft.us',
    // login.microsoftonline.us tenants are GCC High for Power Platform.
    powerAppsEndpoint: 'https://high.api.powerapps.us',
    flowEndpoint: 'https://high.api.flow.microsoft.us',
    powerAppsResource: 'https://high.service.powerapps.us/',
  },
  AzureUSGovernmentDoD: {
    name: 'AzureUSGovernmentDoD',
    loginEndpoint: 'https://login.microsoftonline.us',
    graphEndpoint: 'https://dod-graph.microsoft.us',
    armEndpoint: 'https://management.usgovcloudapi.net',
    adminCenter: 'https://entra.microsoft.us',
    powerAppsEndpoint: 'https://api.apps.appsplatform.us',
    flowEndpoint: 'https://api.flow.appsplatform.us',
    powerAppsResource: 'https://service.apps.appsplatform.us/',
  },
  AzureChinaCloud: {
    name: 'AzureChinaCloud',
    loginEndpoint: 'https://login.chinacloudapi.cn',
    graphEndpoint: 'https://microsoftgraph.chinacloudapi.cn',
    armEndpoint: 'https://management.chinacloudapi.cn',
    adminCenter: 'https://entra.microsoftonline.cn',
    powerAppsEndpoint: 'https://api.powerapps.cn',
    flowEndpoint: 'https://api.powerautomate.cn',
  },
};

/** A setting value that cannot be used, with the sentence to show the user. */
export class CloudConfigError extends Error {
  constructor(
    message: string,
    /** The setting to fix, e.g. `entraConnector.customCloud`. */
    readonly setting: string,
  ) {
    super(message);
    this.name = 'CloudConfigError';
  }
}

export function isCloudName(value: unknown): value is CloudName {
  return typeof value === 'string' && (CLOUD_NAMES as readonly string[]).includes(value);
}

/** Resolves the `entraConnector.cloud` / `entraConnector.customCloud` settings to endpoints, or throws a CloudConfigError. */
export function resolveCloud(name: unknown, custom?: CustomCloudSettings | null): Cloud {
  if (name === undefined || name === null || name === '') return KNOWN.AzureCloud;
  if (!isCloudName(name)) {
    throw new CloudConfigError(
      `"${String(name)}" is not a known cloud. Set entraConnector.cloud to one of ${CLOUD_NAMES.join(', ')}.`,
      'entraConnector.cloud',
    );
  }
  if (name !== 'Custom') return KNOWN[name];
  if (!custom || typeof custom !== 'object') {
    throw new CloudConfigError(
      'entraConnector.cloud is "Custom" but entraConnector.customCloud is not set. Give its loginEndpoint, graphEndpoint and armEndpoint.',
      'entraConnector.customCloud',
    );
  }
  return {
    name: 'Custom',
    // MSAL refuses an authority that is not https, so the sign-in endpoint has no loopback exception.
    loginEndpoint: validateEndpoint(custom.loginEndpoint, 'loginEndpoint', { allowHttpLoopback: false }),
    graphEndpoint: validateEndpoint(custom.graphEndpoint, 'graphEndpoint', { allowHttpLoopback: true }),
    armEndpoint: validateEndpoint(custom.armEndpoint, 'armEndpoint', { allowHttpLoopback: true }),
    // Optional: a custom cloud without them has no Power Platform deployment (the commands say which setting to add).
    ...(custom.powerAppsEndpoint !== undefined ? { powerAppsEndpoint: validateEndpoint(custom.powerAppsEndpoint, 'powerAppsEndpoint', { allowHttpLoopback: false }) } : {}),
    ...(custom.flowEndpoint !== undefined ? { flowEndpoint: validateEndpoint(custom.flowEndpoint, 'flowEndpoint', { allowHttpLoopback: false }) } : {}),
    powerAppsResource: PUBLIC_POWER_APPS_RESOURCE,
    apiHubResource: PUBLIC_API_HUB_RESOURCE,
  };
}

/** The cloud's Power Platform endpoints, or a CloudConfigError naming the setting to add. */
export function powerPlatformOf(cloud: Cloud): { powerAppsEndpoint: string; flowEndpoint: string; powerAppsScope: string; apiHubScope?: string } {
  if (!cloud.powerAppsEndpoint || !cloud.flowEndpoint || !cloud.powerAppsResource) {
    throw new CloudConfigError(
      cloud.name === 'Custom'
        ? 'The custom cloud has no Power Platform endpoints. Add powerAppsEndpoint and flowEndpoint to entraConnector.customCloud (CLI: --powerapps-url and --flow-url).'
        : `Deploying to Power Platform in ${cloud.name} is not supported yet (its Power Apps sign-in resource is not known to this tool).`,
      'entraConnector.customCloud',
    );
  }
  return {
    powerAppsEndpoint: cloud.powerAppsEndpoint,
    flowEndpoint: cloud.flowEndpoint,
    powerAppsScope: `${cloud.powerAppsResource.replace(/\/+$/, '')}/.default`,
    ...(cloud.apiHubResource ? { apiHubScope: `${cloud.apiHubResource.replace(/\/+$/, '')}/.default` } : {}),
  };
}

export function knownCloud(name: Exclude<CloudName, 'Custom'>): Cloud {
  return KNOWN[name];
}

/** True for 127.0.0.0/8, ::1 and localhost: addresses that never leave the machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host === '::1' || host === '0:0:0:0:0:0:0:1') return true;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return !!v4 && Number(v4[1]) === 127 && v4.slice(2).every((part) => Number(part) <= 255);
}

/**
 * Checks one endpoint of a custom cloud: an absolute https URL (http only on a loopback address, for local
 * development, where allowed), without credentials, query or fragment. Returns it without a trailing slash.
 */
export function validateEndpoint(value: unknown, field: string, options: { allowHttpLoopback: boolean }): string {
  const setting = 'entraConnector.customCloud';
  const where = `${setting}.${field}`;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new CloudConfigError(`${where} is missing. Give the endpoint's https URL, e.g. "https://login.example.com".`, setting);
  }
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new CloudConfigError(`${where} "${value}" is not a URL. Give an absolute https URL, e.g. "https://login.example.com".`, setting);
  }
  const loopback = isLoopbackHost(url.hostname);
  if (url.protocol === 'http:') {
    if (!loopback) {
      throw new CloudConfigError(
        `${where} must use https: "${value}" would send sign-in data and tokens unencrypted. Change it to https://${url.host}${url.pathname === '/' ? '' : url.pathname}.`,
        setting,
      );
    }
    if (!options.allowHttpLoopback) {
      throw new CloudConfigError(
        `${where} must use https even on a loopback address: the sign-in library refuses http authorities. Serve the local identity endpoint over https.`,
        setting,
      );
    }
  } else if (url.protocol !== 'https:') {
    throw new CloudConfigError(`${where} must be an https URL, not "${url.protocol}". Change it to an https:// address.`, setting);
  }
  if (url.username || url.password) {
    throw new CloudConfigError(`${where} must not contain a user name or password. Remove them from the URL.`, setting);
  }
  if (url.search || url.hash) {
    throw new CloudConfigError(`${where} must not have a query or fragment. Give only the scheme, host and path.`, setting);
  }
  return `${url.protocol}//${url.host}${url.pathname}`.replace(/\/+$/, '');
}

/** The MSAL authority for a tenant (`organizations`, `common`, a tenant ID or a verified domain). */
export function authorityFor(cloud: Cloud, tenant: string): string {
  return `${cloud.loginEndpoint}/${encodeURIComponent(tenant)}`;
}

/** The host MSAL must list in `knownAuthorities` for this cloud's sign-in endpoint. */
export function authorityHost(cloud: Cloud): string {
  return new URL(cloud.loginEndpoint).host;
}

/** The resource part of Graph scopes for this cloud: its Graph endpoint, e.g. `https://graph.microsoft.us`. */
export function graphResource(cloud: Cloud): string {
  return cloud.graphEndpoint;
}

/**
 * Qualifies a Graph permission for this cloud's Graph: `User.Read` → `https://graph.microsoft.com/User.Read`.
 * OIDC scopes and already-qualified scopes are returned unchanged.
 */
export function graphScope(cloud: Cloud, scope: string): string {
  if (OIDC_SCOPES.has(scope) || /^[a-z][a-z0-9+.-]*:\/\//i.test(scope)) return scope;
  return `${graphResource(cloud)}/${scope}`;
}

/** The permission name of a qualified Graph scope (`https://graph.microsoft.com/User.Read` → `User.Read`). */
export function graphPermissionName(cloud: Cloud, scope: string): string {
  const prefix = `${graphResource(cloud)}/`;
  return scope.startsWith(prefix) ? scope.slice(prefix.length) : scope;
}

export const OIDC_SCOPES: ReadonlySet<string> = new Set(['openid', 'profile', 'offline_access', 'email']);

/** The admin center page of an app registration in this cloud, or undefined when the cloud has no known admin center. */
export function adminCenterAppUrl(cloud: Cloud, appId: string): string | undefined {
  if (!cloud.adminCenter) return undefined;
  return `${cloud.adminCenter}/#view/Microsoft_AAD_RegisteredApps/ApplicationMenuBlade/~/Overview/appId/${encodeURIComponent(appId)}`;
}

/** The admin center's "API permissions" page of an app registration (its "Grant admin consent" button needs no reply URL). */
export function adminCenterPermissionsUrl(cloud: Pick<Cloud, 'adminCenter'>, appId: string): string | undefined {
  if (!cloud.adminCenter) return undefined;
  return `${cloud.adminCenter}/#view/Microsoft_AAD_RegisteredApps/ApplicationMenuBlade/~/CallAnAPI/appId/${encodeURIComponent(appId)}`;
}

/**
 * The admin-consent link for a tenant's own app (the connector app): `/adminconsent` only works with a reply URL
 * registered on the app (AADSTS500113 otherwise), so it is used with one; without one, the Entra admin center's
 * API-permissions page of the app, where "Grant admin consent" needs none. A custom cloud without a known admin
 * center gets the `/adminconsent` link, which works once a redirect URL is registered.
 */
export function appAdminConsentUrl(
  cloud: Cloud,
  options: { tenant: string; clientId: string; scopes: readonly string[]; replyUrl?: string },
): string {
  const page = options.replyUrl ? undefined : adminCenterPermissionsUrl(cloud, options.clientId);
  if (page) return page;
  const url = new URL(`${authorityFor(cloud, options.tenant)}/v2.0/adminconsent`);
  url.searchParams.set('client_id', options.clientId);
  url.searchParams.set('scope', options.scopes.join(' '));
  if (options.replyUrl) url.searchParams.set('redirect_uri', options.replyUrl);
  return url.toString();
}

/**
 * The link an administrator opens to grant tenant-wide consent for `clientId` to `scopes`
 * (`{login}/{tenant}/v2.0/adminconsent?client_id=…&scope=…&redirect_uri=…`, DOMAIN.md §4).
 */
export function adminConsentUrl(
  cloud: Cloud,
  options: { tenant: string; clientId: string; scopes: readonly string[]; redirectUri?: string },
): string {
  const url = new URL(`${authorityFor(cloud, options.tenant)}/v2.0/adminconsent`);
  url.searchParams.set('client_id', options.clientId);
  url.searchParams.set('scope', options.scopes.map((s) => graphScope(cloud, s)).join(' '));
  url.searchParams.set('redirect_uri', options.redirectUri ?? 'http://localhost');
  return url.toString();
}
