// The emulated tenant's directory: users, applications, service principals, delegated permission grants.
// Consent is modelled the way Entra stores it: as oauth2PermissionGrant objects.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Account, DirectoryObject, SeedOptions, TenantPolicy } from './types';
import { graphAppRoles, secretHash } from './workload';

export const DEFAULT_TENANT_ID = 'c0ffee00-7e57-4a11-9e55-000000c0ffee';
export const TENANT_DOMAIN = 'contoso.example';

export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
export const ARM_APP_ID = '797f4846-ba00-4fd7-ba43-dac1f8f63013';
export const ARM_RESOURCE = 'https://management.azure.com';
export const CLI_CLIENT_ID = '14d82eec-204b-4c2f-b7e8-296a70dab67e';
export const API_CONNECTIONS_APP_ID = 'fe053c5f-3692-4f14-aef2-ee34fc081cae';
/** The connector runtime's resource (API Hub), served by the Azure API Connections principal. */
export const API_HUB_RESOURCE = 'https://apihub.azure.com';
/** Power Platform's API ("PowerApps Service"): what paconn asks the Azure CLI client for. */
export const POWER_PLATFORM_APP_ID = '475226c6-020e-4fb2-8a90-7a972cbfc1d4';
export const POWER_PLATFORM_RESOURCE = 'https://service.powerapps.com';
export const AZURE_CLI_CLIENT_ID = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
export const AZURE_POWERSHELL_CLIENT_ID = '1950a258-227b-4e31-a9cf-717495945fc2';
export const VSCODE_CLIENT_ID = 'aebc6443-996d-45c2-90f0-388ff96faa56';
/** The tenant Microsoft's own applications live in (`appOwnerOrganizationId` of first-party service principals). */
export const MICROSOFT_TENANT_ID = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';

/**
 * Microsoft's first-party public clients, present in every tenant, with what each is pre-authorized for on
 * Microsoft's own resources (resource appId → delegated scope values). A first-party client gets a first-party
 * resource only through pre-authorization (AADSTS65002 otherwise), except where `dynamicConsent` lists the resource:
 * there it asks for consent like any other app. Sources and the strict choices: emulator/README.md.
 */
export interface FirstPartyClient {
  appId: string;
  name: string;
  preAuthorized: Record<string, string[]>;
  dynamicConsent: string[];
}

export const FIRST_PARTY_CLIENTS: readonly FirstPartyClient[] = [
  {
    appId: AZURE_CLI_CLIENT_ID,
    name: 'Microsoft Azure CLI',
    preAuthorized: {
      [ARM_APP_ID]: ['user_impersonation'],
      [POWER_PLATFORM_APP_ID]: ['user_impersonation'],
      // The connector runtime (API Hub): `az account get-access-token --resource https://apihub.azure.com` works.
      [API_CONNECTIONS_APP_ID]: ['user_impersonation'],
      [GRAPH_APP_ID]: ['AuditLog.Read.All', 'Directory.AccessAsUser.All', 'Group.ReadWrite.All', 'User.ReadWrite.All'],
    },
    dynamicConsent: [],
  },
  {
    appId: AZURE_POWERSHELL_CLIENT_ID,
    name: 'Microsoft Azure PowerShell',
    preAuthorized: { [ARM_APP_ID]: ['user_impersonation'] },
    dynamicConsent: [],
  },
  {
    appId: VSCODE_CLIENT_ID,
    name: 'Visual Studio Code',
    preAuthorized: { [ARM_APP_ID]: ['user_impersonation'], [GRAPH_APP_ID]: ['User.Read'] },
    dynamicConsent: [],
  },
  {
    appId: CLI_CLIENT_ID,
    name: 'Microsoft Graph Command Line Tools',
    preAuthorized: {},
    dynamicConsent: [GRAPH_APP_ID],
  },
];

