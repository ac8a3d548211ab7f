/**
 * The guided setup's steps, as ONE table: the protocol validates answers with it, the controller orders and resets
 * pages with it, the webview titles, renders and describes pages with it, and the CLI builds its answers in the same
 * shape. Each step owns its prompt side (title, defaults, the parser of its answer, how it reads on the review page)
 * and names its execute side (the engine step that acts on it, which answers it reads, when a changed answer makes it
 * start again). A new page is one entry here plus its renderer (webview-ui/pages/<id>.ts).
 *
 * No imports with runtime effects beyond validation: the webview bundle includes this file.
 */
import type { SetupChoices, SetupObjects, StepId as EngineStepId } from '../setup/context';
import { DEFAULT_SCOPE, DEFAULT_SECRET_DAYS } from '../setup/defaults';
import { GUID_PATTERN, Invalid, LIMITS, NAME_PATTERN, SCOPE_PATTERN, SITE_ID_PATTERN, bool, checkUrl, oneOf, only, record, text } from './validate';

// ---- the answers -------------------------------------------------------------------------------------------------

export type IdentifierUriKind = 'tenant' | 'appId' | 'custom';
export type AudienceAnswer = 'single' | 'multi';
export type ConsentAnswer = 'admin' | 'user' | 'link';

/** The API the connector calls: a new API app, one already registered, or a Microsoft service (Graph). */
export type ApiAnswer =
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

/**
 * Deploy the connector to Power Platform as the setup's last directory step, or not. `environment` is an
 * environment's name as the Power Platform API lists it; empty: the one settings.json remembers, else the default.
 */
export type DeployAnswer = { readonly kind: 'skip' } | { readonly kind: 'deploy'; readonly environment: string };

/** Secure the API's App Service / Function App through ARM, or not. Only the site's resource ID is kept. */
export type SiteAnswer = { readonly kind: 'skip' } | { readonly kind: 'site'; readonly siteId: string };

/** What a fresh setup starts from. */
export interface DefaultsInput {
  /** The connector folder's name. */
  readonly connectorName: string;
  /** The client ID already in apiProperties.json, if any. */
  readonly existingClientId?: string;
}

/** What `toChoices` needs from the cloud. */
export interface ChoiceEnv {
  /** The Microsoft Graph resource URI (`https://graph.microsoft.com`, a sovereign cloud's). */
  readonly graphResource: string;
  readonly graphAppId: string;
}

interface StepBase<Id extends EngineStepId> {
  /** The setup engine's step that carries it out (src/setup/engine.ts), named after what it touches. */
  readonly id: Id;
  /** Its line in the checklist. */
  readonly title: string;
  /**
   * Whether a changed answer (the user went Back, or ran the CLI again with other options) makes this step start
   * again, and with it every later step. Wizard and CLI both decide with {@link stepsToReset}.
   */
  resets(before: SetupChoices, after: SetupChoices): boolean;
  /**
   * What a run does about this step when {@link resets} says it starts again: a sentence for the review page, from
   * the recorded choices and objects (the real ids and dates) and the new choices. Absent for a step that never resets.
   */
  redo?(before: SetupChoices, after: SetupChoices, objects: SetupObjects): string;
}

/** Facts the review page shows instead of templates: the values a run has recorded or will use. */
export interface ReviewFacts {
  /** The API app's Application ID URI: recorded by a run, or the one the answer gives in this tenant. */
  readonly identifierUri?: string;
}

/** A step the user answers on its own page. */
export interface AnswerStep<Id extends EngineStepId, A> extends StepBase<Id> {
  readonly prompt: {
    /** The page's heading (numbered by its place in the table). */
    readonly title: string;
    /** Must be answered before the setup may run; an optional page starts with its default answer. */
    readonly required: boolean;
    defaults(input: DefaultsInput): A;
    /** The answer as the webview sent it (untrusted), checked field by field; throws {@link Invalid}. */
    parse(value: unknown): A;
    /** How the answer reads on the review page (with the real values when known). */
    describe(answer: A, facts?: ReviewFacts): readonly [label: string, text: string];
  };
  /** The engine choices this answer sets. */
  toChoices(answer: A, env: ChoiceEnv): Partial<SetupChoices>;
}

