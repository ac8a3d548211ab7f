/**
 * The command line's sign-in plumbing, shared by the commands that reach the tenant (`setup`, `secure-service`,
 * `check --online`): the cloud and sign-in options, an in-memory token cache (nothing on disk), and device-code
 * sign-in through SignInService with the code and URL on stderr.
 */
import { SignInService, type AccountSummary, type Memento } from '../auth/signIn';
import type { SecretStore } from '../auth/secretCache';
import { asSettingFailure, CLOUD_NAMES, resolveCloud, type Cloud } from '../cloud/clouds';
import { describeError } from '../errors';

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
} as const;

/** The usage lines for SIGN_IN_OPTIONS. */
export const SIGN_IN_USAGE = `  --tenant <tenant>              tenant ID or domain (default organizations)
  --client-id <appId>            public client used to sign in (default ${DEFAULT_CLI_CLIENT_ID})
  --cloud <${CLOUD_NAMES.join('|')}>
  --login-endpoint <url> --graph-endpoint <url> --arm-endpoint <url>   with --cloud Custom
`;

/** A bad sign-in option; the message says which and what is expected. */
export class SignInUsageError extends Error {}

export interface SignInOptions {
  readonly cloud: Cloud;
  readonly tenant: string;
  readonly clientId: string;
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
    const setting = asSettingFailure(error);
    if (setting) throw new SignInUsageError(describeError(setting));
    throw error;
  }
  return { cloud, tenant: values.tenant ?? 'organizations', clientId };
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
  readonly signIn: SignInService;
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
  const signIn = await SignInService.create(
    { cloud: options.cloud, clientId: options.clientId, tenant: options.tenant },
    {
      secrets: memorySecrets(),
      memento: memoryMemento(),
      prompter: { requestConsent: (_request, proceed) => proceed('deviceCode', new AbortController().signal) },
      ui: {
        openBrowser: async () => {
          throw new Error('The command line signs in by device code only.');
        },
        showDeviceCode: (prompt) => say(`To sign in, open ${prompt.verificationUri} and enter the code ${prompt.userCode}`),
      },
      log: { info: () => undefined, warn: (m) => say(m) },
    },
  );
  try {
    const account = await signIn.signIn('deviceCode', { scopes });
    say(`Signed in as ${account.username} (tenant ${account.tenantId}).`);
    return {
      signIn,
      account,
      getAccessToken: (s, o) => signIn.getAccessToken(s, o?.forceRefresh ? { forceRefresh: true } : {}),
      dispose: () => signIn.dispose(),
    };
  } catch (error) {
    signIn.dispose();
    throw error;
  }
}
