/**
 * The command line's sign-in plumbing, shared by the commands that reach the tenant (`setup`, `secure-service`,
 * `check --online`): the cloud and sign-in options, an in-memory token cache (nothing on disk), and device-code
 * sign-in through SignInService with the code and URL on stderr.
 */
import { SignInService, type AccountSummary, type Memento } from '../auth/signIn';
import { CLIENT_NAMES, RESOURCE_NAMES, ResourceTokens, resourceOfScopes, whyClient } from '../auth/tokens';
import type { SecretStore } from '../auth/secretCache';
import { CLOUD_NAMES, CloudConfigError, resolveCloud, type Cloud } from '../cloud/clouds';

/** Microsoft Graph Command Line Tools: Microsoft's public client for delegated directory management (DOMAIN.md §6). */
export const DEFAULT_CLI_CLIENT_ID = '14d82eec-204b-4c2f-b7e8-296a70dab67e';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The `parseArgs` options every signing-in command accepts. */
export const SIGN_IN_OPTIONS = {
  tenant: { type: 'string' },
  'client-id': { type: 'string' },
  cloud: { type: 'string' },
  'login-endpoint': { type: 'string' },
  'graph-endpoint': { type: 'string' },
  'arm-endpoint': { type: 'string' },
} as const;

/** The usage lines for SIGN_IN_OPTIONS. */
export const SIGN_IN_USAGE = `  --tenant <tenant>              tenant ID or domain (default organizations)
  --client-id <appId>            public client used to sign in to every API (default: Microsoft Graph Command Line
                                 Tools ${DEFAULT_CLI_CLIENT_ID} for Graph, Microsoft Azure CLI for Azure Resource
                                 Manager and Power Platform, each pre-authorized or consentable for its API)
  --cloud <${CLOUD_NAMES.join('|')}>
  --login-endpoint <url> --graph-endpoint <url> --arm-endpoint <url>   with --cloud Custom
`;

/** A bad sign-in option; the message says which and what is expected. */
export class SignInUsageError extends Error {}

export interface SignInOptions {
  readonly cloud: Cloud;
  readonly tenant: string;
  /** The Graph client (the default unless --client-id names another). */
  readonly clientId: string;
  /** --client-id when given: used for every API instead of the per-resource Microsoft clients. */
  readonly clientIdOverride?: string;
}

type SignInValues = { [K in keyof typeof SIGN_IN_OPTIONS]?: string | undefined };

/** Validates the sign-in options parsed with SIGN_IN_OPTIONS; throws SignInUsageError. */
export function parseSignInOptions(values: SignInValues): SignInOptions {
  const clientId = values['client-id'] ?? DEFAULT_CLI_CLIENT_ID;
  if (!GUID.test(clientId)) throw new SignInUsageError('--client-id must be an application (client) ID, a GUID.');
  const name = values.cloud ?? 'AzureCloud';
  const custom = { loginEndpoint: values['login-endpoint'], graphEndpoint: values['graph-endpoint'], armEndpoint: values['arm-endpoint'] };
  if (name !== 'Custom' && (custom.loginEndpoint || custom.graphEndpoint || custom.armEndpoint)) {
    throw new SignInUsageError('--login-endpoint, --graph-endpoint and --arm-endpoint go with --cloud Custom.');
  }
  let cloud: Cloud;
  try {
    cloud = resolveCloud(name, custom);
  } catch (error) {
    if (error instanceof CloudConfigError) throw new SignInUsageError(error.message);
    throw error;
  }
  return { cloud, tenant: values.tenant ?? 'organizations', clientId, ...(values['client-id'] ? { clientIdOverride: clientId } : {}) };
}

/** A token cache for one run: memory only, nothing on disk. */
export function memorySecrets(): SecretStore {
  const map = new Map<string, string>();
  return {
    get: async (k) => map.get(k),
    store: async (k, v) => void map.set(k, v),
    delete: async (k) => void map.delete(k),
    onDidChange: () => ({ dispose: () => undefined }),
  };
}

/** Workspace memory for one run (the active account): memory only. */
export function memoryMemento(): Memento {
  const map = new Map<string, unknown>();
  return { get: <T>(k: string) => map.get(k) as T | undefined, update: async (k, v) => void map.set(k, v) };
}

export interface CliSession {
  /** The client the run signed in with first. */
  readonly signIn: SignInService;
  /** Every API's token source (Graph, Resource Manager, Power Platform), one sign-in shared. */
  readonly tokens: ResourceTokens;
  readonly account: AccountSummary;
  /** For createGraphClient / ArmClient: a token for these scopes, silently (the run signed in once). */
  getAccessToken(scopes: string[], options?: { forceRefresh?: boolean }): Promise<string>;
  dispose(): void;
}

/**
 * Signs in by device code for `scopes` (the prompt goes to `say`, i.e. stderr) and returns the session; later
 * permissions are asked for by device code too. Rejects with an AuthFailure when sign-in does not complete.
 */
export async function deviceCodeSignIn(options: SignInOptions, scopes: readonly string[], say: (line: string) => void): Promise<CliSession> {
  const secrets = memorySecrets();
  const memento = memoryMemento();
  const tokens = new ResourceTokens(options.cloud, (clientId, resource, hint) =>
    SignInService.create(
      { cloud: options.cloud, clientId, tenant: options.tenant },
      {
        secrets,
        memento,
        prompter: {
          requestConsent: (request, proceed) => {
            if (request.reason === 'otherClient' && request.client) say(`${request.client.why} Sign in as ${request.account} once more:`);
            return proceed('deviceCode', new AbortController().signal);
          },
        },
        ui: {
          openBrowser: async () => {
            throw new Error('The command line signs in by device code only.');
          },
          showDeviceCode: (prompt) => say(`To sign in, open ${prompt.verificationUri} and enter the code ${prompt.userCode}`),
        },
        log: { info: () => undefined, warn: (m) => say(m) },
        accountHint: hint,
        client: { name: CLIENT_NAMES[clientId] ?? clientId, why: whyClient(resource, clientId) },
      },
    ),
    options.clientIdOverride,
  );
  const dispose = () => void tokens.all().then((all) => all.forEach((s) => s.dispose()), () => undefined);
  try {
    const resource = resourceOfScopes(options.cloud, scopes);
    const signIn = await tokens.service(resource);
    if (resource !== 'graph') say(`Signing in to ${RESOURCE_NAMES[resource]} with ${CLIENT_NAMES[signIn.settings.clientId] ?? signIn.settings.clientId}.`);
    const account = await signIn.signIn('deviceCode', { scopes });
    say(`Signed in as ${account.username} (tenant ${account.tenantId}).`);
    return {
      signIn,
      tokens,
      account,
      getAccessToken: (s, o) => tokens.getAccessTokenForScopes(s, o?.forceRefresh ? { forceRefresh: true } : {}),
      dispose,
    };
  } catch (error) {
    dispose();
    throw error;
  }
}
