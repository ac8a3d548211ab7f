/**
 * Sign-in failures as values the user can act on: one sentence with the cause and one with the next step.
 * Messages never contain a token, a code or a secret — only endpoints, IDs and AADSTS codes.
 */

import { aadstsEntry, aadstsNumber, preAuthorizationParties } from './aadsts';
import { CLIENT_NAMES } from './tokens';

export type AuthFailureKind =
  | 'cancelled'
  | 'notPreAuthorized'
  | 'unreachable'
  | 'untrustedCertificate'
  | 'appNotFound'
  | 'consentRefused'
  | 'sessionExpired'
  | 'blockedByPolicy'
  | 'timedOut'
  | 'notSignedIn'
  | 'configuration'
  | 'other';

export class AuthFailure extends Error {
  constructor(
    readonly kind: AuthFailureKind,
    /** What went wrong, in one sentence. */
    readonly cause_: string,
    /** What the user can do about it. */
    readonly nextStep: string,
    readonly details: { aadsts?: string; adminConsentUrl?: string; setting?: string; endpoint?: string } = {},
  ) {
    super(`${cause_} ${nextStep}`.trim());
    this.name = 'AuthFailure';
  }
}

/** Microsoft resources an AADSTS65002 can name, by appId. */
const RESOURCE_NAMES: Readonly<Record<string, string>> = {
  '00000003-0000-0000-c000-000000000000': 'Microsoft Graph',
  '797f4846-ba00-4fd7-ba43-dac1f8f63013': 'Azure Resource Manager',
  '475226c6-020e-4fb2-8a90-7a972cbfc1d4': 'Power Platform (PowerApps Service)',
};
const CERT_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET', 'EPROTO']);

export interface FailureContext {
  /** The sign-in endpoint (login host) the request went to. */
  readonly loginEndpoint: string;
  readonly clientId: string;
  readonly tenant: string;
  /** Builds the admin-consent link for the scopes that were refused. */
  adminConsentUrl?(): string;
}

interface MsalLikeError {
  errorCode?: unknown;
  errorMessage?: unknown;
  subError?: unknown;
  message?: unknown;
}

/** The AADSTS number in an MSAL/Entra error message, whole, e.g. "700016" (never a prefix of "7000218"). */
export function aadstsCode(text: string): string | undefined {
  return aadstsNumber(text);
}

