import { resolveCloud, settingFailure, type Cloud, type CustomCloudSettings } from '../cloud/clouds';

/** Microsoft Graph Command Line Tools: Microsoft's public client for delegated directory management (the app the Microsoft Graph PowerShell SDK signs in with; https://learn.microsoft.com/powershell/microsoftgraph/authentication-commands). */
export const DEFAULT_CLIENT_ID = '14d82eec-204b-4c2f-b7e8-296a70dab67e';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TENANT = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;

export interface AuthSettings {
  readonly cloud: Cloud;
  readonly clientId: string;
  readonly tenant: string;
}

/** The raw values of `entraConnector.cloud`, `.customCloud`, `.signIn.clientId` and `.signIn.tenant`. */
export interface RawAuthSettings {
  readonly cloud?: unknown;
  readonly customCloud?: CustomCloudSettings | null;
  readonly clientId?: unknown;
  readonly tenant?: unknown;
}

/** A tenant ID, a verified domain, `organizations` or `common`: what the extension's setting and the CLI's --tenant accept. */
export function isValidTenant(tenant: string): boolean {
  return TENANT.test(tenant);
}

/** Validates the sign-in settings; throws a setting failure naming the setting to fix. Empty values mean the default. */
export function parseAuthSettings(raw: RawAuthSettings): AuthSettings {
  const cloud = resolveCloud(raw.cloud, raw.customCloud);
  const clientId = (typeof raw.clientId === 'string' ? raw.clientId.trim() : '') || DEFAULT_CLIENT_ID;
  if (!GUID.test(clientId)) {
    throw settingFailure('entraConnector.signIn.clientId', `entraConnector.signIn.clientId "${clientId}" is not an application (client) ID.`, `Give the GUID of a public client app, or clear the setting to use the default.`);
  }
  const tenant = (typeof raw.tenant === 'string' ? raw.tenant.trim() : '') || 'organizations';
  if (!TENANT.test(tenant)) {
    throw settingFailure('entraConnector.signIn.tenant', `entraConnector.signIn.tenant "${tenant}" is not a tenant ID, a domain, "organizations" or "common".`, 'Give a tenant ID or a verified domain, or clear the setting to use "organizations".');
  }
  return { cloud, clientId, tenant };
}

/** Identifies the token cache and client that settings point to: other endpoints, client ID or tenant mean another. */
export function settingsKey(s: AuthSettings): string {
  return JSON.stringify([s.cloud.name, s.cloud.loginEndpoint, s.cloud.graphEndpoint, s.clientId, s.tenant]);
}