export function firstPartyClient(appId: string): FirstPartyClient | undefined {
  return FIRST_PARTY_CLIENTS.find((c) => c.appId === appId);
}
export const POWER_APPS_APP_ID = POWER_PLATFORM_APP_ID;
/** The audience of Power Apps tokens (with its trailing slash, as Entra issues it). */
export const POWER_APPS_RESOURCE = `${POWER_PLATFORM_RESOURCE}/`;

/** Directory roles that may register apps regardless of the user setting, and that may consent tenant-wide. */
export const APP_ADMIN_ROLES = ['Global Administrator', 'Application Administrator', 'Cloud Application Administrator'];
export const APP_REGISTER_ROLES = [...APP_ADMIN_ROLES, 'Application Developer'];

interface ScopeDef {
  value: string;
  id: string;
  admin: boolean;
  description: string;
}

/** Delegated Microsoft Graph permissions with their real ids. */
export const GRAPH_SCOPES: ScopeDef[] = [
  { value: 'User.Read', id: 'e1fe6dd8-ba31-4d61-89e7-88639da4683d', admin: false, description: 'Sign in and read user profile' },
  { value: 'User.ReadBasic.All', id: 'b340eb25-3456-403f-be2f-af7a0d370277', admin: false, description: 'Read all users\' basic profiles' },
  { value: 'openid', id: '37f7f235-527c-4136-accd-4a02d197296e', admin: false, description: 'Sign users in' },
  { value: 'profile', id: '14dad69e-099b-42c9-810b-d002981feec1', admin: false, description: 'View users\' basic profile' },
  { value: 'email', id: '64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0', admin: false, description: 'View users\' email address' },
  { value: 'offline_access', id: '7427e0e9-2fba-42fe-b0c0-848c9e6a8182', admin: false, description: 'Maintain access to data you have given it access to' },
  { value: 'Application.Read.All', id: 'c79f8feb-a9db-4090-85f9-90d820caa0eb', admin: true, description: 'Read applications' },
  { value: 'Application.ReadWrite.All', id: 'bdfbf15f-ee85-4955-8675-146e8e5296b5', admin: true, description: 'Read and write all applications' },
  { value: 'DelegatedPermissionGrant.ReadWrite.All', id: '41ce6ca6-6826-4807-84f1-1c82854f7ee5', admin: true, description: 'Manage all delegated permission grants' },
  { value: 'Directory.Read.All', id: '06da0dbc-49e2-44d2-8312-53f166ab848a', admin: true, description: 'Read directory data' },
  { value: 'Directory.ReadWrite.All', id: 'c5366453-9fb0-48a5-a156-24f0c49a4b84', admin: true, description: 'Read and write directory data' },
  { value: 'AppRoleAssignment.ReadWrite.All', id: '84bccea3-f856-4a8a-967b-dbe0a3d53a64', admin: true, description: 'Manage app permission grants and app role assignments' },
  { value: 'Organization.Read.All', id: '4908d5b9-3fb2-4b1e-9336-1888b7937185', admin: true, description: 'Read organization information' },
  { value: 'Directory.AccessAsUser.All', id: '0e263e50-5827-48a4-b97c-d940288653c7', admin: true, description: 'Access directory as the signed in user' },
  { value: 'Group.ReadWrite.All', id: '4e46008b-f24c-477d-8fff-7bb4ec7aafe0', admin: true, description: 'Read and write all groups' },
  { value: 'User.ReadWrite.All', id: '204e0828-b5ca-4ad8-b9f3-f32a958e7cc4', admin: true, description: 'Read and write all users\' full profiles' },
  { value: 'AuditLog.Read.All', id: 'e4c9e354-4dc5-45b8-9e7c-e1393b0b1a20', admin: true, description: 'Read audit log data' },
];

const ARM_SCOPES: ScopeDef[] = [
  { value: 'user_impersonation', id: '41094075-9dad-400e-a0bd-54e686782033', admin: false, description: 'Access Azure Service Management as organization users' },
];