/** A step without a page of its own (it shows on the review page). */
export type AutoStep<Id extends EngineStepId> = StepBase<Id> & { readonly prompt?: undefined };

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const never = (): boolean => false;
const answerStep = <Id extends EngineStepId, A>(step: AnswerStep<Id, A>): AnswerStep<Id, A> => step;
const autoStep = <Id extends EngineStepId>(step: AutoStep<Id>): AutoStep<Id> => step;

// ---- parsers -----------------------------------------------------------------------------------------------------

function parseApi(value: unknown): ApiAnswer {
  const v = record(value, 'api');
  const kind = oneOf(v.kind, ['new', 'existing', 'microsoft'] as const, 'api.kind');
  if (kind === 'new') {
    only(v, ['kind', 'displayName', 'identifierUri', 'customUri', 'scope', 'audience'], 'api');
    const identifierUri = oneOf(v.identifierUri, ['tenant', 'appId', 'custom'] as const, 'api.identifierUri');
    const answer: ApiAnswer = {
      kind,
      displayName: text(v.displayName, "the API app's name", LIMITS.displayName, NAME_PATTERN),
      identifierUri,
      scope: text(v.scope, 'the scope', LIMITS.scope, SCOPE_PATTERN),
      audience: oneOf(v.audience, ['single', 'multi'] as const, 'api.audience'),
      ...(identifierUri === 'custom' ? { customUri: checkUrl(v.customUri, 'the Application ID URI', ['api:', 'https:']) } : {}),
    };
    if (identifierUri !== 'custom' && v.customUri !== undefined && v.customUri !== '') throw new Invalid('api.customUri goes only with identifierUri custom');
    return answer;
  }
  if (kind === 'existing') {
    only(v, ['kind', 'appId', 'scope'], 'api');
    const appId = text(v.appId, "the API's application (client) ID", 36, GUID_PATTERN);
    return v.scope === undefined || v.scope === '' ? { kind, appId } : { kind, appId, scope: text(v.scope, 'the scope', LIMITS.scope, SCOPE_PATTERN) };
  }
  only(v, ['kind', 'scopes'], 'api');
  if (!Array.isArray(v.scopes) || v.scopes.length === 0 || v.scopes.length > LIMITS.scopes) throw new Invalid(`api.scopes must list 1 to ${LIMITS.scopes} scopes`);
  const scopes = v.scopes.map((s, i) => text(s, `api.scopes[${i}]`, LIMITS.scope, SCOPE_PATTERN));
  if (new Set(scopes).size !== scopes.length) throw new Invalid('api.scopes lists a scope twice');
  return { kind, scopes };
}

function parseConnector(value: unknown): ConnectorAnswer {
  const v = record(value, 'connector');
  const kind = oneOf(v.kind, ['new', 'existing'] as const, 'connector.kind');
  if (kind === 'new') {
    only(v, ['kind', 'displayName'], 'connector');
    return { kind, displayName: text(v.displayName, "the connector app's name", LIMITS.displayName, NAME_PATTERN) };
  }
  only(v, ['kind', 'appId'], 'connector');
  return { kind, appId: text(v.appId, "the connector app's client ID", 36, GUID_PATTERN) };
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
    throw new Invalid(`the secret's lifetime must be a whole number of days from ${LIMITS.secretDaysMin} to ${LIMITS.secretDaysMax}`);
  }
  return { secretDays: d };
}

function parseRedirect(value: unknown): RedirectPageAnswer {
  const v = record(value, 'redirect');
  only(v, ['redirectUrl'], 'redirect');
  if (v.redirectUrl === '') return { redirectUrl: '' };
  return { redirectUrl: checkUrl(v.redirectUrl, 'the redirect URL') };
}

/** A Power Platform environment's name (`Default-{tenant}`, a GUID): letters, digits, `._-`. */
export const ENVIRONMENT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function parseDeploy(value: unknown): DeployAnswer {
  const v = record(value, 'deploy');
  const kind = oneOf(v.kind, ['skip', 'deploy'] as const, 'deploy.kind');
  if (kind === 'skip') {
    only(v, ['kind'], 'deploy');
    return { kind };
  }
  only(v, ['kind', 'environment'], 'deploy');
  if (v.environment === '') return { kind, environment: '' };
  return { kind, environment: text(v.environment, 'the environment', LIMITS.environment, ENVIRONMENT_NAME_PATTERN) };
}

