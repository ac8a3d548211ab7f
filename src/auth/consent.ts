import type { Cloud } from '../cloud/clouds';
import { graphPermissionName } from '../cloud/clouds';

/** Why the extension asks for each delegated Microsoft Graph permission — shown before the consent screen. */
const WHY: Readonly<Record<string, string>> = {
  'User.Read': 'to show who is signed in and which tenant you are working in',
  'Application.ReadWrite.All': 'to register the API and connector apps, create their service principals and add the connector\'s client secret',
  'DelegatedPermissionGrant.ReadWrite.All': 'to grant the connector app delegated access to the API (the consent Power Platform needs); Application.ReadWrite.All does not cover grants',
};

/** The permissions a first sign-in asks for; everything else is asked for when a step needs it. */
export const SIGN_IN_SCOPES: readonly string[] = ['User.Read'];

export type ConsentReason = 'newPermission' | 'sessionExpired';

export interface ConsentRequest {
  /** Resource-qualified scopes being requested. */
  readonly scopes: readonly string[];
  /** Short permission names, e.g. `Application.ReadWrite.All`. */
  readonly permissions: readonly string[];
  /** One sentence per permission saying why it is needed. */
  readonly explanation: string;
  readonly reason: ConsentReason;
  readonly account: string;
}

export type InteractiveMethod = 'browser' | 'deviceCode';

/**
 * Asks the user before an interactive step: explains why, and runs `proceed` (with the method the user picked and a
 * cancellation signal) when they agree. Resolves undefined when the user declines.
 */
export interface ConsentPrompter {
  requestConsent<T>(request: ConsentRequest, proceed: (method: InteractiveMethod, signal: AbortSignal) => Promise<T>): Promise<T | undefined>;
}

export function explainScopes(cloud: Cloud, scopes: readonly string[]): { permissions: string[]; explanation: string } {
  const permissions = scopes.map((s) => graphPermissionName(cloud, s)).filter((p) => !['openid', 'profile', 'offline_access', 'email'].includes(p));
  const explanation = permissions.map((p) => `${p}: ${WHY[p] ?? 'needed by the step you started'}.`).join(' ');
  return { permissions, explanation };
}