// The scope id is not published by Microsoft in a source we found: a fixed GUID stands in for it.
const POWER_PLATFORM_SCOPES: ScopeDef[] = [
  { value: 'user_impersonation', id: '0eb56b90-a7b5-4bc5-a2fd-4b6a1f4bb3c6', admin: false, description: 'Access the PowerApps Service API' },
];

const API_HUB_SCOPES: ScopeDef[] = [
  { value: 'user_impersonation', id: '4c8ff8c3-6c55-4b57-9cd1-4e2a1b3ae0a2', admin: false, description: 'Access the connections of Power Platform' },
];

export const DEFAULT_POLICY: TenantPolicy = {
  usersCanRegisterApps: true,
  secretsAllowed: true,
  maxSecretLifetimeDays: null,
  nonDefaultUriAddition: false,
};

export const DEFAULT_CLI_CONSENT = ['User.Read', 'Application.ReadWrite.All', 'DelegatedPermissionGrant.ReadWrite.All'];

export function newGrantId(): string {
  return randomBytes(32).toString('base64url').slice(0, 43);
}

function permissionScopes(defs: ScopeDef[]): Record<string, unknown>[] {
  return defs.map((d) => ({
    adminConsentDescription: `Allows the app to ${d.description.toLowerCase()}.`,
    adminConsentDisplayName: d.description,
    id: d.id,
    isEnabled: true,
    type: d.admin ? 'Admin' : 'User',
    userConsentDescription: d.admin ? null : `Allows the app to ${d.description.toLowerCase()} on your behalf.`,
    userConsentDisplayName: d.admin ? null : d.description,
    value: d.value,
  }));
}

export interface ObjectMeta {
  /** performance-independent wall clock of creation (ms since epoch). */
  createdAt: number;
  owners: string[];
}

/** Properties every application gets, with Graph's defaults. */
export function applicationDefaults(): Record<string, unknown> {
  return {
    deletedDateTime: null,
    addIns: [],
    api: { acceptMappedClaims: null, knownClientApplications: [], requestedAccessTokenVersion: null, oauth2PermissionScopes: [], preAuthorizedApplications: [] },
    appRoles: [],
    applicationTemplateId: null,
    certification: null,
    createdDateTime: new Date().toISOString(),
    defaultRedirectUri: null,
    description: null,
    disabledByMicrosoftStatus: null,
    groupMembershipClaims: null,
    identifierUris: [],
    info: { logoUrl: null, marketingUrl: null, privacyStatementUrl: null, supportUrl: null, termsOfServiceUrl: null },
    isDeviceOnlyAuthSupported: null,
    isFallbackPublicClient: null,
    keyCredentials: [],
    notes: null,
    optionalClaims: null,
    parentalControlSettings: { countriesBlockedForMinors: [], legalAgeGroupRule: 'Allow' },
    passwordCredentials: [],
    publicClient: { redirectUris: [] },
    publisherDomain: TENANT_DOMAIN,
    requiredResourceAccess: [],
    samlMetadataUrl: null,
    serviceManagementReference: null,
    signInAudience: 'AzureADMyOrg',
    spa: { redirectUris: [] },
    tags: [],
    tokenEncryptionKeyId: null,
    uniqueName: null,
    verifiedPublisher: { displayName: null, verifiedPublisherId: null, addedDateTime: null },
    web: {
      homePageUrl: null,
      logoutUrl: null,
      redirectUris: [],
      implicitGrantSettings: { enableAccessTokenIssuance: false, enableIdTokenIssuance: false },
      redirectUriSettings: [],
    },
  };
}

export class Directory {
  tenantId: string;
  policy: TenantPolicy;
  users: Account[] = [];
  applications = new Map<string, DirectoryObject>();
  servicePrincipals = new Map<string, DirectoryObject>();
  grants = new Map<string, DirectoryObject>();
  meta = new Map<string, ObjectMeta>();
  /** App role assignments (application permissions): principalId (a service principal) → appRoleId on resourceId. */
  appRoleAssignments = new Map<string, DirectoryObject>();
  /** federatedIdentityCredentials per application object id (a navigation property in Graph, not on the app). */
  federatedCredentials = new Map<string, DirectoryObject[]>();
  /** SHA-256 of each client secret by keyId, so that the token endpoint can check `client_secret`. */
  secretHashes = new Map<string, string>();

