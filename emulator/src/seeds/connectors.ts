// Connectors and their app registrations for the registrations tree's tests: apiProperties.json texts for the
// workspace and the matching objects to seed into the emulated tenant (admin `POST /seed`).
// Used by the unit tests (in-process emulator) and the integration test (inside the extension host).

export const AZURE_API_CONNECTIONS = 'fe053c5f-3692-4f14-aef2-ee34fc081cae';
const DAY = 86_400_000;

/** A deterministic GUID from two numbers (kind, index), so tests can name objects. */
export function guid(kind: number, index: number): string {
  const k = kind.toString(16).padStart(4, '0');
  const i = index.toString(16).padStart(12, '0');
  return `${k}0000-0000-4000-8000-${i}`;
}

export interface SeedConnector {
  /** Folder name in the workspace. */
  readonly name: string;
  readonly clientId: string;
  readonly connectorAppId: string;
  readonly apiAppId: string;
  readonly apiObjectId: string;
  readonly identifierUri: string;
  readonly redirectUrl: string;
  readonly connectorSpId: string;
  readonly apiSpId: string;
  readonly scopeId: string;
  readonly secretKeyId: string;
  /** apiProperties.json text. */
  readonly apiProperties: string;
}

export interface ConnectorSpec {
  readonly name: string;
  /** Register the file's redirect URL on the connector app (default true). */
  readonly redirectRegistered?: boolean;
  /** Days until the connector app's secret expires (default 180). */
  readonly secretDays?: number;
  /** Tenant-wide consent granted (default true). */
  readonly consented?: boolean;
}

export interface TreeSeed {
  readonly connectors: SeedConnector[];
  readonly objects: {
    applications: Record<string, unknown>[];
    servicePrincipals: Record<string, unknown>[];
    oauth2PermissionGrants: Record<string, unknown>[];
    owner: string;
  };
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

/** `index` keeps GUIDs apart when several seeds go into one tenant. */
export function treeSeed(specs: readonly ConnectorSpec[], options: { now?: Date; owner?: string; index?: number } = {}): TreeSeed {
  const now = options.now ?? new Date();
  const base = options.index ?? 0;
  const connectors: SeedConnector[] = [];
  const applications: Record<string, unknown>[] = [];
  const servicePrincipals: Record<string, unknown>[] = [];
  const oauth2PermissionGrants: Record<string, unknown>[] = [];
  specs.forEach((spec, n) => {
    const i = base + n + 1;
    const s = slug(spec.name);
    const c: Omit<SeedConnector, 'apiProperties'> = {
      name: spec.name,
      clientId: guid(0xc1, i),
      connectorAppId: guid(0xc0, i),
      apiAppId: guid(0xa1, i),
      apiObjectId: guid(0xa0, i),
      identifierUri: `api://contoso.example/${s}`,
      redirectUrl: `https://global.consent.azure-apim.net/redirect/${s.replace(/-/g, '-2d')}-5f${i.toString(16).padStart(6, '0')}`,
      connectorSpId: guid(0x5c, i),
      apiSpId: guid(0x5a, i),
      scopeId: guid(0x5e, i),
      secretKeyId: guid(0x6e, i),
    };
    const apiProperties = `${JSON.stringify(
      {
        properties: {
          connectionParameters: {
            token: {
              type: 'oauthSetting',
              oAuthSettings: {
                identityProvider: 'aad',
                clientId: c.clientId,
                scopes: [],
                redirectMode: 'GlobalPerConnector',
                redirectUrl: c.redirectUrl,
                properties: { IsFirstParty: 'False', AzureActiveDirectoryResourceId: c.identifierUri, IsOnbehalfofLoginSupported: true },
                customParameters: {
                  loginUri: { value: 'https://login.microsoftonline.com' },
                  tenantId: { value: 'common' },
                  resourceUri: { value: c.identifierUri },
                  enableOnbehalfOfLogin: { value: 'false' },
                },
              },
            },
          },
          publisher: 'Contoso',
          stackOwner: 'Contoso',
        },
      },
      null,
      2,
    )}\n`;
    connectors.push({ ...c, apiProperties });
    applications.push({
      id: c.apiObjectId,
      appId: c.apiAppId,
      displayName: `${spec.name} API`,
      identifierUris: [c.identifierUri],
      api: {
        requestedAccessTokenVersion: 2,
        oauth2PermissionScopes: [
          { id: c.scopeId, value: 'user_impersonation', type: 'User', isEnabled: true, adminConsentDisplayName: `Access ${spec.name}`, adminConsentDescription: `Access ${spec.name} as the signed-in user.`, userConsentDisplayName: `Access ${spec.name}`, userConsentDescription: `Access ${spec.name} as you.` },
        ],
        preAuthorizedApplications: [{ appId: AZURE_API_CONNECTIONS, delegatedPermissionIds: [c.scopeId] }],
        knownClientApplications: [],
        acceptMappedClaims: null,
      },
    });
    applications.push({
      id: c.connectorAppId,
      appId: c.clientId,
      displayName: `${spec.name} connector`,
      web: { redirectUris: spec.redirectRegistered === false ? [] : [c.redirectUrl], homePageUrl: null, logoutUrl: null, implicitGrantSettings: { enableAccessTokenIssuance: false, enableIdTokenIssuance: false }, redirectUriSettings: [] },
      requiredResourceAccess: [{ resourceAppId: c.apiAppId, resourceAccess: [{ id: c.scopeId, type: 'Scope' }] }],
      passwordCredentials: [
        {
          keyId: c.secretKeyId,
          displayName: 'Entra Connector',
          hint: 'sEd',
          startDateTime: new Date(now.getTime() - 10 * DAY).toISOString(),
          endDateTime: new Date(now.getTime() + (spec.secretDays ?? 180) * DAY + 3_600_000).toISOString(),
          customKeyIdentifier: null,
          secretText: null,
        },
      ],
    });
    servicePrincipals.push({ id: c.apiSpId, appId: c.apiAppId }, { id: c.connectorSpId, appId: c.clientId });
    if (spec.consented !== false) {
      oauth2PermissionGrants.push({ id: `grant-${s}-${i}`, clientId: c.connectorSpId, resourceId: c.apiSpId, consentType: 'AllPrincipals', principalId: null, scope: 'user_impersonation' });
    }
  });
  return { connectors, objects: { applications, servicePrincipals, oauth2PermissionGrants, owner: options.owner ?? 'admin@contoso.example' } };
}

/** The three connectors of the proof: healthy, missing redirect URI, secret expiring in 5 days. */
export const THREE_STATES: readonly ConnectorSpec[] = [
  { name: 'Healthy Invoices' },
  { name: 'Missing Redirect' },
  { name: 'Expiring Secret', secretDays: 5 },
].map((s) => (s.name === 'Missing Redirect' ? { ...s, redirectRegistered: false } : s));
