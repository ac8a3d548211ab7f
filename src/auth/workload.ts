/**
 * Sign-in without a person: a workload identity (an app registration's service principal, or a managed identity)
 * gets app-only tokens through MSAL Node — `ConfidentialClientApplication` for a client secret, a certificate or a
 * federated token (client assertion), `ManagedIdentityApplication` for a managed identity. See README.md here.
 *
 * Which credential: the Azure SDK environment convention (`AZURE_TENANT_ID`, `AZURE_CLIENT_ID` with
 * `AZURE_CLIENT_SECRET` | `AZURE_CLIENT_CERTIFICATE_PATH` [+ `AZURE_CLIENT_CERTIFICATE_PASSWORD`] |
 * `AZURE_FEDERATED_TOKEN_FILE`; managed identity through `IDENTITY_ENDPOINT` + `IDENTITY_HEADER`, else the VM
 * metadata endpoint), GitHub Actions' own OIDC endpoint (`ACTIONS_ID_TOKEN_REQUEST_URL` + `_TOKEN`), or an explicit
 * `--auth` kind. Secrets come only from the environment or files, never from the command line (process lists show it).
 */
import type * as Msal from '@azure/msal-node';
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { authorityFor, authorityHost, isLoopbackHost, type Cloud } from '../cloud/clouds';
import { asUserFailure, UserFailure, type UserError } from '../errors';
import { aadstsCode, networkErrorCode } from './errors';
import { SignInNetwork } from './network';

export const CREDENTIAL_KINDS = ['device', 'secret', 'certificate', 'federated', 'managed-identity'] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];
export type WorkloadKind = Exclude<CredentialKind, 'device'>;

/** The audience of a federated token for Microsoft Entra (workload identity federation). */
export const FEDERATED_AUDIENCE = 'api://AzureADTokenExchange';

export type FederatedSource = { readonly file: string } | { readonly github: { readonly url: string; readonly token: string } };

export type WorkloadCredential =
  | { readonly kind: 'secret'; readonly tenantId: string; readonly clientId: string; readonly secret: string }
  | { readonly kind: 'certificate'; readonly tenantId: string; readonly clientId: string; readonly certificatePath: string; readonly password?: string }
  | { readonly kind: 'federated'; readonly tenantId: string; readonly clientId: string; readonly source: FederatedSource }
  | { readonly kind: 'managed-identity'; readonly clientId?: string; readonly source: 'app-service' | 'vm-metadata' };

export type ResolvedCredential = { readonly kind: 'device' } | WorkloadCredential;

/** Our code for a workload credential that cannot be used as configured. */
export const WORKLOAD_CONFIG = 'WorkloadCredentialConfig';
/** Our code for a workload sign-in refused without an AADSTS code (else the code is the AADSTS one). */
export const WORKLOAD_SIGN_IN = 'WorkloadSignInFailed';

/**
 * A workload identity's failure: `config` — a credential that cannot be used as configured (`missing` names the
 * variables or options to set); `sign-in` — the identity platform (or the managed-identity endpoint) refused it.
 */
export interface WorkloadError extends UserError {
  readonly workload: 'config' | 'sign-in';
  readonly missing?: readonly string[];
  readonly aadsts?: string;
}
export type WorkloadFailure = UserFailure<WorkloadError>;

function configFailure(message: string, missing: readonly string[] = []): WorkloadFailure {
  return new UserFailure<WorkloadError>({ code: WORKLOAD_CONFIG, workload: 'config', message, next: `Set ${missing.join(', ') || 'the credential variables'}, or choose another --auth.`, missing });
}

function signInFailure(message: string, next: string, aadsts?: string): WorkloadFailure {
  return new UserFailure<WorkloadError>({ code: aadsts ?? WORKLOAD_SIGN_IN, workload: 'sign-in', message, next, ...(aadsts ? { aadsts } : {}) });
}

