/**
 * The setup context: everything one run of the checklist knows — the connector folder, the cloud, the tenant, the
 * user's choices, the ids of every object found or created, and each step's state. Never a secret: it is saved
 * after every step (workspaceState in the extension, a JSON file for the CLI).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { DirectoryError } from '../graph/errors';
import type { FileRecord } from './properties';

export const CONTEXT_VERSION = 2;

export type Audience = 'AzureADMyOrg' | 'AzureADMultipleOrgs';

/** How the API app's Application ID URI is formed. */
export type IdentifierUriChoice =
  | { readonly kind: 'tenant' } // api://{tenantId}/{name}
  | { readonly kind: 'appId' } // api://{appId}, the only form when the tenant policy demands it
  | { readonly kind: 'custom'; readonly uri: string }; // e.g. a verified-domain URI

export type ApiChoice =
  | {
      readonly kind: 'new';
      readonly displayName: string;
      readonly identifierUri: IdentifierUriChoice;
      /** Scope value, default `user_impersonation`. */
      readonly scope: string;
      readonly audience: Audience;
    }
  /** An app already in the tenant, found by appId, identifier URI or name (resolved to an appId before running). */
  | { readonly kind: 'existing'; readonly appId: string; readonly scope?: string }
  /** A Microsoft service such as Microsoft Graph: its delegated scopes by value (`User.Read`). */
  | { readonly kind: 'microsoft'; readonly appId: string; readonly resourceUri: string; readonly scopes: readonly string[] };

export type ConnectorChoice =
  | { readonly kind: 'new'; readonly displayName: string }
  | { readonly kind: 'existing'; readonly appId: string };

/** `admin`: tenant-wide grant, else the admin-consent link. `user`: a grant for the signed-in user only, else the link. `link`: only the link. */
export type ConsentChoice = 'admin' | 'user' | 'link';

export interface SetupChoices {
  readonly api: ApiChoice;
  readonly connector: ConnectorChoice;
  readonly consent: ConsentChoice;
  /** Secret lifetime in days (default 180). */
  readonly secretDays: number;
  /** On-behalf-of login (Power Platform `enableOnbehalfOfLogin`). */
  readonly obo: boolean;
  /** The connector's per-connector redirect URL, once known. */
  readonly redirectUrl?: string;
  /** Deploy the connector to Power Platform (environment name; absent: settings.json's, else the default). Absent: not deployed by the setup. */
  readonly deploy?: { readonly environment?: string };
}

export interface CloudEndpoints {
  readonly name: string;
  readonly loginEndpoint: string;
  readonly graphEndpoint: string;
}

/** The checklist's steps, named after what they touch (the API app, …, the App Service / Functions site). */
export const STEP_IDS = ['api', 'connector', 'consent', 'secret', 'properties', 'redirect', 'deploy', 'site'] as const;
export type StepId = (typeof STEP_IDS)[number];

export type StepState = 'pending' | 'running' | 'done' | 'failed' | 'skipped';

export interface StepStatus {
  readonly state: StepState;
  /** A sentence for the checklist (what was done, or why it is pending/skipped). */
  readonly detail?: string;
  readonly error?: DirectoryError;
}

/** Directory objects the setup uses. `created` says whether this setup made it (and undo may remove it). */
export interface ObjectRef {
  readonly id: string;
  readonly created: boolean;
}

export interface AppRef extends ObjectRef {
  readonly appId: string;
  readonly displayName?: string;
}

export interface SetupObjects {
  apiApp?: AppRef & { identifierUri?: string; scopeIds: string[]; scopeValues: string[]; resourceUri: string; /** Its access tokens' version (null → 1). */ tokenVersion?: 1 | 2 };
  apiSp?: ObjectRef;
  connectorApp?: AppRef & { signInAudience?: string; redirectUris?: string[] };
  connectorSp?: ObjectRef;
  grant?: ObjectRef & { consentType: 'AllPrincipals' | 'Principal'; scope: string };
  /** The password this setup added: id and expiry only; the value is in secret storage. */
  password?: { keyId: string; endDateTime: string; displayName: string; created: boolean };
  /**
   * Passwords this setup added before and a changed answer replaces (another lifetime): removed from the connector app
   * (`appObjectId`) once the new one is stored — never before, so the connector always has a working secret.
   */
  replacedPasswords?: { appObjectId: string; keyId: string; endDateTime: string }[];
  /**
   * Delegated grants this setup created before and a changed consent answer replaces (whole tenant ↔ your account):
   * deleted once the new grant is in place — never before, so sign-ins keep working — and by Undo.
   */
  replacedGrants?: { id: string; consentType: 'AllPrincipals' | 'Principal' }[];
  /**
   * On-behalf-of: the connector app has its own Application ID URI and scope, and Azure API Connections is
   * pre-authorized for that scope.
   */
  oboPreauthorized?: boolean;
  /** Redirect URI registered on the connector app. */
  redirectUri?: string;
  /** The connector deployed to Power Platform by the deploy step (no secret). */
  deployment?: { connectorId: string; environment: string; redirectUrl?: string; created: boolean };
  /** Set when the user may not grant: the link an administrator opens. */
  adminConsentUrl?: string;
  /** The values the setup changed in the connector files, with their values before (what Undo may restore; no secret). */
  files?: FileRecord[];
}

/** Write-ahead markers saved before a POST that cannot be upserted, so a resumed run reconciles first. */
export interface SetupIntents {
  /** displayName of the password being added. */
  passwordMarker?: string;
  grant?: boolean;
}

