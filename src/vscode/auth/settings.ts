import * as vscode from 'vscode';
import { parseAuthSettings, type AuthSettings } from '../../auth/settings';

export { settingsKey, type AuthSettings } from '../../auth/settings';

/** Reads and validates the sign-in settings; throws a setting failure naming the setting to fix. */
export function readAuthSettings(): AuthSettings {
  const config = vscode.workspace.getConfiguration('entraConnector');
  return parseAuthSettings({
    cloud: config.get('cloud'),
    customCloud: config.get('customCloud'),
    clientId: config.get('signIn.clientId'),
    tenant: config.get('signIn.tenant'),
  });
}
