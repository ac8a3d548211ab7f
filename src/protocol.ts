/**
 * The messages between the extension host and the wizard webview, declared once and imported by both sides.
 * The webview is untrusted: the host validates every incoming message with {@link parseWebviewMessage} before acting
 * on it (shape, allowed values, size limits) and ignores the rest with a reason. Nothing here ever carries a secret
 * or a token: the client secret stays in SecretStorage and "Copy secret" is a request the host fulfils itself.
 * No imports with runtime effects: the webview bundle includes this file.
 */

/** The checklist (the engine's steps, `STEP_IDS` in src/setup/context.ts). */
export const CHECKLIST_STEPS = ['service', 'connector', 'consent', 'secret', 'properties', 'redirect', 'cors'] as const;
export type ChecklistStepId = (typeof CHECKLIST_STEPS)[number];

/** The wizard's pages, in order. `signIn` is shown only while nobody is signed in. */
export const PAGES = ['signIn', 'service', 'connector', 'consent', 'secret', 'redirect', 'site', 'review', 'summary'] as const;
export type PageId = (typeof PAGES)[number];
/** Pages whose answer the user gives in a form (and `answer` messages may name). */
export const ANSWER_PAGES = ['service', 'connector', 'consent', 'secret', 'redirect', 'site'] as const;
export type AnswerPageId = (typeof ANSWER_PAGES)[number];
/**
 * Pages that must be answered before the setup can run. `site` (step 7, securing the App Service / Function App)
 * is optional: its answer starts as "skip".
 */
export const REQUIRED_PAGES = ['service', 'connector', 'consent', 'secret', 'redirect'] as const satisfies readonly AnswerPageId[];

/** The page where each checklist step's answer is given (the checklist links there). */
export const STEP_PAGE: Readonly<Record<ChecklistStepId, PageId>> = {
  service: 'service',
  connector: 'connector',
  consent: 'consent',
  secret: 'secret',
  properties: 'review',
  redirect: 'redirect',
  cors: 'site',
};

export type StepState = 'done' | 'pending' | 'running' | 'failed' | 'skipped';

export type IdentifierUriKind = 'tenant' | 'appId' | 'custom';
export type AudienceAnswer = 'single' | 'multi';
export type ConsentAnswer = 'admin' | 'user' | 'link';

export type ServiceAnswer =
  | { readonly kind: 'new'; readonly displayName: string; readonly identifierUri: IdentifierUriKind; readonly customUri?: string; readonly scope: string; readonly audience: AudienceAnswer }
  | { readonly kind: 'existing'; readonly appId: string; readonly scope?: string }
  | { readonly kind: 'microsoft'; readonly scopes: readonly string[] };

export type ConnectorAnswer = { readonly kind: 'new'; readonly displayName: string } | { readonly kind: 'existing'; readonly appId: string };

export interface ConsentPageAnswer {
  readonly consent: ConsentAnswer;
  readonly obo: boolean;
}

export interface SecretPageAnswer {
  readonly secretDays: number;
}

export interface RedirectPageAnswer {
  /** Empty: not known yet (registered later from the summary). */
  readonly redirectUrl: string;
}

/** Step 7: secure the API's App Service / Function App through ARM, or not. Only the site's resource ID is kept. */
export type SiteAnswer = { readonly kind: 'skip' } | { readonly kind: 'site'; readonly siteId: string };

/** One web or function app the signed-in user can see (for the site page's list). */
export interface SiteChoice {
  readonly id: string;
  readonly name: string;
  readonly resourceGroup: string;
  readonly subscription: string;
  /** `app`, `functionapp,linux`… */
  readonly kind: string;
  readonly defaultHostName?: string;
  /** It serves the host named in the connector's swagger (`host`). */
  readonly servesApi: boolean;
}

export interface AnswerValues {
  readonly service: ServiceAnswer;
  readonly connector: ConnectorAnswer;
  readonly consent: ConsentPageAnswer;
  readonly secret: SecretPageAnswer;
  readonly redirect: RedirectPageAnswer;
  readonly site: SiteAnswer;
}

export type WizardAnswers = AnswerValues;

export interface ChecklistStep {
  readonly id: ChecklistStepId;
  readonly title: string;
  readonly state: StepState;
  readonly detail?: string;
  /** When failed: the cause and what to do next. */
  readonly error?: { readonly message: string; readonly next: string; readonly code: string };
}

/** One directory object on the summary page. */
export interface SummaryObject {
  readonly label: string;
  readonly id: string;
  readonly created: boolean;
  /** The Entra admin center page for it, for clouds that have one. */
  readonly link?: string;
}

