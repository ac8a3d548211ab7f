/**
 * The command line's sign-in plumbing, shared by the commands that reach the tenant (`setup`, `secure-service`,
 * `check --online`): the cloud and sign-in options, an in-memory token cache (nothing on disk), and device-code
 * sign-in through SignInService with the code and URL on stderr.
 */
import { asAuthFailure } from '../auth/errors';
import { SignInService, type AccountSummary, type Memento } from '../auth/signIn';
import { CLIENT_NAMES, RESOURCE_NAMES, ResourceTokens, resourceOfScopes, whyClient } from '../auth/tokens';
import { asWorkloadFailure, createWorkloadTokenSource, CREDENTIAL_KINDS, isCredentialKind, resolveCredential, type CredentialKind } from '../auth/workload';
import type { SecretStore } from '../auth/secretCache';
import { asSettingFailure, CLOUD_NAMES, resolveCloud, type Cloud } from '../cloud/clouds';
import { describeError } from '../errors';
import { isValidTenant } from '../auth/settings';

/** Microsoft Graph Command Line Tools: Microsoft's public client for delegated directory management (the app the Microsoft Graph PowerShell SDK signs in with; https://learn.microsoft.com/powershell/microsoftgraph/authentication-commands). */
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
  'powerapps-url': { type: 'string' },
  'flow-url': { type: 'string' },
} as const;

/** The usage lines for SIGN_IN_OPTIONS. */
export const SIGN_IN_USAGE = `  --tenant <tenant>              tenant ID or domain (default organizations)
  --client-id <appId>            public client used to sign in to every API (default: Microsoft Graph Command Line
                                 Tools ${DEFAULT_CLI_CLIENT_ID} for Graph, Microsoft Azure CLI for Azure Resource
                                 Manager and Power Platform, each pre-authorized or consentable for its API)
  --cloud <${CLOUD_NAMES.join('|')}>
  --login-endpoint <url> --graph-endpoint <url> --arm-endpoint <url>   with --cloud Custom
  --powerapps-url <url> --flow-url <url>   Power Platform (paconn's powerAppsUrl / flowUrl) with --cloud Custom
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
  const custom = {
    loginEndpoint: values['login-endpoint'],
    graphEndpoint: values['graph-endpoint'],
    armEndpoint: values['arm-endpoint'],
    ...(values['powerapps-url'] !== undefined ? { powerAppsEndpoint: values['powerapps-url'] } : {}),
    ...(values['flow-url'] !== undefined ? { flowEndpoint: values['flow-url'] } : {}),
  };
  if (name !== 'Custom' && (custom.loginEndpoint || custom.graphEndpoint || custom.armEndpoint || values['powerapps-url'] || values['flow-url'])) {
    throw new SignInUsageError('--login-endpoint, --graph-endpoint, --arm-endpoint, --powerapps-url and --flow-url go with --cloud Custom.');
  }
  let cloud: Cloud;
  try {
    cloud = resolveCloud(name, custom);
  } catch (error) {
    const setting = asSettingFailure(error);
    if (setting) throw new SignInUsageError(describeError(setting));
    throw error;
  }
  // The tenant goes into the authority URL: the same rule as the extension's entraConnector.signIn.tenant setting.
  const tenant = values.tenant?.trim() || 'organizations';
  if (!isValidTenant(tenant)) throw new SignInUsageError(`--tenant "${tenant.slice(0, 80)}" is not a tenant ID, a domain, "organizations" or "common".`);
  return { cloud, tenant, clientId, ...(values['client-id'] ? { clientIdOverride: clientId } : {}) };
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

/** `--auth`: how the command signs in (default: from the environment, else device code). */
export const AUTH_OPTIONS = {
  auth: { type: 'string' },
} as const;

export const AUTH_USAGE = `  --auth <${CREDENTIAL_KINDS.join('|')}>
                                 default: from the environment (Azure SDK convention) — AZURE_TENANT_ID and
                                 AZURE_CLIENT_ID with AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH (PEM,
                                 AZURE_CLIENT_CERTIFICATE_PASSWORD) or AZURE_FEDERATED_TOKEN_FILE; GitHub Actions'
                                 OIDC token (permissions: id-token: write); IDENTITY_ENDPOINT + IDENTITY_HEADER for a
                                 managed identity (--auth managed-identity alone: the VM metadata endpoint); else
                                 device code. With a workload credential, --tenant is its tenant and --client-id is
                                 ignored in favour of AZURE_CLIENT_ID.
`;

/** A signed-in run: a person (device code) or a workload identity (app-only tokens). */
export interface CommandSession {
  readonly kind: CredentialKind;
  /** Who is signed in, for messages: "admin@contoso.com" or "app 1234… (secret)". */
  readonly principal: string;
  readonly tenantId: string | undefined;
  getAccessToken(scopes: string[], options?: { forceRefresh?: boolean }): Promise<string>;
  dispose(): void;
}

/** Parses `--auth`; throws SignInUsageError for an unknown kind. */
export function parseAuthOption(value: string | undefined): CredentialKind | undefined {
  if (value === undefined) return undefined;
  if (!isCredentialKind(value)) throw new SignInUsageError(`--auth must be one of ${CREDENTIAL_KINDS.join(', ')}.`);
  return value;
}

/**
 * Signs in the way `--auth` and the environment say: device code for a person (asking for `delegatedScopes`), or a
 * workload identity whose app-only tokens carry the application permissions an administrator granted it. Rejects
 * with a workload failure (a UserFailure: what is missing, or why sign-in was refused) or AuthFailure.
 */
export async function signInForCommand(
  options: SignInOptions & { readonly auth?: CredentialKind; readonly tenantGiven?: boolean },
  delegatedScopes: readonly string[],
  io: { env: NodeJS.ProcessEnv; say: (line: string) => void; fetch?: typeof fetch },
): Promise<CommandSession> {
  const credential = resolveCredential(io.env, { ...(options.auth ? { auth: options.auth } : {}), ...(options.tenantGiven ? { tenant: options.tenant } : {}) });
  if (credential.kind === 'device') {
    const session = await deviceCodeSignIn(options, delegatedScopes, io.say);
    return { kind: 'device', principal: session.account.username, tenantId: session.account.tenantId, getAccessToken: session.getAccessToken, dispose: session.dispose };
  }
  const source = await createWorkloadTokenSource(options.cloud, credential, { ...(io.fetch ? { fetch: io.fetch } : {}) });
  // Sign in now, so that a wrong credential fails before anything else happens.
  await source.getAccessToken([`${options.cloud.graphEndpoint}/.default`]);
  const id = source.clientId();
  const principal = credential.kind === 'managed-identity' ? `managed identity ${id ?? ''}`.trim() : `app ${id} (${credential.kind})`;
  io.say(`Signed in as ${principal}${source.tenantId() ? ` (tenant ${source.tenantId()})` : ''}: app-only, with the application permissions granted to it.`);
  return { kind: credential.kind, principal, tenantId: source.tenantId(), getAccessToken: (scopes, o) => source.getAccessToken(scopes, o), dispose: () => undefined };
}

/** One sentence and a next step for any sign-in failure of a command. */
export function signInFailure(error: unknown): { message: string; next: string } | undefined {
  const workload = asWorkloadFailure(error);
  if (workload) return { message: workload.message, next: workload.next };
  const signIn = asAuthFailure(error);
  if (signIn) return { message: signIn.message, next: signIn.next };
  return undefined;
}
