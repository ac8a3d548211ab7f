/**
 * Tokens per resource, each through a client that can really get it (no VS Code here).
 *
 * Microsoft's first-party public clients get Microsoft's APIs only where they are pre-authorized; any other request is
 * AADSTS65002, which no consent fixes. So the extension and the CLI sign in per resource:
 * - Microsoft Graph: "Microsoft Graph Command Line Tools" (14d82eec-…), built for dynamic consent to Graph scopes;
 * - Azure Resource Manager and Power Platform (`https://service.powerapps.com`): the Azure CLI client (04b07795-…),
 *   pre-authorized for both (paconn signs in to Power Platform with it);
 * - `entraConnector.signIn.clientId` / `--client-id`, when set, is used for every resource (an organisation's own
 *   public client with the API permissions it needs).
 * The user signs in once: the first client that signs in names the account; another client reuses it with the
 * account as login hint (one click in the browser), after a prompt that names the client and why.
 *
 * Use: `const tokens = new ResourceTokens(...)`; `await tokens.getAccessToken('powerPlatform', [POWER_PLATFORM_SCOPE])`
 * or `tokens.source('arm').getAccessToken([...])` (a {@link TokenSource} for a client library).
 */
import type { Cloud } from '../cloud/clouds';
import { OIDC_SCOPES } from '../cloud/clouds';
import type { AccountSummary, SignInService } from './signIn';

export type TokenResource = 'graph' | 'arm' | 'powerPlatform';

/** Microsoft Graph Command Line Tools: the default client for Graph. */
export const GRAPH_CLI_CLIENT_ID = '14d82eec-204b-4c2f-b7e8-296a70dab67e';
/** Microsoft Azure CLI: pre-authorized for Azure Resource Manager and Power Platform. */
export const AZURE_CLI_CLIENT_ID = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
/** Power Platform's API, as paconn asks for it. */
export const POWER_PLATFORM_RESOURCE = 'https://service.powerapps.com';
export const POWER_PLATFORM_SCOPE = `${POWER_PLATFORM_RESOURCE}/.default`;

/** Names of the Microsoft public clients (for prompts and error messages). */
export const CLIENT_NAMES: Readonly<Record<string, string>> = {
  [GRAPH_CLI_CLIENT_ID]: 'Microsoft Graph Command Line Tools',
  [AZURE_CLI_CLIENT_ID]: 'Microsoft Azure CLI',
  '1950a258-227b-4e31-a9cf-717495945fc2': 'Microsoft Azure PowerShell',
  'aebc6443-996d-45c2-90f0-388ff96faa56': 'Visual Studio Code',
};

export const RESOURCE_NAMES: Readonly<Record<TokenResource, string>> = {
  graph: 'Microsoft Graph',
  arm: 'Azure Resource Manager',
  powerPlatform: 'Power Platform',
};

/** Something that hands out tokens for scopes of one resource (what client libraries take). */
export interface TokenSource {
  getAccessToken(scopes: readonly string[], options?: { forceRefresh?: boolean; signal?: AbortSignal; silent?: boolean }): Promise<string>;
}

/** The client that signs in for a resource: the configured override, else the Microsoft client pre-authorized for it. */
export function clientFor(resource: TokenResource, override?: string): string {
  if (override) return override;
  return resource === 'graph' ? GRAPH_CLI_CLIENT_ID : AZURE_CLI_CLIENT_ID;
}

/** Which resource a (qualified) scope belongs to; bare names and OIDC scopes are Graph's. */
export function resourceOfScope(cloud: Pick<Cloud, 'armEndpoint'>, scope: string): TokenResource {
  const s = scope.toLowerCase();
  const arm = cloud.armEndpoint.replace(/\/+$/, '').toLowerCase();
  if ((arm && s.startsWith(`${arm}/`)) || /^https:\/\/management\.(azure\.com|core\.windows\.net|usgovcloudapi\.net|chinacloudapi\.cn|core\.usgovcloudapi\.net|core\.chinacloudapi\.cn)\//.test(s)) return 'arm';
  // The connector runtime (API Hub, connections) is Power Platform's too: the same pre-authorized Azure CLI client.
  if (s.startsWith(`${POWER_PLATFORM_RESOURCE}/`) || s.startsWith('https://apihub.azure.com/')) return 'powerPlatform';
  return 'graph';
}

/** The resource of a scope list (the first scope that is not an OIDC scope decides; none → Graph). */
export function resourceOfScopes(cloud: Pick<Cloud, 'armEndpoint'>, scopes: readonly string[]): TokenResource {
  const first = scopes.find((s) => !OIDC_SCOPES.has(s));
  return first ? resourceOfScope(cloud, first) : 'graph';
}

/** Why the extension signs in with a second client, shown before it does. */
export function whyClient(resource: TokenResource, clientId: string): string {
  const name = CLIENT_NAMES[clientId] ?? `the app ${clientId}`;
  if (resource === 'graph') return `${name} signs in to Microsoft Graph: it is the Microsoft client that can be granted the Graph permissions the setup needs.`;
  return `${name} signs in to ${RESOURCE_NAMES[resource]}: it is the Microsoft client pre-authorized for ${RESOURCE_NAMES[resource]} (the one Microsoft's own Azure and Power Platform tools use), so no consent is needed.`;
}

/**
 * One sign-in service per client, routed by resource. `create(clientId, hint)` makes the SignInService for a client;
 * `hint` gives it the account signed in with another client, which it reuses (login hint) instead of asking for one.
 */
export class ResourceTokens {
  private readonly services = new Map<string, Promise<SignInService>>();

  constructor(
    private readonly cloud: Pick<Cloud, 'armEndpoint'>,
    private readonly create: (clientId: string, resource: TokenResource, hint: () => Promise<AccountSummary | undefined>) => Promise<SignInService>,
    private readonly override?: string,
  ) {}

  /** The SignInService for a resource's client (created on first use). */
  service(resource: TokenResource): Promise<SignInService> {
    const clientId = clientFor(resource, this.override);
    let s = this.services.get(clientId);
    if (!s) {
      s = this.create(clientId, resource, () => this.accountElsewhere(clientId));
      this.services.set(clientId, s);
    }
    return s;
  }

  /** A token for `scopes` of `resource`, through that resource's client. */
  async getAccessToken(resource: TokenResource, scopes: readonly string[], options: { forceRefresh?: boolean; signal?: AbortSignal; silent?: boolean } = {}): Promise<string> {
    return (await this.service(resource)).getAccessToken(scopes, options);
  }

  /** A token for scopes of one resource, the resource found from the scopes themselves. */
  getAccessTokenForScopes(scopes: readonly string[], options: { forceRefresh?: boolean; signal?: AbortSignal; silent?: boolean } = {}): Promise<string> {
    return this.getAccessToken(resourceOfScopes(this.cloud, scopes), scopes, options);
  }

  source(resource: TokenResource): TokenSource {
    return { getAccessToken: (scopes, options) => this.getAccessToken(resource, scopes, options ?? {}) };
  }

  /** Every client created so far (to dispose them). */
  async all(): Promise<SignInService[]> {
    return Promise.all([...this.services.values()]);
  }

  /** The account signed in with any other client (the one the user already chose). */
  private async accountElsewhere(clientId: string): Promise<AccountSummary | undefined> {
    for (const [id, s] of this.services) {
      if (id === clientId) continue;
      const account = await (await s).getActiveAccount();
      if (account) return account;
    }
    return undefined;
  }
}
