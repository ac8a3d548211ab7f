// Public types of the emulated tenant.
import type { ArmSeed } from './arm';
import type { PowerPlatformSeed } from './powerplatform';

/** A seeded user. `roles` are Entra directory role names. */
export interface Account {
  id: string;
  username: string;
  displayName: string;
  roles: string[];
}

/** Tenant-wide policies that change what Graph accepts. */
export interface TenantPolicy {
  /** "Users can register applications" (Entra user settings). */
  usersCanRegisterApps: boolean;
  /** App management policy: password credentials may be added. */
  secretsAllowed: boolean;
  /** App management policy: maximum secret lifetime in days (null = no limit). */
  maxSecretLifetimeDays: number | null;
  /** App management policy `identifierUriConfiguration.nonDefaultUriAddition`: when true only `api://{appId}` or `api://{tenantId}/{appId}` may be added. */
  nonDefaultUriAddition: boolean;
}

export type DirectoryObject = Record<string, unknown> & { id: string };

export interface SeedObjects {
  applications?: Record<string, unknown>[];
  servicePrincipals?: Record<string, unknown>[];
  oauth2PermissionGrants?: Record<string, unknown>[];
  /** Username of the owner given to every seeded application and service principal. */
  owner?: string;
}

export interface SeedOptions {
  tenantId?: string;
  /** Replace the default accounts (admin@contoso.example, maker@contoso.example). */
  accounts?: { username: string; displayName?: string; roles?: string[] }[];
  policy?: Partial<TenantPolicy>;
  /** Add N plain application objects (fast; for benchmarks). */
  extraApps?: number;
  /**
   * Delegated Microsoft Graph scopes an administrator has already consented tenant-wide for the default public
   * client "Microsoft Graph Command Line Tools" (14d82eec-…). Default: User.Read, Application.ReadWrite.All,
   * DelegatedPermissionGrant.ReadWrite.All. Pass [] for a tenant where nobody consented yet.
   */
  cliTenantConsent?: string[];
  objects?: SeedObjects;
  /** Azure Resource Manager: subscriptions, sites, role assignments (default: see arm/index.ts DEFAULT_ARM_SEED). */
  arm?: ArmSeed;
  /** Power Platform environments (default: a default environment for everyone and one named for admin@ only). */
  powerPlatform?: PowerPlatformSeed;
}

export type FaultKind = 'throttle' | 'unavailable' | 'resetAfterCommit' | 'expireToken' | 'latency';

export interface FaultRule {
  match?: {
    /** HTTP method, or "WRITE" for POST/PUT/PATCH/DELETE. */
    method?: string;
    /** Regular expression tested against the service path, e.g. "^/v1.0/applications$" (graph) or "/oauth2/v2.0/token$" (login). */
    path?: string;
    /** Default: graph and arm (sign-in requests are only matched when `service` is `login`). */
    service?: 'graph' | 'login' | 'arm' | 'powerplatform';
  };
  fault: FaultKind;
  /** How many matching requests get the fault (default: all). */
  times?: number;
  /** Let the first N matching requests through untouched. */
  afterN?: number;
  /** Seconds for the Retry-After header (throttle, unavailable). Default 1. */
  retryAfter?: number;
  /** Extra delay for the "latency" fault. */
  ms?: number;
}

export interface Faults {
  /** Delay added to every request (ms). */
  latencyMs?: number;
  /** New directory objects stay invisible to reads and patches for this long (ms). */
  replicationLagMs?: number;
  /** Lifetime of issued access tokens (seconds, default 3600). */
  tokenLifetimeSeconds?: number;
  rules?: FaultRule[];
}

export interface EmulatorOptions {
  host?: string;
  port?: number;
  latencyMs?: number;
  faults?: Faults;
  seed?: SeedOptions;
  /** Folder holding the CA and server certificate (default `.emulator/` at the repo root). */
  certDir?: string;
  /** Largest accepted request body in bytes (default 4 MiB). */
  maxBodyBytes?: number;
  /** Device-code polling interval told to clients (seconds, default 1). */
  deviceCodeIntervalSeconds?: number;
}

export interface Endpoints {
  loginEndpoint: string;
  graphEndpoint: string;
  armEndpoint: string;
  adminEndpoint: string;
  /** Random per start: every admin call sends `Authorization: Bearer <adminToken>`. */
  adminToken: string;
  /** Stands in for https://api.powerapps.com (same paths below it). */
  powerAppsEndpoint: string;
  /** Stands in for https://api.flow.microsoft.com (same paths below it). */
  flowEndpoint: string;
  /** The VM metadata endpoint (IMDS) stand-in, plain HTTP like http://169.254.169.254: set AZURE_POD_IDENTITY_AUTHORITY_HOST to it. */
  imdsEndpoint: string;
  tenantId: string;
  caCertPath: string;
  accounts: { username: string; roles: string[] }[];
}

export interface RecordedRequest {
  seq: number;
  method: string;
  /** Full path with query, as received. */
  url: string;
  service: 'login' | 'graph' | 'arm' | 'admin' | 'powerplatform' | 'other';
  /** The path inside the service (e.g. /v1.0/applications), no query. */
  path: string;
  /** HTTP status, or 0 when the connection was reset. */
  status: number;
  /** Milliseconds (performance.now() of the emulator process). */
  start: number;
  end: number;
  fault?: string;
  /** Requests inside a $batch are recorded with the batch's seq here. */
  batch?: number;
}

export interface RunningEmulator {
  endpoints: Endpoints;
  stop(): Promise<void>;
}