/** The error code of a Node network error anywhere in an error's cause chain (`ECONNREFUSED`, `SELF_SIGNED_CERT_IN_CHAIN`…). */
export function networkErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (CERT_CODES.has(code) || UNREACHABLE_CODES.has(code))) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** A failure for a network-level error code (from MSAL's request or a probe of the endpoint). */
export function networkFailure(code: string, endpoint: string): AuthFailure {
  const host = safeHost(endpoint);
  if (CERT_CODES.has(code)) {
    return new AuthFailure(
      'untrustedCertificate',
      `The certificate of ${host} is not trusted (${code}).`,
      'If your organisation inspects TLS traffic, install its root certificate in the system store or point NODE_EXTRA_CA_CERTS at it; otherwise check entraConnector.cloud / entraConnector.customCloud.',
      { endpoint: host },
    );
  }
  return new AuthFailure(
    'unreachable',
    `Could not reach the sign-in endpoint ${host} (${code}).`,
    'Check your network or proxy, and that entraConnector.cloud (or entraConnector.customCloud.loginEndpoint) names the right cloud.',
    { endpoint: host },
  );
}

/**
 * Maps an error from MSAL (or from the flows around it) to an AuthFailure. `probe` is consulted for network
 * errors, because MSAL reports them without the underlying cause.
 */
export function toAuthFailure(error: unknown, context: FailureContext, probedCode?: string): AuthFailure {
  if (error instanceof AuthFailure) return error;
  const e = (error ?? {}) as MsalLikeError;
  const errorCode = typeof e.errorCode === 'string' ? e.errorCode : '';
  const subError = typeof e.subError === 'string' ? e.subError : '';
  const text = typeof e.errorMessage === 'string' && e.errorMessage ? e.errorMessage : typeof e.message === 'string' ? e.message : '';
  const aadsts = aadstsCode(text);
  const detail = aadsts ? { aadsts: `AADSTS${aadsts}` } : {};
  const category = aadstsEntry(aadsts)?.category;

  const direct = networkErrorCode(error);
  if (direct) return networkFailure(direct, context.loginEndpoint);
  if (errorCode === 'network_error' || errorCode === 'endpoints_resolution_error' || errorCode === 'openid_config_error') {
    if (probedCode) return networkFailure(probedCode, context.loginEndpoint);
    return new AuthFailure(
      'unreachable',
      `The sign-in endpoint ${safeHost(context.loginEndpoint)} did not answer as a Microsoft Entra sign-in service (${errorCode}).`,
      'Check entraConnector.cloud and entraConnector.customCloud.loginEndpoint, and your network or proxy.',
      { endpoint: safeHost(context.loginEndpoint) },
    );
  }
  if (errorCode === 'user_cancelled' || errorCode === 'device_code_polling_cancelled' || errorCode === 'access_denied' && /cancel/i.test(text)) {
    return new AuthFailure('cancelled', 'Sign-in was cancelled.', 'Run "Entra Connector: Sign In" when you are ready.');
  }
  if (category === 'appNotFound' || errorCode === 'unauthorized_client' && /not found/i.test(text)) {
    return new AuthFailure(
      'appNotFound',
      `The sign-in app ${context.clientId} was not found in tenant "${context.tenant}" (AADSTS700016).`,
      'Check entraConnector.signIn.clientId (clear it to use the default) and entraConnector.signIn.tenant.',
      { ...detail, setting: 'entraConnector.signIn.clientId' },
    );
  }
  if (category === 'preAuthorization') {
    const parties = preAuthorizationParties(text);
    const clientId = parties.clientId ?? context.clientId;
    const client = CLIENT_NAMES[clientId] ? `${CLIENT_NAMES[clientId]} (${clientId})` : clientId;
    const resource = parties.resourceAppId ? (RESOURCE_NAMES[parties.resourceAppId] ?? parties.resourceAppId) : 'this API';
    return new AuthFailure(
      'notPreAuthorized',
      `The sign-in client ${client} is a Microsoft app that is not pre-authorized for ${resource} (AADSTS65002); no consent can fix that.`,
      'Clear entraConnector.signIn.clientId (CLI: leave out --client-id) so Entra Connector reaches Azure Resource Manager and Power Platform through Microsoft Azure CLI and Microsoft Graph through Graph Command Line Tools, or set it to your organisation’s own public client that has these API permissions.',
      { ...detail, setting: 'entraConnector.signIn.clientId' },
    );
  }
  if (category === 'consentRefused' || /user (is )?not allowed|needs? (admin|administrator) (approval|consent)/i.test(text)) {
    const link = context.adminConsentUrl?.();
    const declined = aadsts === '65004';
    return new AuthFailure(
      'consentRefused',
      declined
        ? 'The permissions were not granted: the consent screen was declined (AADSTS65004).'
        : `Your account may not grant these permissions to the sign-in app${aadsts ? ` (AADSTS${aadsts})` : ''}.`,
      `${declined ? 'Run the step again and accept the consent screen; if your account may not grant it, send' : 'Send'} ${link ? 'the admin-consent link' : 'a request for admin consent'} to a Microsoft Entra administrator, then try again.`,
      { ...detail, ...(link ? { adminConsentUrl: link } : {}) },
    );
  }
  if (category === 'blockedByPolicy') {
    return new AuthFailure(
      'blockedByPolicy',
      `A Conditional Access policy of your tenant blocked this sign-in (AADSTS${aadsts}).`,
      'Ask your administrator which app is allowed, then set entraConnector.signIn.clientId to your organisation\'s own public client.',
      { ...detail, setting: 'entraConnector.signIn.clientId' },
    );
  }
  if (
    errorCode === 'invalid_grant' ||
    errorCode === 'interaction_required' ||
    errorCode === 'login_required' ||
    errorCode === 'refresh_token_expired' ||
    errorCode === 'no_tokens_found' ||
    subError === 'bad_token' ||
    category === 'sessionExpired'
  ) {
    return new AuthFailure('sessionExpired', `Your sign-in has expired or is no longer valid${aadsts ? ` (AADSTS${aadsts})` : ''}.`, 'Run "Entra Connector: Sign In" to sign in again.', detail);
  }
  if (errorCode === 'expired_token' || errorCode === 'device_code_expired' || /device code expired/i.test(text)) {
    return new AuthFailure('timedOut', 'The device code expired before the sign-in was completed.', 'Run "Entra Connector: Sign In" again and enter the new code within its time limit.');
  }
  if (errorCode === 'authority_uri_insecure' || errorCode === 'url_parse_error' || errorCode === 'untrusted_authority') {
    return new AuthFailure(
      'configuration',
      `The sign-in endpoint ${safeHost(context.loginEndpoint)} cannot be used (${errorCode}).`,
      'Fix entraConnector.customCloud.loginEndpoint: an https URL of your cloud\'s sign-in service.',
      { setting: 'entraConnector.customCloud' },
    );
  }
  const code = aadsts ? `AADSTS${aadsts}` : errorCode || (error instanceof Error ? error.name : 'unknown error');
  return new AuthFailure('other', `Sign-in failed (${code}): ${firstSentence(text) || 'no details were given'}.`, 'Try again; if it keeps failing, run "Entra Connector: Show Log" and check the cloud and sign-in settings.', detail);
}

function safeHost(endpoint: string): string {
  try {
    return new URL(endpoint).host;
  } catch {
    return endpoint;
  }
}

/** The first sentence of a server message, without trace/correlation IDs and never longer than 200 characters. */
function firstSentence(text: string): string {
  const cleaned = text.replace(/\s*Trace ID:.*$/s, '').replace(/^[a-z_]+:\s*/i, '').replace(/^AADSTS\d+:\s*/, '').trim();
  const sentence = /^(.*?[.!?])(\s|$)/s.exec(cleaned)?.[1] ?? cleaned;
  return sentence.replace(/[.!?]$/, '').slice(0, 200);
}
