/**
 * The AADSTS explainer: a sign-in error message pasted by a connector author → what it means for a custom
 * connector, the likely cause, the fix, and what the message names (redirect URI, client ID, resource, tenant).
 * Pure text in, data out; the VS Code command and `entra-connector explain` render it.
 */
import { aadstsEntry, aadstsNumber } from '../auth/aadsts';
import type { RuleCode } from './diagnostic';
import { readApiProperties } from './model';
import { scalar, stringValue, valueOf } from './jsonDocument';

export interface Extracted {
  redirectUri?: string;
  clientId?: string;
  clientName?: string;
  resource?: string;
  resourceAppId?: string;
  tenant?: string;
  user?: string;
  scope?: string;
  traceId?: string;
  correlationId?: string;
  timestamp?: string;
}

/** A repair the product can offer for this error. */
export type ExplainAction =
  | { kind: 'add-redirect-uri'; appId?: string; redirectUri: string }
  | { kind: 'open-app-registration'; appId: string; blade: 'Authentication' | 'CallAnAPI' | 'Credentials' | 'Overview' }
  | { kind: 'grant-consent'; appId?: string };

export interface Explanation {
  /** `AADSTS50011`, or undefined when the text has no AADSTS code. */
  code: string | undefined;
  /** When the text has no code: the code its wording points to (`AADSTS50011`), and the words that did. */
  likely?: { code: string; because: string };
  known: boolean;
  title: string;
  /** What the error means for a Power Platform custom connector. */
  meaning: string;
  cause: string;
  fix: string;
  /** The diagnostic rule that finds this problem before a user hits it, when there is one. */
  rule?: RuleCode;
  extracted: Extracted;
  actions: ExplainAction[];
}

interface Entry {
  title: string;
  meaning: string;
  cause: string;
  fix: string;
  rule?: RuleCode;
  actions?: (x: Extracted) => ExplainAction[];
}

const openApp = (blade: 'Authentication' | 'CallAnAPI' | 'Credentials' | 'Overview') => (x: Extracted): ExplainAction[] =>
  x.clientId ? [{ kind: 'open-app-registration', appId: x.clientId, blade }] : [];

