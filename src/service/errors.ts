/**
 * Azure Resource Manager failures as values: ARM's code, the HTTP status, a sentence with the cause and the next step.
 * A 403 `AuthorizationFailed` names the action refused, the scope, and the built-in role that grants it.
 * Nothing here carries a token or a request body.
 */
import { asAuthFailure } from '../auth/errors';
import { asUserFailure, type UserError } from '../errors';

/**
 * An ARM failure: `code` is ARM's (`AuthorizationFailed`, `ResourceNotFound`…), `NetworkError`, or `SignInRequired`;
 * `requestId` is `x-ms-request-id`. Thrown as a `UserFailure`.
 */
export interface ArmError extends UserError {
  readonly status: number;
  /** For AuthorizationFailed: the action refused and the role that allows it. */
  readonly action?: string;
  readonly scope?: string;
  readonly role?: string;
}

/**
 * The least-privileged built-in role for an action on a site (Azure built-in roles: "Website Contributor" manages
 * web apps — Microsoft.Web/sites/* — without access to the plan; "Reader" only reads).
 */
export function roleFor(action: string): string {
  if (/^Microsoft\.Web\/sites\/.*\/?(write|action)$/i.test(action) || /^Microsoft\.Web\/sites\/write$/i.test(action)) return 'Website Contributor';
  if (/\/read$/i.test(action)) return 'Reader';
  return 'Contributor';
}

const KNOWN: Record<string, (e: { status: number; message: string }) => { message: string; next: string }> = {
  AuthenticationFailed: () => ({ message: 'Azure Resource Manager did not receive a sign-in token.', next: 'Sign in again and retry.' }),
  InvalidAuthenticationToken: (e) => ({ message: `Azure Resource Manager rejected the sign-in token: ${e.message}`, next: 'Sign in again and retry.' }),
  ExpiredAuthenticationToken: () => ({ message: 'The Azure sign-in token has expired.', next: 'Sign in again and retry.' }),
  InvalidAuthenticationTokenAudience: () => ({ message: 'The sign-in token is not for Azure Resource Manager.', next: 'Check that entraConnector.cloud (or customCloud.armEndpoint) names the cloud of your subscription, then sign in again.' }),
  InvalidAuthenticationTokenTenant: () => ({ message: 'The subscription belongs to another tenant than the one you are signed in to.', next: 'Switch to the subscription’s tenant ("Entra Connector: Switch Tenant…") and retry.' }),
  SubscriptionNotFound: (e) => ({ message: e.message, next: 'Pick a subscription from the list, or check the subscription ID in the resource ID.' }),
  ResourceNotFound: (e) => ({ message: e.message, next: 'Check the site’s resource ID (subscription, resource group and name), or pick the site from the list.' }),
  ResourceGroupNotFound: (e) => ({ message: e.message, next: 'Check the resource group in the site’s resource ID.' }),
  Conflict: (e) => ({ message: `Another operation on the site was in progress: ${e.message}`, next: 'Wait a minute and run it again; nothing was half-applied.' }),
  TooManyRequests: () => ({ message: 'Azure Resource Manager is throttling requests from this account.', next: 'Wait a minute and retry.' }),
  BadRequest: (e) => ({ message: `Azure Resource Manager refused the change: ${e.message}`, next: 'Check the values shown in the preview; fix the site settings in the Azure portal if they are inconsistent, then retry.' }),
  InvalidRequestContent: (e) => ({ message: `Azure Resource Manager refused the request: ${e.message}`, next: 'Report this with the request-id; the extension sent a body ARM did not accept.' }),
};

/** Builds the value for an ARM error answer (`{"error":{"code","message"}}`). */
export function armErrorFrom(status: number, body: unknown, requestId: string | undefined): ArmError {
  const err = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const code = typeof err?.code === 'string' ? err.code : `Http${status}`;
  const raw = typeof err?.message === 'string' ? err.message : `Azure Resource Manager answered ${status}.`;
  const base = { code, status, ...(requestId ? { requestId } : {}) };
  if (code === 'AuthorizationFailed' || code === 'LinkedAuthorizationFailed') {
    const action = /perform action '([^']+)'/.exec(raw)?.[1] ?? 'Microsoft.Web/sites/config/write';
    const scope = /over scope '([^']+)'/.exec(raw)?.[1];
    const client = /The client '([^']+)'/.exec(raw)?.[1];
    const role = roleFor(action);
    return {
      ...base,
      action,
      ...(scope ? { scope } : {}),
      role,
      message: `${client ? `${client} is` : 'You are'} not allowed to perform ${action}${scope ? ` on ${scope}` : ''}.`,
      next: `Ask an owner of the subscription to give you the "${role}" role (or Contributor) on the site or its resource group${scope ? ` (${scopeOfSite(scope)})` : ''}, then sign in again and retry.`,
    };
  }
  const known = KNOWN[code] ?? (status === 429 ? KNOWN.TooManyRequests : status === 409 ? KNOWN.Conflict : undefined);
  if (known) return { ...base, ...known({ status, message: raw }) };
  if (status >= 500) return { ...base, message: `Azure Resource Manager failed (${status} ${code}): ${raw}`, next: 'Retry in a few minutes; if it persists, quote the request-id to Azure support.' };
  return { ...base, message: `Azure Resource Manager answered ${status} ${code}: ${raw}`, next: 'Check the site and your access in the Azure portal, then retry.' };
}

function scopeOfSite(scope: string): string {
  return scope.replace(/\/config\/[^/]+$/i, '');
}

/** Any error as an ArmError (network failures, sign-in failures, programming errors keep their message). */
export function toArmError(error: unknown): ArmError {
  const signIn = asAuthFailure(error);
  if (signIn) return { code: 'SignInRequired', status: 0, message: signIn.message, next: signIn.next };
  const failure = asUserFailure(error);
  if (failure) return { ...failure.error, status: failure.status ?? 0 };
  const e = error as { message?: string; code?: string } | undefined;
  return { code: e?.code ?? 'Error', status: 0, message: e?.message ?? String(error), next: 'Check your network connection and the armEndpoint setting, then retry.' };
}