export interface WizardSummary {
  readonly objects: readonly SummaryObject[];
  readonly pending: readonly { readonly step: ChecklistStepId; readonly detail: string }[];
  /** Set when an administrator must grant consent. */
  readonly adminConsentUrl?: string;
  /** A client secret was stored in VS Code's secret storage (the value is never sent here). */
  readonly secretStored: boolean;
  readonly secretExpires?: string;
  /** The connector's files, relative to the workspace. */
  readonly files: readonly string[];
  /** What to run next to deploy the connector. */
  readonly nextCommand: string;
  /** What Undo would remove (only objects this setup created); empty when nothing. */
  readonly undoPlan: readonly string[];
  /** Step 7 on the chosen site: its resource ID and what changed (Undo does not revert it). */
  readonly site?: { readonly id: string; readonly state: StepState; readonly detail: string };
}

export interface SearchResult {
  readonly appId: string;
  readonly displayName: string;
  readonly identifierUri?: string;
  readonly scopes: readonly string[];
}

export interface WizardViewState {
  readonly connectorName: string;
  /** The connector folder, relative to the workspace when inside it. */
  readonly connectorPath: string;
  readonly account?: { readonly username: string; readonly tenantId: string };
  readonly page: PageId;
  readonly answers: WizardAnswers;
  /** Pages whose answer was given (the user may go back to them). */
  readonly answered: readonly AnswerPageId[];
  readonly steps: readonly ChecklistStep[];
  readonly running: boolean;
  /** A failure outside a step (sign-in, search, invalid answer), with the next step. */
  readonly error?: { readonly message: string; readonly next: string };
  /** A short confirmation ("Copied the secret to the clipboard."). */
  readonly notice?: string;
  readonly summary?: WizardSummary;
}

/** Host → webview. */
export type HostMessage =
  | { readonly type: 'state'; readonly state: WizardViewState }
  | { readonly type: 'searchResults'; readonly query: string; readonly results: readonly SearchResult[]; readonly error?: string }
  /** The answer to `findSites`: the sites serving the swagger host first; `error` says why the list is empty. */
  | { readonly type: 'sites'; readonly sites: readonly SiteChoice[]; readonly host?: string; readonly error?: string };

/** Webview → host. */
export type WebviewMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'signIn' }
  | { readonly type: 'answer'; readonly page: 'service'; readonly value: ServiceAnswer }
  | { readonly type: 'answer'; readonly page: 'connector'; readonly value: ConnectorAnswer }
  | { readonly type: 'answer'; readonly page: 'consent'; readonly value: ConsentPageAnswer }
  | { readonly type: 'answer'; readonly page: 'secret'; readonly value: SecretPageAnswer }
  | { readonly type: 'answer'; readonly page: 'redirect'; readonly value: RedirectPageAnswer }
  | { readonly type: 'answer'; readonly page: 'site'; readonly value: SiteAnswer }
  | { readonly type: 'back' }
  | { readonly type: 'goTo'; readonly page: PageId }
  | { readonly type: 'search'; readonly query: string }
  /** List the web and function apps the user can see through ARM (the ARM permission is asked for only now). */
  | { readonly type: 'findSites' }
  | { readonly type: 'run' }
  | { readonly type: 'copySecret' }
  | { readonly type: 'copyAdminConsentLink' }
  | { readonly type: 'registerRedirect'; readonly url: string }
  /** Remove what this setup created (the host asks for confirmation first). */
  | { readonly type: 'undo' };

export type WebviewMessageType = WebviewMessage['type'];

/** The webview's own `setState`: where the user was — never an answer, a secret or a token. */
export interface WebviewPersistedState {
  readonly connectorPath: string;
  readonly page: PageId;
}

// ---- validation --------------------------------------------------------------------------------------------------

/** Limits on what the webview may send. */
export const LIMITS = {
  /** Whole message, as JSON. */
  messageChars: 8_192,
  displayName: 120,
  scope: 100,
  scopes: 20,
  uri: 400,
  query: 200,
  secretDaysMin: 1,
  secretDaysMax: 730,
  /** A site's resource ID. */
  siteId: 400,
} as const;

export const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A scope value as Entra accepts it (no spaces; letters, digits and `._-:`). */
export const SCOPE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
/** Display names: printable text without control characters or angle brackets. */
const NAME_PATTERN = {
  test: (v: string): boolean => [...v].every((ch) => ch.charCodeAt(0) >= 0x20 && ch !== '\u007f' && ch !== '<' && ch !== '>'),
};

/**
 * A Microsoft.Web site's resource ID: `/subscriptions/{GUID}/resourceGroups/{rg}/providers/Microsoft.Web/sites/{name}`,
 * nothing after it. Resource group: letters, digits, `._()-` (1–90, not ending in `.`); site: letters, digits, `-` (1–60).
 */