/** The workload failure inside anything thrown, or undefined. */
export function asWorkloadFailure(thrown: unknown): WorkloadFailure | undefined {
  const failure = asUserFailure(thrown);
  const kind = (failure?.error as Partial<WorkloadError> | undefined)?.workload;
  return kind === 'config' || kind === 'sign-in' ? (failure as WorkloadFailure) : undefined;
}

export function isCredentialKind(value: unknown): value is CredentialKind {
  return typeof value === 'string' && (CREDENTIAL_KINDS as readonly string[]).includes(value);
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
type Env = Readonly<Record<string, string | undefined>>;

/** True where no person can answer a device-code prompt (GitHub Actions, Azure Pipelines, other CI). */
export function isPipeline(env: Env): boolean {
  return env.GITHUB_ACTIONS === 'true' || !!env.TF_BUILD || env.CI === 'true' || env.CI === '1';
}

/**
 * Picks the credential from `--auth` (or, without it, from the environment), checking that everything it needs is
 * there. `tenant` / `clientId` are the command-line values, which win over AZURE_TENANT_ID / AZURE_CLIENT_ID.
 */
export function resolveCredential(env: Env, options: { auth?: CredentialKind; tenant?: string; clientId?: string } = {}): ResolvedCredential {
  const v = (name: string) => (env[name] ?? '').trim() || undefined;
  const tenantId = options.tenant ?? v('AZURE_TENANT_ID');
  const clientId = options.clientId ?? v('AZURE_CLIENT_ID');
  const appService = !!(v('IDENTITY_ENDPOINT') && v('IDENTITY_HEADER'));
  const github = v('ACTIONS_ID_TOKEN_REQUEST_URL') && v('ACTIONS_ID_TOKEN_REQUEST_TOKEN') ? { url: v('ACTIONS_ID_TOKEN_REQUEST_URL')!, token: v('ACTIONS_ID_TOKEN_REQUEST_TOKEN')! } : undefined;

  const needApp = (kind: WorkloadKind, extra: string[]): { tenantId: string; clientId: string } => {
    const missing = [...(tenantId ? [] : ['AZURE_TENANT_ID (or --tenant)']), ...(clientId ? [] : ['AZURE_CLIENT_ID']), ...extra];
    if (missing.length > 0) throw configFailure(`Signing in with --auth ${kind} needs ${missing.join(', ')}.`, missing);
    if (!GUID.test(clientId!)) throw configFailure(`AZURE_CLIENT_ID "${clientId}" is not an application (client) ID: give the GUID of the pipeline's app registration.`, ['AZURE_CLIENT_ID']);
    if (/^(common|organizations|consumers)$/i.test(tenantId!)) throw configFailure(`An app signs in to one tenant: set AZURE_TENANT_ID (or --tenant) to the tenant ID or domain, not "${tenantId}".`, ['AZURE_TENANT_ID']);
    return { tenantId: tenantId!, clientId: clientId! };
  };
  const make = (kind: WorkloadKind): WorkloadCredential => {
    switch (kind) {
      case 'secret':
        return { kind, ...needApp(kind, v('AZURE_CLIENT_SECRET') ? [] : ['AZURE_CLIENT_SECRET']), secret: v('AZURE_CLIENT_SECRET')! };
      case 'certificate': {
        const ids = needApp(kind, v('AZURE_CLIENT_CERTIFICATE_PATH') ? [] : ['AZURE_CLIENT_CERTIFICATE_PATH (a PEM file with the private key and certificate)']);
        const password = env.AZURE_CLIENT_CERTIFICATE_PASSWORD;
        return { kind, ...ids, certificatePath: v('AZURE_CLIENT_CERTIFICATE_PATH')!, ...(password ? { password } : {}) };
      }
      case 'federated': {
        const file = v('AZURE_FEDERATED_TOKEN_FILE');
        const ids = needApp(kind, file || github ? [] : ['AZURE_FEDERATED_TOKEN_FILE (or, in GitHub Actions, `permissions: id-token: write` so that ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are set)']);
        return { kind, ...ids, source: file ? { file } : { github: github! } };
      }
      case 'managed-identity':
        if (clientId && !GUID.test(clientId)) throw configFailure(`AZURE_CLIENT_ID "${clientId}" is not the client ID of a user-assigned managed identity (a GUID).`, ['AZURE_CLIENT_ID']);
        return { kind, ...(clientId ? { clientId } : {}), source: appService ? 'app-service' : 'vm-metadata' };
    }
  };

  if (options.auth === 'device') return { kind: 'device' };
  if (options.auth) return make(options.auth);
  if (v('AZURE_CLIENT_SECRET')) return make('secret');
  if (v('AZURE_CLIENT_CERTIFICATE_PATH')) return make('certificate');
  if (v('AZURE_FEDERATED_TOKEN_FILE')) return make('federated');
  if (github && clientId) return make('federated');
  if (appService) return make('managed-identity');
  if (clientId && tenantId && options.clientId === undefined) {
    throw configFailure(
      'AZURE_CLIENT_ID and AZURE_TENANT_ID are set but no credential for the app is: set AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH or AZURE_FEDERATED_TOKEN_FILE, or choose one with --auth.',
      ['AZURE_CLIENT_SECRET', 'AZURE_CLIENT_CERTIFICATE_PATH', 'AZURE_FEDERATED_TOKEN_FILE'],
    );
  }
  if (isPipeline(env)) {
    throw configFailure(
      'No credential for unattended sign-in was found and nobody can answer a device code here. Set AZURE_TENANT_ID and AZURE_CLIENT_ID with AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH or AZURE_FEDERATED_TOKEN_FILE (GitHub Actions: `permissions: id-token: write` is enough with AZURE_CLIENT_ID), or IDENTITY_ENDPOINT + IDENTITY_HEADER for a managed identity; or pass --auth device.',
      ['AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET | AZURE_CLIENT_CERTIFICATE_PATH | AZURE_FEDERATED_TOKEN_FILE'],
    );
  }
  return { kind: 'device' };
}

export interface WorkloadTokenSource {
  readonly kind: WorkloadKind;
  /** The app's client ID (for a system-assigned managed identity: learnt from the first token). */
  readonly clientId: () => string | undefined;
  readonly tenantId: () => string | undefined;
  /** An app-only token for the resource of `scopes` (e.g. `https://graph.microsoft.com/Application.ReadWrite.All` → `…/.default`). */
  getAccessToken(scopes: readonly string[], options?: { forceRefresh?: boolean }): Promise<string>;
}

export interface WorkloadDeps {
  readonly fetch?: typeof fetch;
  readonly log?: (line: string) => void;
}

/** `https://graph.microsoft.com/User.Read` → `https://graph.microsoft.com`; a `/.default` scope → its resource. */
export function resourceOf(scope: string): string {
  const trimmed = scope.replace(/\/\.default$/, '');
  if (trimmed !== scope) return trimmed;
  const slash = trimmed.lastIndexOf('/');
  return slash > trimmed.indexOf('://') + 2 ? trimmed.slice(0, slash) : trimmed;
}

function claimsOf(token: string): Record<string, unknown> {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** Reads a PEM holding a private key (optionally encrypted) and its certificate; MSAL signs the assertion with them. */
export async function readCertificate(path: string, password?: string): Promise<{ privateKey: string; thumbprintSha256: string; certificate: string }> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (error) {
    throw configFailure(`AZURE_CLIENT_CERTIFICATE_PATH ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`, ['AZURE_CLIENT_CERTIFICATE_PATH']);
  }
  const certPem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
  const keyPem = /-----BEGIN (?:ENCRYPTED |RSA )?PRIVATE KEY-----[\s\S]+?-----END (?:ENCRYPTED |RSA )?PRIVATE KEY-----/.exec(pem)?.[0];
  if (!certPem || !keyPem) {
    throw configFailure(`AZURE_CLIENT_CERTIFICATE_PATH ${path} must be a PEM file holding both the private key and the certificate.`, ['AZURE_CLIENT_CERTIFICATE_PATH']);
  }
  let privateKey: string;
  try {
    privateKey = createPrivateKey({ key: keyPem, ...(password ? { passphrase: password } : {}) }).export({ format: 'pem', type: 'pkcs8' }).toString();
  } catch {
    throw configFailure(
      password ? `The private key in ${path} cannot be decrypted with AZURE_CLIENT_CERTIFICATE_PASSWORD.` : `The private key in ${path} is encrypted: set AZURE_CLIENT_CERTIFICATE_PASSWORD.`,
      ['AZURE_CLIENT_CERTIFICATE_PASSWORD'],
    );
  }
  const der = new X509Certificate(certPem).raw;
  return { privateKey, thumbprintSha256: createHash('sha256').update(der).digest('hex'), certificate: certPem };
}

/** The federated token: read from the file anew each time (Kubernetes and others rotate it), or asked from GitHub. */
async function federatedToken(source: FederatedSource, fetchImpl: typeof fetch): Promise<string> {
  if ('file' in source) {
    try {
      return (await readFile(source.file, 'utf8')).trim();
    } catch (error) {
      throw configFailure(`AZURE_FEDERATED_TOKEN_FILE ${source.file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`, ['AZURE_FEDERATED_TOKEN_FILE']);
    }
  }
  const url = new URL(source.github.url);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw configFailure('ACTIONS_ID_TOKEN_REQUEST_URL must be an https URL.', ['ACTIONS_ID_TOKEN_REQUEST_URL']);
  }
  url.searchParams.set('audience', FEDERATED_AUDIENCE);
  const response = await fetchImpl(url, { headers: { authorization: `bearer ${source.github.token}`, accept: 'application/json' }, redirect: 'error' });
  const body = (await response.json().catch(() => ({}))) as { value?: unknown };
  if (!response.ok || typeof body.value !== 'string') {
    throw signInFailure(
      `GitHub Actions did not hand out an OIDC token (HTTP ${response.status}).`,
      'Give the job `permissions: id-token: write` (and contents: read); forks\' pull requests never get one.',
    );
  }
  return body.value;
}

