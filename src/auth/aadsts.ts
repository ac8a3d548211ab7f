/**
 * The one table of Microsoft Entra sign-in error codes (AADSTS) the product knows: what each means for the user, the
 * next step, and how sign-in treats it. Used by the sign-in failures (src/auth/errors.ts), the Graph/Entra error
 * values (src/graph/errors.ts) and the connector explainer (src/connector/explain.ts). Codes are parsed whole:
 * `AADSTS7000218` is 7000218, never 700021. Descriptions: https://learn.microsoft.com/entra/identity-platform/reference-error-codes
 */

/** How sign-in handles the code: ask again (session), explain consent, explain pre-authorization, or just report. */
export type AadstsCategory = 'sessionExpired' | 'consentRefused' | 'preAuthorization' | 'appNotFound' | 'blockedByPolicy' | 'other';

export interface AadstsEntry {
  readonly category: AadstsCategory;
  /** One sentence: what it means (ends with the code in parentheses). */
  readonly message: string;
  readonly next: string;
}

const session = (message: string, next = 'Sign in again.'): AadstsEntry => ({ category: 'sessionExpired', message, next });

export const AADSTS_CODES: Readonly<Record<string, AadstsEntry>> = {
  '50011': { category: 'other', message: 'The redirect URI sent by the connector is not registered on the connector app (AADSTS50011).', next: 'Copy the redirect URL from the error or the connector’s Security tab and register it (the “Redirect URL” step).' },
  '50194': { category: 'other', message: 'The app is single-tenant, so sign-in through the “common” endpoint fails (AADSTS50194).', next: 'Set tenantId in apiProperties.json to the tenant id instead of “common”.' },
  '500011': { category: 'other', message: 'The resource the connector asks for was not found in the tenant (AADSTS500011).', next: 'Check resourceUri: it must be the API app’s Application ID URI or appId, and the API needs a service principal in this tenant.' },
  '500113': { category: 'other', message: 'No reply address is registered for the application (AADSTS500113), so /adminconsent cannot return.', next: 'Register the connector’s redirect URL first, or grant consent on the app’s “API permissions” page in the Entra admin center.' },
  '650057': { category: 'other', message: 'The connector app does not request a permission on the resource it asks for (AADSTS650057).', next: 'Add the API’s scope to the connector app’s required permissions (the “Connector app” step).' },
  '700016': { category: 'appNotFound', message: 'The application was not found in the directory (AADSTS700016).', next: 'Check the client ID and the tenant; the app may be registered in another tenant.' },
  '65001': { category: 'consentRefused', message: 'Consent to the app’s permissions is missing (AADSTS65001).', next: 'Ask an administrator to grant consent, or send them the admin-consent link from the “Delegation and consent” step.' },
  '65004': { category: 'consentRefused', message: 'The consent screen was declined (AADSTS65004).', next: 'Run the step again and accept the consent screen.' },
  '65005': { category: 'consentRefused', message: 'The app asks for permissions that cannot be consented to as requested (AADSTS65005).', next: 'Ask an administrator to grant consent.' },
  '90093': { category: 'consentRefused', message: 'Only an administrator may grant these permissions (AADSTS90093).', next: 'Ask an administrator to grant consent.' },
  '90094': { category: 'consentRefused', message: 'An administrator must grant these permissions (AADSTS90094).', next: 'Ask an administrator to consent to the sign-in client for the listed permissions.' },
  '65002': { category: 'preAuthorization', message: 'A Microsoft client asked for a Microsoft API it is not pre-authorized for (AADSTS65002); no consent can fix that.', next: 'Clear entraConnector.signIn.clientId (or --client-id) so each API is reached through the Microsoft client pre-authorized for it, or set it to your organisation’s own public client with these API permissions.' },
  '53003': { category: 'blockedByPolicy', message: 'A Conditional Access policy of your tenant blocked this sign-in (AADSTS53003).', next: 'Ask your administrator which app is allowed, then set entraConnector.signIn.clientId to your organisation’s own public client.' },
  '530032': { category: 'blockedByPolicy', message: 'A security policy of your tenant blocked this sign-in (AADSTS530032).', next: 'Ask your administrator which app is allowed, then set entraConnector.signIn.clientId to your organisation’s own public client.' },
  '7000215': { category: 'other', message: 'The client secret is invalid (AADSTS7000215): its ID may have been used instead of its value, or it expired.', next: 'Create a new secret (the “Secret” step) and paste its value into the connector.' },
  '7000218': { category: 'other', message: 'The request needs a client secret or assertion (AADSTS7000218): the app is not a public client.', next: 'Give the connector the client secret’s value, or allow public client flows on the app.' },
  '700082': session('The refresh token has expired (AADSTS700082).'),
  '70008': session('The authorization code or refresh token has expired (AADSTS70008).'),
  '700084': session('The refresh token of a single-page app has expired (AADSTS700084).'),
  '50173': session('The sign-in was revoked (AADSTS50173).'),
  '50133': session('The session is no longer valid after a password change (AADSTS50133).'),
  '50076': session('Multi-factor authentication is required (AADSTS50076).', 'Sign in again and complete the MFA prompt.'),
  '50078': session('Multi-factor authentication has expired (AADSTS50078).', 'Sign in again and complete the MFA prompt.'),
  '50079': session('Multi-factor authentication registration is required (AADSTS50079).', 'Sign in again and complete the MFA prompt.'),
  '50158': session('An external security challenge was not satisfied (AADSTS50158).'),
  '530003': session('The device must be managed to sign in (AADSTS530003).'),
  '50058': session('No user is signed in for a silent request (AADSTS50058).'),
  '50132': session('The session is no longer valid (AADSTS50132).'),
  '160021': session('The session does not exist any more (AADSTS160021).'),
};

/** The AADSTS number in a text, whole (`AADSTS7000218` → `7000218`), or undefined. */
export function aadstsNumber(text: string): string | undefined {
  return /AADSTS(\d+)/i.exec(text)?.[1];
}

export function aadstsEntry(code: string | undefined): AadstsEntry | undefined {
  if (!code) return undefined;
  return AADSTS_CODES[code.replace(/^AADSTS/i, '')];
}

/** The first-party client and resource an AADSTS65002 message names. */
export function preAuthorizationParties(text: string): { clientId?: string; resourceAppId?: string } {
  const m = /first party application '([0-9a-f-]{36})' and first party resource '([0-9a-f-]{36})'/i.exec(text);
  return m ? { clientId: m[1]!, resourceAppId: m[2]! } : {};
}