export const SITE_ID_PATTERN =
  /^\/subscriptions\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/resourceGroups\/[A-Za-z0-9._()-]{0,89}[A-Za-z0-9_()-]\/providers\/Microsoft\.Web\/sites\/[A-Za-z0-9][A-Za-z0-9-]{0,59}$/i;

export type Parsed<T> = { readonly ok: true; readonly message: T } | { readonly ok: false; readonly reason: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

class Invalid extends Error {}

function only(value: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(value)) if (!allowed.includes(key)) throw new Invalid(`unexpected field ${JSON.stringify(key.slice(0, 30))} in ${where}`);
}

function record(value: unknown, where: string): Record<string, unknown> {
  if (!isRecord(value)) throw new Invalid(`${where} must be an object`);
  return value;
}

function text(value: unknown, where: string, max: number, pattern?: { test(v: string): boolean }): string {
  if (typeof value !== 'string') throw new Invalid(`${where} must be a string`);
  const v = value.trim();
  if (v.length === 0) throw new Invalid(`${where} is empty`);
  if (v.length > max) throw new Invalid(`${where} is longer than ${max} characters`);
  if (pattern && !pattern.test(v)) throw new Invalid(`${where} has characters that are not allowed`);
  return v;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], where: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) throw new Invalid(`${where} must be one of ${allowed.join(', ')}`);
  return value as T;
}

function bool(value: unknown, where: string): boolean {
  if (typeof value !== 'boolean') throw new Invalid(`${where} must be true or false`);
  return value;
}

/** An https URL (an Application ID URI may also be `api://…`). */
export function checkUrl(value: unknown, where: string, schemes: readonly string[] = ['https:']): string {
  const v = text(value, where, LIMITS.uri);
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new Invalid(`${where} is not a URL`);
  }
  if (!schemes.includes(url.protocol)) throw new Invalid(`${where} must start with ${schemes.map((s) => `${s}//`).join(' or ')}`);
  if (/\s/.test(v) || url.username || url.password) throw new Invalid(`${where} may not hold spaces or credentials`);
  return v;
}

export function parseServiceAnswer(value: unknown): ServiceAnswer {
  const v = record(value, 'service');
  const kind = oneOf(v.kind, ['new', 'existing', 'microsoft'] as const, 'service.kind');
  if (kind === 'new') {
    only(v, ['kind', 'displayName', 'identifierUri', 'customUri', 'scope', 'audience'], 'service');
    const identifierUri = oneOf(v.identifierUri, ['tenant', 'appId', 'custom'] as const, 'service.identifierUri');
    const answer: ServiceAnswer = {
      kind,
      displayName: text(v.displayName, 'service.displayName', LIMITS.displayName, NAME_PATTERN),
      identifierUri,
      scope: text(v.scope, 'service.scope', LIMITS.scope, SCOPE_PATTERN),
      audience: oneOf(v.audience, ['single', 'multi'] as const, 'service.audience'),
      ...(identifierUri === 'custom' ? { customUri: checkUrl(v.customUri, 'service.customUri', ['api:', 'https:']) } : {}),
    };
    if (identifierUri !== 'custom' && v.customUri !== undefined && v.customUri !== '') throw new Invalid('service.customUri goes only with identifierUri custom');
    return answer;
  }
  if (kind === 'existing') {
    only(v, ['kind', 'appId', 'scope'], 'service');
    const appId = text(v.appId, 'service.appId', 36, GUID_PATTERN);
    return v.scope === undefined || v.scope === '' ? { kind, appId } : { kind, appId, scope: text(v.scope, 'service.scope', LIMITS.scope, SCOPE_PATTERN) };
  }
  only(v, ['kind', 'scopes'], 'service');
  if (!Array.isArray(v.scopes) || v.scopes.length === 0 || v.scopes.length > LIMITS.scopes) throw new Invalid(`service.scopes must list 1 to ${LIMITS.scopes} scopes`);
  const scopes = v.scopes.map((s, i) => text(s, `service.scopes[${i}]`, LIMITS.scope, SCOPE_PATTERN));
  if (new Set(scopes).size !== scopes.length) throw new Invalid('service.scopes lists a scope twice');
  return { kind, scopes };
}

export function parseConnectorAnswer(value: unknown): ConnectorAnswer {
  const v = record(value, 'connector');
  const kind = oneOf(v.kind, ['new', 'existing'] as const, 'connector.kind');
  if (kind === 'new') {
    only(v, ['kind', 'displayName'], 'connector');
    return { kind, displayName: text(v.displayName, 'connector.displayName', LIMITS.displayName, NAME_PATTERN) };
  }
  only(v, ['kind', 'appId'], 'connector');
  return { kind, appId: text(v.appId, 'connector.appId', 36, GUID_PATTERN) };
}