  constructor(private readonly seedOptions: SeedOptions = {}) {
    this.tenantId = seedOptions.tenantId ?? DEFAULT_TENANT_ID;
    this.policy = { ...DEFAULT_POLICY, ...(seedOptions.policy ?? {}) };
    this.reset();
  }

  reset(): void {
    const s = this.seedOptions;
    this.policy = { ...DEFAULT_POLICY, ...(s.policy ?? {}) };
    this.applications.clear();
    this.servicePrincipals.clear();
    this.grants.clear();
    this.meta.clear();
    this.appRoleAssignments.clear();
    this.federatedCredentials.clear();
    this.secretHashes.clear();
    const accounts = s.accounts ?? [
      { username: `admin@${TENANT_DOMAIN}`, displayName: 'Adele Admin', roles: ['Application Administrator'] },
      { username: `maker@${TENANT_DOMAIN}`, displayName: 'Megan Maker', roles: [] },
    ];
    this.users = accounts.map((a, i) => ({
      id: `a11ce000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
      username: a.username,
      displayName: a.displayName ?? a.username.split('@')[0]!,
      roles: a.roles ?? [],
    }));
    // First-party service principals (their applications live in Microsoft's tenant).
    const graph = this.addFirstPartySp(GRAPH_APP_ID, 'Microsoft Graph', permissionScopes(GRAPH_SCOPES), [GRAPH_RESOURCE, `${GRAPH_RESOURCE}/`, GRAPH_APP_ID]);
    graph.appRoles = graphAppRoles();
    this.addFirstPartySp(ARM_APP_ID, 'Windows Azure Service Management API', permissionScopes(ARM_SCOPES), [ARM_RESOURCE, `${ARM_RESOURCE}/`, 'https://management.core.windows.net/', ARM_APP_ID]);
    this.addFirstPartySp(POWER_PLATFORM_APP_ID, 'PowerApps Service', permissionScopes(POWER_PLATFORM_SCOPES), [POWER_PLATFORM_RESOURCE, `${POWER_PLATFORM_RESOURCE}/`, POWER_PLATFORM_APP_ID]);
    this.addFirstPartySp(API_CONNECTIONS_APP_ID, 'Azure API Connections', permissionScopes(API_HUB_SCOPES), [API_CONNECTIONS_APP_ID, API_HUB_RESOURCE, `${API_HUB_RESOURCE}/`]);
    for (const c of FIRST_PARTY_CLIENTS) this.addFirstPartySp(c.appId, c.name, [], [c.appId]);
    const cli = this.spByAppId(CLI_CLIENT_ID)!;
    const consent = s.cliTenantConsent ?? DEFAULT_CLI_CONSENT;
    if (consent.length > 0) {
      const graphSp = this.spByAppId(GRAPH_APP_ID)!;
      const id = newGrantId();
      this.grants.set(id, { id, clientId: cli.id, consentType: 'AllPrincipals', principalId: null, resourceId: graphSp.id, scope: consent.join(' ') });
      this.meta.set(id, { createdAt: 0, owners: [] });
    }
    const n = s.extraApps ?? 0;
    const stamp = new Date(Date.UTC(2025, 0, 1)).toISOString();
    for (let i = 0; i < n; i++) {
      const id = randomUUID();
      const app: DirectoryObject = {
        id,
        appId: randomUUID(),
        displayName: `Seeded app ${String(i + 1).padStart(5, '0')}`,
        createdDateTime: stamp,
        identifierUris: [],
        signInAudience: 'AzureADMyOrg',
        publisherDomain: TENANT_DOMAIN,
        passwordCredentials: [],
        keyCredentials: [],
        requiredResourceAccess: [],
        api: { oauth2PermissionScopes: [], preAuthorizedApplications: [], knownClientApplications: [], requestedAccessTokenVersion: null, acceptMappedClaims: null },
        web: { redirectUris: [], homePageUrl: null, logoutUrl: null, implicitGrantSettings: { enableAccessTokenIssuance: false, enableIdTokenIssuance: false }, redirectUriSettings: [] },
        publicClient: { redirectUris: [] },
        spa: { redirectUris: [] },
        tags: [],
        appRoles: [],
        uniqueName: null,
      };
      this.applications.set(id, app);
      this.meta.set(id, { createdAt: 0, owners: [] });
    }
  }

  private addFirstPartySp(appId: string, name: string, scopes: Record<string, unknown>[], names: string[]): DirectoryObject {
    const id = randomUUID();
    const sp: DirectoryObject = {
      id,
      appId,
      appDisplayName: name,
      displayName: name,
      accountEnabled: true,
      appOwnerOrganizationId: MICROSOFT_TENANT_ID,
      appRoleAssignmentRequired: false,
      appRoles: [],
      oauth2PermissionScopes: scopes,
      servicePrincipalNames: names,
      servicePrincipalType: 'Application',
      signInAudience: 'AzureADMultipleOrgs',
      tags: [],
      replyUrls: [],
      keyCredentials: [],
      passwordCredentials: [],
      deletedDateTime: null,
    };
    this.servicePrincipals.set(id, sp);
    this.meta.set(id, { createdAt: 0, owners: [] });
    return sp;
  }

  user(username: string): Account | undefined {
    const u = username.toLowerCase();
    return this.users.find((a) => a.username.toLowerCase() === u);
  }

  userById(id: string): Account | undefined {
    return this.users.find((a) => a.id === id);
  }

  spByAppId(appId: string): DirectoryObject | undefined {
    for (const sp of this.servicePrincipals.values()) if (sp.appId === appId) return sp;
    return undefined;
  }

  appByAppId(appId: string): DirectoryObject | undefined {
    for (const app of this.applications.values()) if (app.appId === appId) return app;
    return undefined;
  }

  /** The service principal for a resource named by appId, an identifier URI or a service principal name. */
  resourceSp(resource: string): DirectoryObject | undefined {
    const r = resource.replace(/\/+$/, '').toLowerCase();
    for (const sp of this.servicePrincipals.values()) {
      if (String(sp.appId).toLowerCase() === r) return sp;
      const names = (sp.servicePrincipalNames as string[] | undefined) ?? [];
      if (names.some((n) => n.replace(/\/+$/, '').toLowerCase() === r)) return sp;
    }
    return undefined;
  }

  /** A service principal of one of Microsoft's own applications (its app lives in Microsoft's tenant). */
  isFirstParty(sp: DirectoryObject): boolean {
    return sp.appOwnerOrganizationId === MICROSOFT_TENANT_ID;
  }

  isAppAdmin(user: Account): boolean {
    return user.roles.some((r) => APP_ADMIN_ROLES.includes(r));
  }

  mayRegisterApps(user: Account): boolean {
    return this.policy.usersCanRegisterApps || user.roles.some((r) => APP_REGISTER_ROLES.includes(r));
  }

  /** Scopes (values) consented for a client on a resource for a user: tenant-wide grants plus the user's own grants. */
  consentedScopes(clientSpId: string, resourceSpId: string, userId: string): Set<string> {
    const out = new Set<string>();
    for (const g of this.grants.values()) {
      if (g.clientId !== clientSpId || g.resourceId !== resourceSpId) continue;
      if (g.consentType === 'AllPrincipals' || (g.consentType === 'Principal' && g.principalId === userId)) {
        for (const s of String(g.scope ?? '').split(' ')) if (s) out.add(s);
      }
    }
    return out;
  }

  /** Checks a confidential client's secret: 'ok', 'expired' (the value matches only expired credentials) or 'invalid'. */
  checkClientSecret(appId: string, secretText: string): 'ok' | 'expired' | 'invalid' {
    const app = this.appByAppId(appId);
    if (!app) return 'invalid';
    const digest = secretHash(secretText);
    const creds = (app.passwordCredentials as { keyId?: string; endDateTime?: string }[] | undefined) ?? [];
    const matching = creds.filter((c) => c.keyId && this.secretHashes.get(c.keyId) === digest);
    if (matching.length === 0) return 'invalid';
    return matching.every((c) => c.endDateTime && new Date(c.endDateTime).getTime() <= Date.now()) ? 'expired' : 'ok';
  }

  /** Records consent as Entra does: creates or extends an oauth2PermissionGrant. */
  addConsent(clientSpId: string, resourceSpId: string, scopes: string[], principalId: string | null): void {
    const consentType = principalId ? 'Principal' : 'AllPrincipals';
    for (const g of this.grants.values()) {
      if (g.clientId === clientSpId && g.resourceId === resourceSpId && g.consentType === consentType && (g.principalId ?? null) === principalId) {
        const have = new Set(String(g.scope ?? '').split(' ').filter(Boolean));
        for (const s of scopes) have.add(s);
        g.scope = [...have].join(' ');
        return;
      }
    }
    const id = newGrantId();
    this.grants.set(id, { id, clientId: clientSpId, consentType, principalId, resourceId: resourceSpId, scope: scopes.join(' ') });
    this.meta.set(id, { createdAt: Date.now(), owners: [] });
  }

  /** Makes sure a client application has a service principal in this tenant (consent creates one in Entra). */
  ensureClientSp(appId: string): DirectoryObject | undefined {
    const sp = this.spByAppId(appId);
    if (sp) return sp;
    const app = this.appByAppId(appId);
    if (!app) return undefined;
    const id = randomUUID();
    const created: DirectoryObject = spFromApp(id, app, this.tenantId);
    this.servicePrincipals.set(id, created);
    this.meta.set(id, { createdAt: 0, owners: [] });
    return created;
  }

  /** The delegated scope definitions a resource service principal publishes. */
  publishedScopes(sp: DirectoryObject): { id: string; value: string; type: string; isEnabled: boolean }[] {
    const own = sp.oauth2PermissionScopes as { id: string; value: string; type: string; isEnabled: boolean }[] | undefined;
    const app = this.appByAppId(String(sp.appId));
    if (app) return ((app.api as { oauth2PermissionScopes?: typeof own } | undefined)?.oauth2PermissionScopes ?? []);
    return own ?? [];
  }
}

export function spFromApp(id: string, app: DirectoryObject, tenantId: string): DirectoryObject {
  const api = (app.api ?? {}) as { oauth2PermissionScopes?: unknown[] };
  return {
    id,
    deletedDateTime: null,
    accountEnabled: true,
    alternativeNames: [],
    appDisplayName: app.displayName ?? null,
    appDescription: null,
    appId: app.appId,
    applicationTemplateId: null,
    appOwnerOrganizationId: tenantId,
    appRoleAssignmentRequired: false,
    appRoles: app.appRoles ?? [],
    description: null,
    disabledByMicrosoftStatus: null,
    displayName: app.displayName ?? null,
    homepage: null,
    loginUrl: null,
    logoutUrl: null,
    notes: null,
    notificationEmailAddresses: [],
    oauth2PermissionScopes: api.oauth2PermissionScopes ?? [],
    preferredSingleSignOnMode: null,
    preferredTokenSigningKeyThumbprint: null,
    replyUrls: ((app.web as { redirectUris?: string[] } | undefined)?.redirectUris ?? []),
    servicePrincipalNames: [String(app.appId), ...(((app.identifierUris as string[] | undefined) ?? []))],
    servicePrincipalType: 'Application',
    signInAudience: app.signInAudience ?? 'AzureADMyOrg',
    tags: [],
    tokenEncryptionKeyId: null,
    keyCredentials: [],
    passwordCredentials: [],
    info: app.info ?? null,
    verifiedPublisher: { displayName: null, verifiedPublisherId: null, addedDateTime: null },
  };
}