const NEXT: Readonly<Record<string, string>> = {
  '7000215': 'The client secret is wrong: set AZURE_CLIENT_SECRET to the secret\'s value (not its ID) for this app.',
  '7000222': 'The client secret has expired: add a new one to the app and update AZURE_CLIENT_SECRET.',
  '7000218': 'Give the app\'s credential: AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH or AZURE_FEDERATED_TOKEN_FILE.',
  '700016': 'Check AZURE_CLIENT_ID and AZURE_TENANT_ID: the app is not in this tenant.',
  '7000229': 'The app has no service principal in this tenant: create it (Enterprise applications, or POST /servicePrincipals {appId}).',
  '700027': 'The certificate is not one of the app\'s certificates: upload its public part to the app (Certificates & secrets) or fix AZURE_CLIENT_CERTIFICATE_PATH.',
  '70021': 'No federated credential of the app matches this token\'s issuer, subject and audience (matching is exact and case-sensitive): add one for this subject — `entra-connector automate` does — or run from the branch or environment it names.',
  '700211': 'The app has no federated credential for this token\'s issuer: add one (`entra-connector automate` does).',
  '700213': 'No federated credential of the app matches this token\'s subject: add one for it, or run from the branch or environment it names.',
  '700024': 'The federated token has expired or is not valid yet: ask for a fresh one (GitHub tokens live minutes).',
};