const CATALOG: Readonly<Record<string, Entry>> = {
  '50011': {
    title: 'Redirect URI mismatch',
    meaning: 'Power Platform sent the connector\'s redirect URL, and the connector app registration does not list it as a Web redirect URI.',
    cause: 'Most often the connector now uses a unique redirect URL ("redirectMode": "GlobalPerConnector", https://global.consent.azure-apim.net/redirect/<connector>) while the app still has only the shared https://global.consent.azure-apim.net/redirect — or the reverse.',
    fix: 'Add the exact redirect URI quoted in the message as a Web redirect URI on the connector app (the client ID the message names).',
    rule: 'redirect-uri-not-registered',
    actions: (x) => [
      ...(x.redirectUri ? [{ kind: 'add-redirect-uri' as const, appId: x.clientId, redirectUri: x.redirectUri }] : []),
      ...openApp('Authentication')(x),
    ],
  },
  '500011': {
    title: 'Resource principal not found',
    meaning: 'The connector\'s resourceUri names an API that has no service principal in the signing-in user\'s tenant.',
    cause: 'A wrong resourceUri (a typo, api:// vs the appId GUID, a trailing path), or the API app has never been consented to or has no service principal in this tenant (a single-tenant API used from another tenant).',
    fix: 'Set customParameters.resourceUri (and AzureActiveDirectoryResourceId) to the API app\'s Application ID URI or appId exactly; create the API\'s service principal in this tenant (an admin consent does it).',
    rule: 'resource-not-found',
  },
  '650057': {
    title: 'Resource not in the client app\'s requested permissions',
    meaning: 'The connector asks for a token for a resource that the connector app registration does not request any permission on.',
    cause: 'The connector app\'s "API permissions" (requiredResourceAccess) lack the API\'s scope (usually user_impersonation), or resourceUri points at another API than the one the permission was added for.',
    fix: 'Add the API\'s delegated scope to the connector app\'s API permissions and grant consent, or correct resourceUri to the API that is listed.',
    rule: 'permission-missing',
    actions: openApp('CallAnAPI'),
  },
  '700016': {
    title: 'Application not found in the directory',
    meaning: 'The connector\'s clientId is not an app in the tenant the user signed in to.',
    cause: 'A wrong or placeholder clientId, an app registered in another tenant while the app is single-tenant, or an app that was deleted.',
    fix: 'Put the connector app\'s Application (client) ID into the connector (clientId), and make the app multi-tenant if users from other tenants sign in.',
    rule: 'client-app-not-found',
  },
  '65001': {
    title: 'Consent missing',
    meaning: 'Nobody has consented to the connector app using the API on the user\'s behalf.',
    cause: 'No delegated permission grant (oauth2PermissionGrant) from the connector app to the API, and the user may not consent alone (tenant policy or an admin-only scope).',
    fix: 'Grant admin consent for the connector app\'s API permissions (an Application Administrator can), or let the user consent when the tenant allows it.',
    rule: 'consent-missing',
    actions: (x) => [{ kind: 'grant-consent', appId: x.clientId }, ...openApp('CallAnAPI')(x)],
  },
  '50194': {
    title: 'Single-tenant app used with "common"',
    meaning: 'The connector signs in through the /common endpoint (tenantId "common") but its app accepts only its own tenant.',
    cause: 'The connector app\'s signInAudience is AzureADMyOrg while apiProperties.json has "tenantId": {"value": "common"}.',
    fix: 'Make the connector app multi-tenant (AzureADMultipleOrgs), or set customParameters.tenantId to the app\'s tenant ID.',
    rule: 'tenant-common-single-tenant',
    actions: openApp('Authentication'),
  },
  '7000215': {
    title: 'Invalid client secret',
    meaning: 'The client secret stored in the connector is not a valid secret of the connector app.',
    cause: 'The secret\'s ID was pasted instead of its value, the secret belongs to another app, or it was deleted.',
    fix: 'Create a new client secret on the connector app, copy its Value (shown once, not the Secret ID) and update the connector\'s client secret.',
    actions: openApp('Credentials'),
  },
  '7000222': {
    title: 'Client secret expired',
    meaning: 'The connector\'s client secret has expired, so every sign-in fails.',
    cause: 'The secret\'s end date has passed.',
    fix: 'Create a new client secret on the connector app and update the connector with it; remove the expired one.',
    rule: 'secret-expired',
    actions: openApp('Credentials'),
  },
  '7000218': {
    title: 'Client secret missing',
    meaning: 'The token request carried no client secret.',
    cause: 'The connector was created without a secret (paconn needs --secret; "pac connector create" cannot set one), or the sign-in key is spelled "oauthSettings" so paconn did not put the secret in.',
    fix: 'Set the client secret on the connector (maker portal Security tab, or paconn update --secret) and spell the key "oAuthSettings".',
    rule: 'aad-key-casing',
  },
  '90008': {
    title: 'App misconfigured: no sign-in permission',
    meaning: 'The connector app requests no permission that lets it sign the user in.',
    cause: 'The connector app\'s API permissions do not include Microsoft Graph User.Read (“Sign in and read user profile”) or another delegated scope.',
    fix: 'Add a delegated permission (at least Microsoft Graph User.Read, plus the API\'s scope) to the connector app and grant consent.',
    actions: openApp('CallAnAPI'),
  },
  '65002': {
    title: 'First-party pre-authorization needed',
    meaning: 'A Microsoft first-party client asked for a scope it is not pre-authorized for.',
    cause: 'The client signing in is one of Microsoft\'s own apps (for example VS Code\'s built-in account, or "IsFirstParty": "True" on a connector that uses your own app) asking for a scope only pre-authorized clients may request.',
    fix: 'Sign in with your own registered client (the entraConnector.signIn.clientId setting), and keep "IsFirstParty": "False" for connectors that use your own app.',
  },
  '70011': {
    title: 'Invalid scope',
    meaning: 'The scope the connector asked for is not valid for the resource.',
    cause: 'A scope that the API does not expose, a resource and scope from different APIs, or mixing a .default scope with others.',
    fix: 'Use the API\'s exposed delegated scope (for example api://<API app>/user_impersonation) or leave "scopes" empty with the resource in resourceUri.',
  },
  '50020': {
    title: 'User from another tenant',
    meaning: 'The user signing in does not exist in the tenant the connector signs in to, as a member or guest.',
    cause: 'A personal Microsoft account or a user of another organisation, with tenantId set to a specific tenant or a single-tenant app.',
    fix: 'Invite the user as a guest, use "common" with a multi-tenant app, or sign in with an account of the app\'s tenant.',
  },
  '700054': {
    title: 'Response type not enabled',
    meaning: 'The sign-in asked for an id_token (implicit grant) that the app registration does not allow.',
    cause: 'ID token issuance is disabled on the app, and a client asked for it.',
    fix: 'Connectors use the authorization code flow and need no implicit grant: check the connector uses the "aad" identity provider; otherwise enable ID tokens on the app\'s Authentication page.',
    actions: openApp('Authentication'),
  },
  '90002': {
    title: 'Tenant not found',
    meaning: 'The tenant in the sign-in request does not exist in this cloud.',
    cause: 'A wrong tenantId, a tenant from another cloud (US Gov, China), or a loginUri of another cloud.',
    fix: 'Set customParameters.tenantId to a valid tenant ID or "common", and loginUri to the login host of the tenant\'s cloud.',
    rule: 'login-uri-cloud',
  },
  '50105': {
    title: 'User not assigned to the app',
    meaning: 'The app requires user assignment, and the user signing in is not assigned.',
    cause: '"Assignment required" is on for the connector app\'s or API\'s enterprise application.',
    fix: 'Assign the user (or a group) to the enterprise application, or turn off "Assignment required".',
  },
  '53003': {
    title: 'Blocked by Conditional Access',
    meaning: 'A Conditional Access policy blocked the sign-in.',
    cause: 'A tenant policy (device, location, app) does not allow this sign-in.',
    fix: 'Ask a tenant administrator which policy blocked it (sign-in logs, Conditional Access tab) and to allow the connector app.',
  },
};

const GUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';

function first(text: string, ...patterns: RegExp[]): string | undefined {
  for (const p of patterns) {
    const m = p.exec(text);
    if (m?.[1]) return m[1].trim();
  }
  return undefined;
}

export function extract(text: string): Extracted {
  const x: Extracted = {};
  const set = <K extends keyof Extracted>(key: K, value: string | undefined) => {
    if (value) x[key] = value;
  };
  set('redirectUri', first(text, /redirect URI '([^']+)'/i, /redirect_uri[=:]\s*'?([^\s'&]+)/i));
  set('clientId', first(text,
    new RegExp(`Client app ID:\\s*(${GUID})`, 'i'),
    new RegExp(`configured for the application '(${GUID})'`, 'i'),
    new RegExp(`Application with identifier '(${GUID})'`, 'i'),
    new RegExp(`application with ID '(${GUID})'`, 'i'),
    new RegExp(`Application '(${GUID})'`, 'i'),
    new RegExp(`application '(${GUID})'`, 'i'),
    new RegExp(`app '(${GUID})'`, 'i'),
    new RegExp(`client_id[=:]\\s*'?(${GUID})`, 'i'),
  ));
  set('clientName', first(text, new RegExp(`${GUID}'?\\s*\\(([^)]+)\\)`), /named '([^']+)'/));
  set('resource', first(text,
    /resource principal named (\S+?) was not found/i,
    /Resource value from request:\s*(\S+?)\.?(?:\s|$)/i,
  ));
  set('resourceAppId', first(text, new RegExp(`Resource app ID:\\s*(${GUID})`, 'i')));
  set('tenant', first(text,
    /in the tenant named (.+?)\.(?:\s|$)/i,
    /in the directory '([^']+)'/i,
    /Tenant '([^']+)' not found/i,
    /does not exist in tenant '([^']+)'/i,
  ));
  set('user', first(text, /User account '([^']+)'/i));
  set('scope', first(text, /The scope '?(\S+?)'? is not valid/i));
  set('traceId', first(text, new RegExp(`Trace ID:\\s*(${GUID})`, 'i')));
  set('correlationId', first(text, new RegExp(`Correlation ID:\\s*(${GUID})`, 'i')));
  set('timestamp', first(text, /Timestamp:\s*(\d{4}-\d\d-\d\d[ T][\d:.]+Z?)/i));
  return x;
}

/**
 * Without an AADSTS code, the wording of Entra's messages and OAuth 2.0's error codes (RFC 6749 §4.1.2.1, §5.2:
 * invalid_client, unauthorized_client, invalid_resource…, as Entra returns them with the AADSTS message in
 * error_description) still say which error it is.
 */