function parseSite(value: unknown): SiteAnswer {
  const v = record(value, 'site');
  const kind = oneOf(v.kind, ['skip', 'site'] as const, 'site.kind');
  if (kind === 'skip') {
    only(v, ['kind'], 'site');
    return { kind };
  }
  only(v, ['kind', 'siteId'], 'site');
  const siteId = text(v.siteId, "the site's resource ID", LIMITS.siteId);
  if (!SITE_ID_PATTERN.test(siteId)) throw new Invalid("the site's resource ID must be like /subscriptions/{id}/resourceGroups/{group}/providers/Microsoft.Web/sites/{name}");
  return { kind, siteId };
}

// ---- the table ---------------------------------------------------------------------------------------------------

const IDENTIFIER_URI_TEXT: Record<IdentifierUriKind, string> = { tenant: 'api://{tenant}/{name}', appId: 'api://{the new app’s ID}', custom: '' };
const day = (iso: string | undefined): string => (iso ?? '').slice(0, 10);
const CONSENT_TEXT: Record<ConsentAnswer, string> = { admin: 'Whole tenant', user: 'My account', link: 'Admin-consent link' };

/** The steps in the order they run (and their pages in the order they are shown). */
export const STEPS = [
  answerStep({
    id: 'api',
    title: 'The API app',
    resets: (before, after) => !same(before.api, after.api),
    redo: (_before, after, o) =>
      after.api.kind === 'new' && o.apiApp?.created
        ? `The API app: your answer changed, so “${o.apiApp.displayName ?? ''}” (${o.apiApp.appId}) is found again by this setup’s unique name and updated (identifier URIs and scopes are added, none removed); every later step runs again.`
        : 'The API app: your answer changed, so the API is looked up again; every later step runs again.',
    prompt: {
      title: 'The API your connector calls',
      required: true,
      defaults: ({ connectorName }): ApiAnswer => ({ kind: 'new', displayName: `${connectorName} API`, identifierUri: 'tenant', scope: DEFAULT_SCOPE, audience: 'single' }),
      parse: parseApi,
      describe: (a: ApiAnswer, facts?: ReviewFacts) => [
        'API',
        a.kind === 'new'
          ? `New API app “${a.displayName}”, scope ${a.scope}, ${a.audience === 'single' ? 'single tenant' : 'multi-tenant'}, URI ${a.identifierUri === 'custom' ? (a.customUri ?? '') : (facts?.identifierUri ?? IDENTIFIER_URI_TEXT[a.identifierUri])}`
          : a.kind === 'existing'
            ? `Existing API app ${a.appId}${a.scope ? `, scope ${a.scope}` : ''}`
            : `Microsoft Graph: ${a.scopes.join(', ')}`,
      ],
    },
    toChoices: (a, env) => ({
      api:
        a.kind === 'new'
          ? {
              kind: 'new',
              displayName: a.displayName,
              identifierUri: a.identifierUri === 'custom' && a.customUri ? { kind: 'custom', uri: a.customUri } : a.identifierUri === 'appId' ? { kind: 'appId' } : { kind: 'tenant' },
              scope: a.scope,
              audience: a.audience === 'multi' ? 'AzureADMultipleOrgs' : 'AzureADMyOrg',
            }
          : a.kind === 'existing'
            ? { kind: 'existing', appId: a.appId, ...(a.scope ? { scope: a.scope } : {}) }
            : { kind: 'microsoft', appId: env.graphAppId, resourceUri: env.graphResource.replace(/\/+$/, ''), scopes: [...a.scopes] },
    }),
  }),
  answerStep({
    id: 'connector',
    title: 'The connector app',
    resets: (before, after) => !same(before.connector, after.connector),
    redo: (_before, after, o) =>
      after.connector.kind === 'new' && o.connectorApp?.created
        ? `The connector app: your answer changed, so “${o.connectorApp.displayName ?? ''}” (${o.connectorApp.appId}) is found again by this setup’s unique name and updated; every later step runs again.`
        : 'The connector app: your answer changed, so the connector app is looked up again; every later step runs again.',
    prompt: {
      title: 'The connector app',
      required: true,
      defaults: ({ connectorName, existingClientId }): ConnectorAnswer => (existingClientId ? { kind: 'existing', appId: existingClientId } : { kind: 'new', displayName: `${connectorName} connector` }),
      parse: parseConnector,
      describe: (a: ConnectorAnswer) => ['Connector app', a.kind === 'new' ? `New app “${a.displayName}”` : `Existing app ${a.appId}`],
    },
    toChoices: (a) => ({ connector: a.kind === 'new' ? { kind: 'new', displayName: a.displayName } : { kind: 'existing', appId: a.appId } }),
  }),
  answerStep({
    id: 'consent',
    title: 'Delegation and consent',
    // On-behalf-of is reconciled by its task on the next run: only the kind of consent starts the step again.
    resets: (before, after) => before.consent !== after.consent,
    redo: (before, after, o) =>
      `Consent: ${CONSENT_TEXT[before.consent]} → ${CONSENT_TEXT[after.consent]}, so consent is asked for again${o.grant ? (o.grant.created ? ` (the grant this setup gave before, ${o.grant.id}, is deleted once the new one is in place)` : ` (the grant that was there before, ${o.grant.id}, is not this setup's: it stays)`) : ''}; every later step runs again.`,
    prompt: {
      title: 'Delegation and consent',
      required: true,
      defaults: (): ConsentPageAnswer => ({ consent: 'admin', obo: false }),
      parse: parseConsent,
      describe: (a: ConsentPageAnswer) => ['Consent', `${CONSENT_TEXT[a.consent]}${a.obo ? ', on-behalf-of login' : ''}`],
    },
    toChoices: (a) => ({ consent: a.consent, obo: a.obo }),
  }),
  answerStep({
    id: 'secret',
    title: 'The client secret',
    // A secret's lifetime is fixed when it is added: another lifetime means another secret. The engine stores the new
    // one first and only then removes the one this setup added before (never a secret it did not add).
    resets: (before, after) => before.secretDays !== after.secretDays,
    redo: (before, after, o) =>
      o.password
        ? `The client secret: lifetime ${before.secretDays} → ${after.secretDays} days, so a new secret valid ${after.secretDays} days is added and stored in this editor’s secret storage; then the one this setup added before (key ${o.password.keyId}, valid until ${day(o.password.endDateTime)}) is removed. A connector deployed with the old secret needs the new one${after.deploy ? ' (the deploy step updates it)' : ''}.`
        : `The client secret: lifetime ${before.secretDays} → ${after.secretDays} days; the secret is added with the new lifetime.`,
    prompt: {
      title: 'The client secret',
      required: true,
      defaults: (): SecretPageAnswer => ({ secretDays: DEFAULT_SECRET_DAYS }),
      parse: parseSecret,
      describe: (a: SecretPageAnswer) => ['Secret lifetime', `${a.secretDays} days`],
    },
    toChoices: (a) => ({ secretDays: a.secretDays }),
  }),
  autoStep({ id: 'properties', title: 'apiProperties.json', resets: never }),
  answerStep({
    id: 'redirect',
    title: 'The redirect URL',
    // Reconciled by its task on the next run.
    resets: never,
    prompt: {
      title: 'The redirect URL',
      required: true,
      defaults: (): RedirectPageAnswer => ({ redirectUrl: '' }),
      parse: parseRedirect,
      describe: (a: RedirectPageAnswer) => ['Redirect URL', a.redirectUrl || 'later'],
    },
    toChoices: (a) => (a.redirectUrl ? { redirectUrl: a.redirectUrl } : {}),
  }),
  answerStep({
    id: 'deploy',
    title: 'Deploy to Power Platform',
    // Deploying is create-or-update (settings.json remembers the connector): reconciled by its task on every run.
    resets: never,
    prompt: {
      title: 'Deploy the connector to Power Platform',
      required: false,
      defaults: (): DeployAnswer => ({ kind: 'skip' }),
      parse: parseDeploy,
      describe: (a: DeployAnswer) => ['Deploy', a.kind === 'skip' ? 'Skip' : `To ${a.environment || 'the default environment'}`],
    },
    toChoices: (a) => (a.kind === 'deploy' ? { deploy: a.environment ? { environment: a.environment } : {} } : {}),
  }),
  answerStep({
    id: 'site',
    title: 'Secure the service and its CORS',
    // The site is not an engine choice: the controller hands the engine the chosen site's securer on each run.
    resets: never,
    prompt: {
      title: 'Secure the service (App Service / Functions)',
      required: false,
      defaults: (): SiteAnswer => ({ kind: 'skip' }),
      parse: parseSite,
      describe: (a: SiteAnswer) => ['Secure the service', a.kind === 'site' ? a.siteId : 'Skip'],
    },
    toChoices: () => ({}),
  }),
] as const;

export type Step = (typeof STEPS)[number];
export type StepId = Step['id'];
type AnswerSteps = Extract<Step, { readonly prompt: object }>;
export type AnswerStepId = AnswerSteps['id'];
type AnswerOf<S> = S extends AnswerStep<EngineStepId, infer A> ? A : never;

/** Every page's answer, keyed by step id: the one answer shape of the wizard and the CLI. */
export type Answers = { readonly [S in AnswerSteps as S['id']]: AnswerOf<S> };

/** The checklist's step ids, in order. */
export const STEP_IDS = STEPS.map((s) => s.id) as readonly StepId[];
export const ANSWER_STEPS = STEPS.filter((s): s is AnswerSteps => s.prompt !== undefined);
export const ANSWER_STEP_IDS = ANSWER_STEPS.map((s) => s.id) as readonly AnswerStepId[];
export const REQUIRED_STEP_IDS = ANSWER_STEPS.filter((s) => s.prompt.required).map((s) => s.id) as readonly AnswerStepId[];

export function stepById(id: StepId): Step {
  return STEPS.find((s) => s.id === id) as Step;
}


/** The wizard's pages: sign-in, one per answer step, review, summary. `signIn` only while nobody is signed in. */
export type PageId = 'signIn' | AnswerStepId | 'review' | 'summary';
export const PAGES: readonly PageId[] = ['signIn', ...ANSWER_STEP_IDS, 'review', 'summary'];

/** The page where a checklist step's answer is given (a step without a page shows on the review page). */
export function pageOfStep(id: StepId): PageId {
  const step = stepById(id);
  return step.prompt ? (step.id as AnswerStepId) : 'review';
}

/** The heading of a page: answer pages numbered in table order. */
export function pageTitle(page: PageId): string {
  if (page === 'signIn') return 'Sign in to Microsoft Entra';
  if (page === 'summary') return 'Summary';
  if (page === 'review') return `${ANSWER_STEPS.length + 1}. Review and run`;
  const i = ANSWER_STEP_IDS.indexOf(page);
  return `${i + 1}. ${(ANSWER_STEPS[i] as AnswerSteps).prompt.title}`;
}

/** One step's answer checked (throws {@link Invalid}); typed by the step. */
export function parseAnswerOf<K extends AnswerStepId>(id: K, value: unknown): Answers[K] {
  return (stepById(id) as AnswerStep<K, Answers[K]>).prompt.parse(value);
}

/** The answers a fresh setup starts with. */
export function defaultAnswers(input: DefaultsInput): Answers {
  return Object.fromEntries(ANSWER_STEPS.map((s) => [s.id, (s as AnswerStep<EngineStepId, unknown>).prompt.defaults(input)])) as unknown as Answers;
}

/** The review page's lines, in table order. */
export function describeAnswers(answers: Answers, facts?: ReviewFacts): (readonly [string, string])[] {
  return ANSWER_STEPS.map((s) => (s as AnswerStep<EngineStepId, unknown>).prompt.describe(answers[s.id], facts));
}

/** The engine's choices for the answers (the same for the wizard and the CLI). */
export function choicesFromAnswers(answers: Answers, env: ChoiceEnv): SetupChoices {
  return Object.assign({}, ...ANSWER_STEPS.map((s) => (s as AnswerStep<EngineStepId, unknown>).toChoices(answers[s.id], env))) as SetupChoices;
}

/**
 * THE rule for a changed answer, used by the wizard and the CLI: the earliest step whose answer changed in a way
 * that invalidates its work starts again (the engine then starts every later step again too).
 */
export function stepsToReset(before: SetupChoices, after: SetupChoices): EngineStepId[] {
  const first = STEPS.find((s) => s.resets(before, after));
  return first ? [first.id] : [];
}

/**
 * Power Platform's consent service, which every connector's redirect URL is on: the shared
 * `https://global.consent.azure-apim.net/redirect` and the per-connector `…/redirect/{connector}`. Other hosts (a
 * sovereign cloud's, which no primary source documents) are accepted with a warning, never refused.
 */
export function redirectUrlWarning(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (/(^|\.)consent\.azure-apim\.net$/i.test(u.hostname) && /^\/redirect(\/|$)/i.test(u.pathname)) return undefined;
  return `${u.host} is not Power Platform's consent service (https://global.consent.azure-apim.net/redirect/…). Use the redirect URL the connector shows on its Security tab; register this one only if you are sure (a sovereign cloud's connector has its own host).`;
}