interface FailureContext {
  /** "App 1234…" or "The managed identity …". */
  readonly who: string;
  /** The host the credential talks to (the login endpoint, or the managed-identity endpoint). */
  readonly host: string;
  readonly unreachable: string;
  readonly refused: string;
}

/** Turns an MSAL failure into a workload sign-in failure with the server's AADSTS code (if any) and a next step. */
function failure(error: unknown, network: SignInNetwork, context: FailureContext): Error {
  if (asWorkloadFailure(error)) return error as WorkloadFailure;
  const correlationId = (error as { correlationId?: unknown } | null)?.correlationId;
  const recorded = network.take(correlationId);
  const net = networkErrorCode(error) ?? (recorded?.kind === 'network' ? networkErrorCode(recorded.error) : undefined);
  if (net) return signInFailure(`Could not reach ${context.host} (${net}).`, context.unreachable);
  const raw = recorded?.kind === 'oauth' ? (recorded.body.error_description ?? recorded.body.error) : String((error as { errorMessage?: unknown; message?: unknown } | null)?.errorMessage ?? (error as Error)?.message ?? error);
  // MSAL's managed-identity errors wrap the endpoint's description: "Error(s): … - Description: <it> - Correlation ID: …".
  const description = /Description: ([\s\S]*?)\s+-\s+Correlation ID/.exec(raw)?.[1] ?? raw;
  const code = aadstsCode(description);
  const sentence = description.replace(/\s*Trace ID:[\s\S]*$/, '').replace(/^AADSTS\d+:\s*/, '').trim().slice(0, 400);
  return signInFailure(`${context.who} could not sign in${code ? ` (AADSTS${code})` : ''}: ${sentence || 'no details were given'}`, (code && NEXT[code]) ?? context.refused, code ? `AADSTS${code}` : undefined);
}