function parseConsent(value: unknown): ConsentPageAnswer {
  const v = record(value, 'consent');
  only(v, ['consent', 'obo'], 'consent');
  return { consent: oneOf(v.consent, ['admin', 'user', 'link'] as const, 'consent.consent'), obo: bool(v.obo, 'consent.obo') };
}

function parseSecret(value: unknown): SecretPageAnswer {
  const v = record(value, 'secret');
  only(v, ['secretDays'], 'secret');
  const d = v.secretDays;
  if (typeof d !== 'number' || !Number.isInteger(d) || d < LIMITS.secretDaysMin || d > LIMITS.secretDaysMax) {
    throw new Invalid(`secret.secretDays must be a whole number of days from ${LIMITS.secretDaysMin} to ${LIMITS.secretDaysMax}`);
  }
  return { secretDays: d };
}

function parseRedirect(value: unknown): RedirectPageAnswer {
  const v = record(value, 'redirect');
  only(v, ['redirectUrl'], 'redirect');
  if (v.redirectUrl === '') return { redirectUrl: '' };
  return { redirectUrl: checkUrl(v.redirectUrl, 'redirect.redirectUrl') };
}

export function parseSiteAnswer(value: unknown): SiteAnswer {
  const v = record(value, 'site');
  const kind = oneOf(v.kind, ['skip', 'site'] as const, 'site.kind');
  if (kind === 'skip') {
    only(v, ['kind'], 'site');
    return { kind };
  }
  only(v, ['kind', 'siteId'], 'site');
  const siteId = text(v.siteId, 'site.siteId', LIMITS.siteId);
  if (!SITE_ID_PATTERN.test(siteId)) throw new Invalid('site.siteId must be a resource ID like /subscriptions/{id}/resourceGroups/{group}/providers/Microsoft.Web/sites/{name}');
  return { kind, siteId };
}

function parseAnswer(page: AnswerPageId, value: unknown): WebviewMessage {
  switch (page) {
    case 'service':
      return { type: 'answer', page, value: parseServiceAnswer(value) };
    case 'connector':
      return { type: 'answer', page, value: parseConnectorAnswer(value) };
    case 'consent':
      return { type: 'answer', page, value: parseConsent(value) };
    case 'secret':
      return { type: 'answer', page, value: parseSecret(value) };
    case 'redirect':
      return { type: 'answer', page, value: parseRedirect(value) };
    case 'site':
      return { type: 'answer', page, value: parseSiteAnswer(value) };
  }
}

const BARE = ['ready', 'signIn', 'back', 'run', 'copySecret', 'copyAdminConsentLink', 'undo', 'findSites'] as const;

/** Returns the message if it is a well-formed webview message, or a reason why it is not. */
export function parseWebviewMessage(value: unknown): Parsed<WebviewMessage> {
  try {
    let size: number;
    try {
      size = JSON.stringify(value)?.length ?? 0;
    } catch {
      throw new Invalid('not serializable');
    }
    if (size > LIMITS.messageChars) throw new Invalid(`message larger than ${LIMITS.messageChars} characters`);
    const v = record(value, 'message');
    const type = v.type;
    if (typeof type !== 'string') throw new Invalid('message.type must be a string');
    if ((BARE as readonly string[]).includes(type)) {
      only(v, ['type'], type);
      return { ok: true, message: { type } as WebviewMessage };
    }
    switch (type) {
      case 'answer': {
        only(v, ['type', 'page', 'value'], 'answer');
        const page = oneOf(v.page, ANSWER_PAGES, 'answer.page');
        return { ok: true, message: parseAnswer(page, v.value) };
      }
      case 'goTo':
        only(v, ['type', 'page'], 'goTo');
        return { ok: true, message: { type, page: oneOf(v.page, PAGES, 'goTo.page') } };
      case 'search':
        only(v, ['type', 'query'], 'search');
        return { ok: true, message: { type, query: text(v.query, 'search.query', LIMITS.query, NAME_PATTERN) } };
      case 'registerRedirect':
        only(v, ['type', 'url'], 'registerRedirect');
        return { ok: true, message: { type, url: checkUrl(v.url, 'registerRedirect.url') } };
      default:
        throw new Invalid(`unknown message type ${JSON.stringify(type.slice(0, 30))}`);
    }
  } catch (error) {
    if (error instanceof Invalid) return { ok: false, reason: error.message };
    throw error;
  }
}

/** The host's answer-by-answer check, for the webview to show the same reason before sending. */
export function validateAnswer(page: AnswerPageId, value: unknown): string | undefined {
  const parsed = parseWebviewMessage({ type: 'answer', page, value });
  return parsed.ok ? undefined : parsed.reason;
}
