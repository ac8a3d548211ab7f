import * as vscode from 'vscode';
import { parseAuthSettings, type AuthSettings } from '../../auth/settings';
import { resolveCloud, type Cloud } from '../../cloud/clouds';

export { settingsKey, type AuthSettings } from '../../auth/settings';

/**
 * A setting from the user's own settings (or its default), never from a workspace or folder: a cloned repository's
 * `.vscode/settings.json` must not decide where tokens are sent, which client signs in, or whether the setup asks
 * before writing. package.json declares these settings `application`-scoped; this also ignores a workspace value
 * that an older VS Code or a hand-edited file still carries.
 */
export function userSetting<T>(key: string): T | undefined {
  const inspected = vscode.workspace.getConfiguration('entraConnector').inspect<T>(key);
  return inspected?.globalValue ?? inspected?.defaultValue;
}

/** Reads and validates the sign-in settings; throws a setting failure naming the setting to fix. */
export function readAuthSettings(): AuthSettings {
  return parseAuthSettings({
    cloud: userSetting('cloud'),
    customCloud: userSetting('customCloud'),
    clientId: userSetting('signIn.clientId'),
    tenant: userSetting('signIn.tenant'),
  });
}

/** The configured cloud from the user's settings; throws a setting failure naming the setting to fix. */
export function readCloud(): Cloud {
  return resolveCloud(userSetting('cloud'), userSetting('customCloud'));
}
