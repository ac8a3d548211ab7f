import * as vscode from 'vscode';
import { CloudConfigError, resolveCloud, type Cloud } from '../../cloud/clouds';

/** Microsoft Graph Command Line Tools: Microsoft's public client for delegated directory management (DOMAIN.md §6). */
export const DEFAULT_CLIENT_ID = '14d82eec-204b-4c2f-b7e8-296a70dab67e';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface AuthSettings {
  readonly cloud: Cloud;
  readonly clientId: string;
  readonly tenant: string;
}

/** Reads and validates the sign-in settings; throws a CloudConfigError naming the setting to fix. */
export function readAuthSettings(): AuthSettings {
  const config = vscode.workspace.getConfiguration('entraConnector');
  const cloud = resolveCloud(config.get<string>('cloud'), config.get<Record<string, unknown>>('customCloud'));
  const clientId = (config.get<string>('signIn.clientId') ?? '').trim() || DEFAULT_CLIENT_ID;
  if (!GUID.test(clientId)) {
    throw new CloudConfigError(`entraConnector.signIn.clientId "${clientId}" is not an application (client) ID. Give a GUID, or clear the setting to use the default.`, 'entraConnector.signIn.clientId');
  }
  const tenant = (config.get<string>('signIn.tenant') ?? '').trim() || 'organizations';
  if (!/^[A-Za-z0-9.-]+$/.test(tenant)) {
    throw new CloudConfigError(`entraConnector.signIn.tenant "${tenant}" is not a tenant ID, domain, "organizations" or "common".`, 'entraConnector.signIn.tenant');
  }
  return { cloud, clientId, tenant };
}

/** Identifies the token cache that settings point to: changing cloud endpoints or client ID means another cache. */
export function settingsKey(s: AuthSettings): string {
  return JSON.stringify([s.cloud.name, s.cloud.loginEndpoint, s.cloud.graphEndpoint, s.clientId, s.tenant]);
}