const WORDING: ReadonlyArray<readonly [RegExp, string]> = [
  [/redirect_uri_mismatch|(redirect|reply) (uri|url)s?\b.{0,80}\bdoes not match|does not match the (redirect|reply) (uri|url)/i, '50011'],
  [/has not consented|consent_required|need(s)? admin approval|not consented to use the application/i, '65001'],
  [/secret.{0,40}\bexpired|expired.{0,40}\bsecret/i, '7000222'],
  [/invalid client secret|client secret.{0,40}(is )?(invalid|wrong)|invalid_client/i, '7000215'],
  [/was not found in the directory|unauthorized_client|application with identifier .{0,60} (was )?not found/i, '700016'],
  [/resource principal .{0,120}not found|invalid_resource/i, '500011'],
  [/not (listed|present) in the (requested|application'?s?) permissions|requested permissions of the application/i, '650057'],
  [/conditional access/i, '53003'],
  [/not assigned to a role for the application|is not assigned to the app/i, '50105'],
  [/invalid_scope|scope .{0,80} is not valid/i, '70011'],
];

function likelyCode(text: string): { code: string; because: string } | undefined {
  for (const [pattern, code] of WORDING) {
    const m = pattern.exec(text);
    if (m) return { code, because: m[0] };
  }
  return undefined;
}

/** Explains a pasted sign-in error. Never throws; unknown codes get the general steps. */
export function explainSignInError(message: string): Explanation {
  const text = String(message ?? '').slice(0, 20_000);
  const number = aadstsNumber(text);
  const extracted = extract(text);
  const likely = number ? undefined : likelyCode(text);
  const shared = aadstsEntry(number);
  // Codes the connector explainer has no connector-specific words for still get the product's own sentence.
  const entry: Entry | undefined = number
    ? CATALOG[number] ?? (shared ? { title: `AADSTS${number}`, meaning: shared.message, cause: shared.message, fix: shared.next } : undefined)
    : likely
      ? CATALOG[likely.code]
      : undefined;
  if (!entry && !number && text.trim() !== '') {
    const guid = new RegExp(GUID).exec(text)?.[0];
    return {
      code: undefined,
      known: false,
      title: 'No AADSTS code found',
      meaning: guid
        ? `The text has no AADSTS code and no wording this explainer recognizes. It names ${guid}, which is checked against the signed-in tenant below when you are signed in.`
        : 'The text has no AADSTS code and no wording this explainer recognizes.',
      cause: 'Without the code the cause cannot be told apart: the code is on the sign-in page (after "AADSTS") or in the connection error\'s details in Power Platform.',
      fix: 'Paste the whole error, including the "AADSTSnnnnn:" code; meanwhile "Check apiProperties.json against the directory" finds the usual causes (client ID, redirect URI, resource, consent, secret).',
      extracted: guid && !extracted.clientId ? { ...extracted, clientId: guid } : extracted,
      actions: [],
    };
  }
  if (!entry) {
    return {
      code: number ? `AADSTS${number}` : undefined,
      known: false,
      title: number ? `AADSTS${number}` : 'No AADSTS code found',
      meaning: number
        ? 'This code is not one the connector explainer knows.'
        : 'Paste the whole error, including the "AADSTSnnnnn:" code (shown on the sign-in page or in the connection error).',
      cause: 'See Microsoft\'s description of the code.',
      fix: number
        ? `Look the code up at https://login.microsoftonline.com/error?code=${number}, and check the connector's clientId, resourceUri and redirect URL with "entra-connector check".`
        : 'Run "entra-connector check" on the connector folder to find the usual causes.',
      extracted,
      actions: [],
    };
  }
  return {
    code: number ? `AADSTS${number}` : undefined,
    ...(likely ? { likely: { code: `AADSTS${likely.code}`, because: likely.because } } : {}),
    known: true,
    title: entry.title,
    meaning: likely ? `No AADSTS code in the text, but its wording ("${likely.because}") is that of AADSTS${likely.code}. ${entry.meaning}` : entry.meaning,
    cause: entry.cause,
    fix: entry.fix,
    ...(entry.rule ? { rule: entry.rule } : {}),
    extracted,
    actions: entry.actions?.(extracted) ?? [],
  };
}

export const KNOWN_AADSTS_CODES = Object.keys(CATALOG).map((n) => `AADSTS${n}`);

export interface RelatedConnector {
  readonly path: string;
  /** Why it is related, one sentence. */
  readonly reason: string;
}

/**
 * The connectors in the workspace an error is about: those whose clientId or resourceUri the message names,
 * with what in the file explains the error when something does.
 */
export function findRelatedConnectors(explanation: Explanation, files: ReadonlyArray<{ path: string; text: string }>): RelatedConnector[] {
  const { clientId, resource, redirectUri } = explanation.extracted;
  const related: RelatedConnector[] = [];
  const norm = (v: string) => v.trim().replace(/\/+$/, '').toLowerCase();
  for (const file of files) {
    const model = readApiProperties(file.text);
    for (const token of model.tokens) {
      if (!token.isEntra) continue;
      const fileClientId = stringValue(valueOf(token.prop('clientId')));
      const fileResource = token.customParameterValue('resourceUri');
      const mode = scalar(valueOf(token.prop('redirectMode')));
      if (clientId && fileClientId && norm(fileClientId) === norm(clientId)) {
        let reason = `Its clientId is ${clientId}, the app the error names.`;
        if (explanation.code === 'AADSTS50011' && redirectUri) {
          const shared = /\/redirect\/?$/i.test(redirectUri);
          reason += shared
            ? ` The URL in the error is the shared one: this connector uses redirectMode ${JSON.stringify(mode ?? 'Global')}.`
            : ' The URL in the error is this connector\'s own (GlobalPerConnector) URL: add it to the app.';
        }
        related.push({ path: file.path, reason });
      } else if (resource && fileResource && norm(fileResource) === norm(resource)) {
        related.push({ path: file.path, reason: `Its resourceUri is ${fileResource}, the resource the error names.` });
      }
    }
  }
  return related;
}
