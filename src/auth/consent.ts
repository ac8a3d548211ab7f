import type { Cloud } from '../cloud/clouds';
import { graphPermissionName } from '../cloud/clouds';

/** Azure Resource Manager's only delegated permission, named as the consent screen names it. */
const ARM_PERMISSION = 'Azure Resource Manager user_impersonation';
const WHY_ARM =
  "to read your App Service or Function App and turn on its Microsoft Entra authentication and the CORS origins Power Platform needs (only what your Azure role already allows)";

/** Why the extension asks for each delegated Microsoft Graph permission — shown before the consent screen. */
const WHY: Readonly<Record<string, string>> = {
  'User.Read': 'to show who is signed in and which tenant you are working in',
  'Application.ReadWrite.All': 'to register the API and connector apps, create their service principals and add the connector\'s client secret',
  'DelegatedPermissionGrant.ReadWrite.All': 'to grant the connector app delegated access to the API (the consent Power Platform needs); Application.ReadWrite.All does not cover grants',
  [ARM_PERMISSION]: WHY_ARM,
  'Power Platform (PowerApps Service)': 'to create or update the custom connector in your Power Platform environment (what paconn does)',
};

/** The permissions a first sign-in asks for; everything else is asked for when a step needs it. */
export const SIGN_IN_SCOPES: readonly string[] = ['User.Read'];

/** `otherClient`: another Microsoft client signs the same account in for another resource (src/auth/tokens.ts). */
export type ConsentReason = 'newPermission' | 'sessionExpired' | 'otherClient';

export interface ConsentRequest {
  /** Resource-qualified scopes being requested. */
  readonly scopes: readonly string[];
  /** Short permission names, e.g. `Application.ReadWrite.All`. */
  readonly permissions: readonly string[];
  /** One sentence per permission saying why it is needed. */
  readonly explanation: string;
  readonly reason: ConsentReason;
  readonly account: string;
  /** The client that signs in, and why that one (reason `otherClient`). */
  readonly client?: { readonly clientId: string; readonly name: string; readonly why: string };
}

export type InteractiveMethod = 'browser' | 'deviceCode';

/**
 * Asks the user before an interactive step: explains why, and runs `proceed` (with the method the user picked and a
 * cancellation signal) when they agree. Resolves undefined when the user declines.
 */
export interface ConsentPrompter {
  requestConsent<T>(request: ConsentRequest, proceed: (method: InteractiveMethod, signal: AbortSignal) => Promise<T>): Promise<T | undefined>;
}

const POWER_PLATFORM_PERMISSION = 'Power Platform (PowerApps Service)';

function permissionName(cloud: Cloud, scope: string): string {
  const arm = `${cloud.armEndpoint.replace(/\/+$/, '')}/user_impersonation`;
  if (scope.toLowerCase().startsWith('https://service.powerapps.com/')) return POWER_PLATFORM_PERMISSION;
  return scope === arm || scope === 'https://management.azure.com/user_impersonation' ? ARM_PERMISSION : graphPermissionName(cloud, scope);
}

export function explainScopes(cloud: Cloud, scopes: readonly string[]): { permissions: string[]; explanation: string } {
  const permissions = scopes.map((s) => permissionName(cloud, s)).filter((p) => !['openid', 'profile', 'offline_access', 'email'].includes(p));
  const explanation = permissions.map((p) => `${p}: ${WHY[p] ?? 'needed by the step you started'}.`).join(' ');
  return { permissions, explanation };
}