export interface SetupContext {
  readonly version: typeof CONTEXT_VERSION;
  /**
   * Random identity of this connector's setup, stored with it: part of the apps' uniqueNames (two folders with the
   * same name, or two teams, never share apps), in the marker tag on the apps it makes, and on the password it adds.
   */
  readonly runId: string;
  /** Absolute path of the connector folder (holding apiProperties.json). */
  readonly connectorDir: string;
  readonly cloud: CloudEndpoints;
  readonly tenantId: string;
  readonly choices: SetupChoices;
  /** Stable per connector setup (tenant, folder name and `runId`): `entra-connector-<hash>-api` / `-client`. */
  readonly uniqueNames: { readonly api: string; readonly client: string };
  objects: SetupObjects;
  intents: SetupIntents;
  steps: Record<StepId, StepStatus>;
}

export { DEFAULT_SCOPE, DEFAULT_SECRET_DAYS } from './defaults';

function stableHash(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 20);
}

/**
 * `uniqueName`s for the two apps of one setup. The setup's random identity is part of them: runs of the same setup
 * (a retry, a resumed run) converge on the same apps, while another folder with the same name gets its own.
 */
export function uniqueNamesFor(connectorFolderName: string, tenantId: string, setupId: string): { api: string; client: string } {
  const h = stableHash(tenantId.toLowerCase(), connectorFolderName.trim().toLowerCase(), setupId);
  return { api: `entra-connector-${h}-api`, client: `entra-connector-${h}-client` };
}

/**
 * The uniqueNames that setups made before the setup identity was part of them (tenant and folder name only). A saved
 * context that records them is still this tool's own and resumes with them.
 */
export function legacyUniqueNamesFor(connectorFolderName: string, tenantId: string): { api: string; client: string } {
  const h = stableHash(tenantId.toLowerCase(), connectorFolderName.trim().toLowerCase());
  return { api: `entra-connector-${h}-api`, client: `entra-connector-${h}-client` };
}

/** The tag this setup puts on the apps it makes; an app with its uniqueName but without this tag is someone else's. */
export function setupMarker(ctx: Pick<SetupContext, 'runId'>): string {
  return `EntraConnectorSetup:${ctx.runId}`;
}

/** A GUID derived from a name, so a re-sent app body carries the same scope id (changing it needs two PATCHes). */
export function stableGuid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\n')).digest('hex');
  const variant = ((parseInt(h[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface NewContextOptions {
  readonly connectorDir: string;
  readonly cloud: CloudEndpoints;
  readonly tenantId: string;
  readonly choices: SetupChoices;
  readonly runId?: string;
}

/** Version 1 names of what version 2 renamed: steps and the API app's choice named "service", the site's step "cors". */
const V1_STEPS: Readonly<Record<string, StepId>> = { service: 'api', cors: 'site' };

/**
 * A saved context (a CLI state file, the extension's workspaceState) in today's shape: version 1 with its renamed
 * keys moved (`steps.service` → `steps.api`, `steps.cors` → `steps.site`, `choices.service` → `choices.api`);
 * anything else as it is, for the caller's own checks.
 */
export function upgradeContext(saved: unknown): unknown {
  if (typeof saved !== 'object' || saved === null || (saved as { version?: unknown }).version !== 1) return saved;
  const v1 = saved as { steps?: unknown; choices?: unknown };
  const rename = (o: unknown, names: Readonly<Record<string, string>>) =>
    typeof o === 'object' && o !== null ? Object.fromEntries(Object.entries(o).map(([k, v]) => [names[k] ?? k, v])) : o;
  return { ...v1, version: CONTEXT_VERSION, steps: rename(v1.steps, V1_STEPS), choices: rename(v1.choices, { service: 'api' }) };
}

/** A context saved before a step existed (e.g. `deploy`) gets that step as pending. */
export function withAllSteps<T extends Pick<SetupContext, 'steps'>>(ctx: T): T {
  for (const id of STEP_IDS) ctx.steps[id] ??= { state: 'pending' };
  return ctx;
}

export function createContext(options: NewContextOptions): SetupContext {
  const folder = options.connectorDir.replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? options.connectorDir;
  const steps = Object.fromEntries(STEP_IDS.map((id) => [id, { state: 'pending' } as StepStatus])) as Record<StepId, StepStatus>;
  const runId = options.runId ?? randomUUID();
  return {
    version: CONTEXT_VERSION,
    runId,
    connectorDir: options.connectorDir,
    cloud: options.cloud,
    tenantId: options.tenantId,
    choices: options.choices,
    uniqueNames: uniqueNamesFor(folder, options.tenantId, runId),
    objects: {},
    intents: {},
    steps,
  };
}

/** The folder name, used as the default display name of the apps. */
export function connectorName(ctx: Pick<SetupContext, 'connectorDir'>): string {
  return ctx.connectorDir.replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? 'Connector';
}

/** The Application ID URI the API app gets for the choice (`undefined` for `appId` until the app exists). */
export function identifierUriFor(choice: IdentifierUriChoice, tenantId: string, name: string, appId?: string): string | undefined {
  if (choice.kind === 'custom') return choice.uri;
  if (choice.kind === 'tenant') return `api://${tenantId}/${slug(name)}`;
  return appId ? `api://${appId}` : undefined;
}

export function slug(name: string): string {
  return (
    name
      .trim()
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'api'
  );
}

/**
 * Whether a saved context can be resumed for these options: same folder, tenant and cloud. Choices may differ
 * (the user went Back and changed an answer) — then the caller starts the affected steps again.
 */
export function sameTarget(saved: SetupContext, options: Pick<NewContextOptions, 'connectorDir' | 'tenantId' | 'cloud'>): boolean {
  return (
    saved.version === CONTEXT_VERSION &&
    saved.connectorDir === options.connectorDir &&
    saved.tenantId.toLowerCase() === options.tenantId.toLowerCase() &&
    saved.cloud.graphEndpoint === options.cloud.graphEndpoint
  );
}