const APP_UNREACHABLE = 'Check the network, the proxy and the cloud options (--cloud, --login-endpoint); for an inspected TLS connection point NODE_EXTRA_CA_CERTS at its root certificate.';
const APP_REFUSED = 'Check the credential variables (AZURE_TENANT_ID, AZURE_CLIENT_ID and the secret, certificate or token) and the cloud options.';

function failureContext(cloud: Cloud, credential: WorkloadCredential): FailureContext {
  if (credential.kind !== 'managed-identity') return { who: `App ${credential.clientId}`, host: new URL(cloud.loginEndpoint).host, unreachable: APP_UNREACHABLE, refused: APP_REFUSED };
  const who = `The managed identity${credential.clientId ? ` ${credential.clientId}` : ''}`;
  const which = credential.clientId ? 'AZURE_CLIENT_ID must be the client ID of a user-assigned identity attached to' : 'without AZURE_CLIENT_ID, the system-assigned identity must be enabled on';
  const hostOf = (url: string | undefined, fallback: string) => {
    try {
      return url ? new URL(url).host : fallback;
    } catch {
      return fallback;
    }
  };
  if (credential.source === 'app-service') {
    return {
      who,
      host: hostOf(process.env.IDENTITY_ENDPOINT, 'IDENTITY_ENDPOINT'),
      unreachable: 'IDENTITY_ENDPOINT does not answer: run on the App Service, Functions or Container Apps resource that set it, or use another --auth.',
      refused: `Check the resource's managed identity: ${which} this App Service, Functions or Container Apps resource.`,
    };
  }
  // MSAL Node asks IMDS at 169.254.169.254, or at AZURE_POD_IDENTITY_AUTHORITY_HOST when set (AKS pod identity).
  return {
    who,
    host: hostOf(process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST, '169.254.169.254'),
    unreachable: 'The VM metadata endpoint answers only on an Azure VM or scale set (or through AZURE_POD_IDENTITY_AUTHORITY_HOST): run there, or choose another --auth.',
    refused: `Check the machine's managed identity: ${which} this VM or scale set (Identity blade, or az vm identity show).`,
  };
}

/**
 * App-only tokens for a workload credential, for any resource of `cloud` (`{resource}/.default`, the only scope
 * the client credentials grant accepts). MSAL keeps them in memory for the run; nothing is written anywhere.
 */
export async function createWorkloadTokenSource(cloud: Cloud, credential: WorkloadCredential, deps: WorkloadDeps = {}): Promise<WorkloadTokenSource> {
  const msal = await import('@azure/msal-node');
  const fetchImpl = deps.fetch ?? fetch;
  const network = new SignInNetwork(fetchImpl, deps.log);
  const system = {
    networkClient: network,
    loggerOptions: { piiLoggingEnabled: false, logLevel: msal.LogLevel.Error, loggerCallback: (_level: Msal.LogLevel, message: string) => deps.log?.(`MSAL: ${message}`) },
  };
  const context = failureContext(cloud, credential);
  let learnt: { clientId?: string; tenantId?: string } = {};

  if (credential.kind === 'managed-identity') {
    // MSAL reads IDENTITY_ENDPOINT / IDENTITY_HEADER (and the other hosts' variables) from process.env itself.
    const mia = new msal.ManagedIdentityApplication({
      ...(credential.clientId ? { managedIdentityIdParams: { userAssignedClientId: credential.clientId } } : {}),
      system,
    });
    return {
      kind: credential.kind,
      clientId: () => credential.clientId ?? learnt.clientId,
      tenantId: () => learnt.tenantId,
      async getAccessToken(scopes, options) {
        try {
          const result = await mia.acquireToken({ resource: resourceOf(scopes[0] ?? cloud.graphEndpoint), ...(options?.forceRefresh ? { forceRefresh: true } : {}) });
          const claims = claimsOf(result.accessToken);
          learnt = { clientId: typeof claims.appid === 'string' ? claims.appid : undefined, tenantId: typeof claims.tid === 'string' ? claims.tid : undefined };
          return result.accessToken;
        } catch (error) {
          throw failure(error, network, context);
        }
      },
    };
  }

  let auth: Msal.NodeAuthOptions;
  const base = {
    clientId: credential.clientId,
    authority: authorityFor(cloud, credential.tenantId),
    ...(cloud.name === 'Custom' ? { knownAuthorities: [authorityHost(cloud)] } : {}),
  };
  if (credential.kind === 'secret') auth = { ...base, clientSecret: credential.secret };
  else if (credential.kind === 'certificate') {
    const cert = await readCertificate(credential.certificatePath, credential.password);
    auth = { ...base, clientCertificate: { thumbprintSha256: cert.thumbprintSha256, privateKey: cert.privateKey, x5c: cert.certificate } };
  } else {
    const source = credential.source;
    auth = { ...base, clientAssertion: () => federatedToken(source, fetchImpl) };
  }
  const cca = new msal.ConfidentialClientApplication({ auth, system });
  return {
    kind: credential.kind,
    clientId: () => credential.clientId,
    tenantId: () => credential.tenantId,
    async getAccessToken(scopes, options) {
      const resource = resourceOf(scopes[0] ?? cloud.graphEndpoint);
      try {
        const result = await cca.acquireTokenByClientCredential({ scopes: [`${resource}/.default`], ...(options?.forceRefresh ? { skipCache: true } : {}) });
        if (!result) throw signInFailure(`${context.who} got no token.`, 'Try again.');
        return result.accessToken;
      } catch (error) {
        throw failure(error, network, context);
      }
    },
  };
}

/**
 * Whether `clientId` + `secret` can get a token from the tenant's token endpoint now — how `rotate` proves a new
 * secret works before it removes the old one. Resolves to undefined on success, else the reason.
 */
export async function trySecret(cloud: Cloud, tenantId: string, clientId: string, secret: string, deps: WorkloadDeps = {}): Promise<WorkloadFailure | undefined> {
  const source = await createWorkloadTokenSource(cloud, { kind: 'secret', tenantId, clientId, secret }, deps);
  try {
    await source.getAccessToken([`${cloud.graphEndpoint}/.default`]);
    return undefined;
  } catch (error) {
    const refused = asWorkloadFailure(error);
    if (refused?.error.workload === 'sign-in') return refused;
    throw error;
  }
}
