/**
 * The wizard's pure logic (no `vscode`): default answers pre-filled from the workspace, answers → engine choices,
 * which engine steps an changed answer invalidates, page order, and the view state the webview renders — derived
 * from the SetupContext, which never holds a secret, and nothing else secret-bearing.
 */
import { readApiProperties } from '../connector/model';
import { stringValue, valueAt } from '../connector/jsonDocument';
import { MICROSOFT_GRAPH_APP_ID } from '../graph/operations';
import { identifierUriFor, type SetupChoices, type SetupContext, type StepId as EngineStepId } from '../setup/context';
import { resetStep, stepsResetWith } from '../setup/engine';
import { undoPlan } from '../setup/summary';
import type { AnswerPageId, ChecklistStep, ConnectionTestView, PageId, SummaryObject, WizardSummary, WizardViewState } from '../protocol';
import {
  ANSWER_STEPS,
  ANSWER_STEP_IDS,
  PAGES,
  REQUIRED_STEP_IDS,
  STEPS,
  choicesFromAnswers as choicesFor,
  defaultAnswers as defaultsFor,
  describeAnswers,
  stepById,
  stepsToReset,
  type Answers,
  type ReviewFacts,
} from './steps';
import { GUID_PATTERN } from './validate';

export { stepsToReset } from './steps';

export const NEXT_COMMAND =
  'Deploy the connector: “Entra Connector: Deploy Connector to Power Platform…” (or entra-connector deploy) creates it with the client secret from this editor’s secret storage, reads its redirect URL back and registers it; then “Test Connection” proves a sign-in reaches the API.';

/** What comes next once the setup deployed the connector. */
export const NEXT_AFTER_DEPLOY =
  '“Test Connection” above proves a sign-in reaches the API through the connector. After you change the connector’s files, “Entra Connector: Deploy Connector to Power Platform…” updates it (the deployed client secret is kept).';

/** The client ID of an Entra-secured connector's `token` parameter, when apiProperties.json has one. */
export function existingClientId(apiPropertiesText: string | undefined): string | undefined {
  if (!apiPropertiesText) return undefined;
  try {
    const props = readApiProperties(apiPropertiesText);
    for (const token of props.tokens) {
      if (!token.isEntra) continue;
      const id = stringValue(valueAt(token.settings, 'clientId'))?.trim();
      if (id && GUID_PATTERN.test(id)) return id;
    }
  } catch {
    // An unreadable file is reported by the properties step; the wizard just does not pre-fill from it.
  }
  return undefined;
}

/** The answers a fresh wizard starts with: names from the folder, an existing connector app from the file. */
export function defaultAnswers(folderName: string, apiPropertiesText?: string): Answers {
  const clientId = existingClientId(apiPropertiesText);
  return defaultsFor({ connectorName: folderName.trim() || 'Connector', ...(clientId ? { existingClientId: clientId } : {}) });
}

/** The engine's choices for the answers. `graphResource` is the cloud's Microsoft Graph resource URI. */
export function choicesFromAnswers(answers: Answers, graphResource: string): SetupChoices {
  return choicesFor(answers, { graphResource, graphAppId: MICROSOFT_GRAPH_APP_ID });
}

/**
 * Applies new choices to a saved context, starting again the steps a changed answer invalidates
 * ({@link stepsToReset}). The wizard (an answer changed after going Back) and the CLI (run again with other
 * options) both resume through here. Returns the engine steps that start again.
 */
export function applyChoices(ctx: SetupContext, choices: SetupChoices): EngineStepId[] {
  const reset = stepsToReset(ctx.choices, choices);
  (ctx as { choices: SetupChoices }).choices = choices;
  for (const step of reset) resetStep(ctx, step);
  return reset;
}

function ran(ctx: SetupContext): boolean {
  return STEPS.some((s) => ctx.steps[s.id].state !== 'pending');
}

/**
 * What a run with `choices` redoes of a setup that ran, as sentences for the review page: the step the one rule
 * ({@link stepsToReset}) starts again, with the real objects it replaces, and the later steps that are checked again.
 * Empty when nothing changed that needs redoing.
 */
export function plannedRedo(ctx: SetupContext | undefined, choices: SetupChoices): string[] {
  if (!ctx || !ran(ctx)) return [];
  const [first] = stepsToReset(ctx.choices, choices);
  if (!first) return [];
  const step = stepById(first);
  const lines = [step.redo?.(ctx.choices, choices, ctx.objects) ?? `${step.title}: runs again.`];
  const later = stepsResetWith(first)
    .filter((id) => id !== first && ctx.steps[id].state !== 'pending' && ctx.steps[id].state !== 'skipped')
    .map((id) => stepById(id).title);
  if (later.length > 0) lines.push(`Then run again: ${later.join(', ')}.`);
  return lines;
}

/**
 * The real values behind the review page's answers: the Application ID URI a run recorded for the same API answer,
 * else the one the answer gives in this tenant (for `api://{appId}`: once the app exists).
 */
export function reviewFacts(answers: Answers, choices: SetupChoices | undefined, ctx: SetupContext | undefined, tenantId: string | undefined): ReviewFacts {
  const a = answers.api;
  if (a.kind !== 'new') return {};
  const recorded = ctx?.objects.apiApp;
  if (recorded?.identifierUri && choices && JSON.stringify(ctx?.choices.api) === JSON.stringify(choices.api)) return { identifierUri: recorded.identifierUri };
  if (a.identifierUri === 'custom') return a.customUri ? { identifierUri: a.customUri } : {};
  // The same setup finds its API app again by its unique name: its appId does not change.
  const appId = recorded?.created ? recorded.appId : undefined;
  const tenant = ctx?.tenantId ?? tenantId;
  const uri = a.identifierUri === 'tenant' ? (tenant ? identifierUriFor({ kind: 'tenant' }, tenant, a.displayName) : undefined) : identifierUriFor({ kind: 'appId' }, tenant ?? '', a.displayName, appId);
  return uri ? { identifierUri: uri } : {};
}

const FIRST_ANSWER_PAGE = ANSWER_STEP_IDS[0] as AnswerPageId;

/** The page after `page` (the sign-in page only while nobody is signed in). */
export function nextPage(page: PageId, signedIn: boolean): PageId {
  if (!signedIn) return 'signIn';
  if (page === 'signIn') return FIRST_ANSWER_PAGE;
  const i = PAGES.indexOf(page);
  return PAGES[Math.min(i + 1, PAGES.length - 1)] as PageId;
}

export function previousPage(page: PageId): PageId {
  const i = PAGES.indexOf(page);
  return i <= 1 ? FIRST_ANSWER_PAGE : (PAGES[i - 1] as PageId);
}

/** Whether `page` is the first page after sign-in (nothing before it to go Back to). */
export function isFirstPage(page: PageId): boolean {
  return page === FIRST_ANSWER_PAGE;
}

/** Whether `page` is an optional answer page (the setup may run from it, as from review). */
export function isOptionalPage(page: PageId): boolean {
  return ANSWER_STEPS.some((s) => s.id === page && !s.prompt.required);
}

/** The first required page not answered yet, or undefined when the setup may run. */
export function firstOpenRequired(answered: readonly AnswerPageId[]): AnswerPageId | undefined {
  return REQUIRED_STEP_IDS.find((p) => !answered.includes(p));
}

/** The first page not answered yet (required ones first, then optional ones), else review. */
export function firstOpenPage(answered: readonly AnswerPageId[]): PageId {
  return firstOpenRequired(answered) ?? ANSWER_STEP_IDS.find((p) => !answered.includes(p)) ?? 'review';
}

/**
 * Whether `page` may be shown now: answered pages, the first unanswered one, and — once every required page is
 * answered — the optional pages and review.
 */
export function reachable(page: PageId, answered: readonly AnswerPageId[], hasRun: boolean, signedIn: boolean): boolean {
  if (!signedIn) return page === 'signIn';
  if (page === 'signIn') return false;
  if (page === 'summary') return hasRun;
  const firstOpen = firstOpenRequired(answered);
  if (page === 'review' || isOptionalPage(page)) return firstOpen === undefined;
  return answered.includes(page) || page === firstOpen;
}

export interface ViewInput {
  readonly connectorName: string;
  readonly connectorPath: string;
  readonly account?: { username: string; tenantId: string };
  readonly page: PageId;
  readonly answers: Answers;
  readonly answered: readonly AnswerPageId[];
  readonly ctx?: SetupContext;
  readonly running: boolean;
  readonly error?: { message: string; next: string };
  readonly notice?: string;
  /** Whether SecretStorage holds the connector app's secret (the value is never read for the view). */
  readonly secretStored: boolean;
  /** The admin center page of an app (by appId) in this cloud, when the cloud has one. */
  readonly adminCenterLink?: (appId: string) => string | undefined;
  /** The connector files, workspace-relative. */
  readonly files: readonly string[];
  readonly consentHint?: string;
  /** The engine choices the current answers give (for the review page's real values and what a run redoes). */
  readonly choices?: SetupChoices;
  readonly connectionTest?: ConnectionTestView;
}

function checklist(ctx: SetupContext | undefined, running: boolean): ChecklistStep[] {
  return STEPS.map(({ id, title }) => {
    const s = ctx?.steps[id];
    const state = s?.state ?? 'pending';
    return {
      id,
      title,
      // A step left "running" by a window that closed mid-run is not running now.
      state: state === 'running' && !running ? 'pending' : state,
      ...(s?.detail ? { detail: s.detail } : {}),
      ...(s?.state === 'failed' && s.error ? { error: { message: s.error.message, next: s.error.next, code: s.error.code } } : {}),
    };
  });
}

function summaryOf(ctx: SetupContext, input: ViewInput): WizardSummary {
  const o = ctx.objects;
  const link = (appId: string | undefined) => (appId && input.adminCenterLink ? input.adminCenterLink(appId) : undefined);
  const objects: SummaryObject[] = [];
  const add = (label: string, id: string | undefined, created: boolean, href?: string) => {
    if (id) objects.push({ label, id, created, ...(href ? { link: href } : {}) });
  };
  add(`API app “${o.apiApp?.displayName ?? ''}” (appId)`, o.apiApp?.appId, !!o.apiApp?.created, link(o.apiApp?.id ? o.apiApp.appId : undefined));
  add('API service principal', o.apiSp?.id, !!o.apiSp?.created);
  add(`Connector app “${o.connectorApp?.displayName ?? ''}” (client ID)`, o.connectorApp?.appId, !!o.connectorApp?.created, link(o.connectorApp?.appId));
  add('Connector service principal', o.connectorSp?.id, !!o.connectorSp?.created);
  add(`Delegated grant (${o.grant?.consentType === 'AllPrincipals' ? 'whole tenant' : 'your account'}: ${o.grant?.scope ?? ''})`, o.grant?.id, !!o.grant?.created);
  add(`Client secret (key id; valid until ${o.password?.endDateTime.slice(0, 10) ?? ''})`, o.password?.keyId, !!o.password?.created);
  add('Redirect URL registered', o.redirectUri, true);
  const pending = STEPS.flatMap(({ id: step }) => {
    const s = ctx.steps[step];
    return s.state === 'pending' || s.state === 'failed' ? [{ step, detail: s.detail ?? (s.state === 'failed' ? 'Failed; see the step.' : 'Not run yet.') }] : [];
  });
  return {
    objects,
    pending,
    ...(o.adminConsentUrl ? { adminConsentUrl: o.adminConsentUrl } : {}),
    secretStored: input.secretStored && !!o.password,
    ...(o.password ? { secretExpires: o.password.endDateTime } : {}),
    files: input.files,
    nextCommand: deploymentSummary(ctx).deployment ? NEXT_AFTER_DEPLOY : NEXT_COMMAND,
    undoPlan: undoPlan(ctx),
    ...deploymentSummary(ctx),
    ...siteSummary(ctx, input.answers),
  };
}

/** The connector the deploy step deployed (done: its redirect URL is registered too); nothing otherwise. */
function deploymentSummary(ctx: SetupContext): Pick<WizardSummary, 'deployment'> {
  const d = ctx.objects.deployment;
  if (!d || ctx.steps.deploy.state !== 'done') return {};
  return { deployment: { connectorId: d.connectorId, environment: d.environment, ...(d.redirectUrl ? { redirectUrl: d.redirectUrl } : {}) } };
}

/** Step 7's outcome on the chosen site, once it ran (done or failed); nothing when the user skipped it. */
function siteSummary(ctx: SetupContext, answers: Answers): Pick<WizardSummary, 'site'> {
  const step = ctx.steps.site;
  if (answers.site.kind !== 'site' || (step.state !== 'done' && step.state !== 'failed')) return {};
  return { site: { id: answers.site.siteId, state: step.state, detail: step.error ? `${step.error.message} ${step.error.next}` : (step.detail ?? '') } };
}

/** The whole view state. Built only from the inputs listed: the context holds ids, never a secret. */
export function deriveViewState(input: ViewInput): WizardViewState {
  const hasRun = !!input.ctx && ran(input.ctx);
  const redo = input.choices ? plannedRedo(input.ctx, input.choices) : [];
  return {
    connectorName: input.connectorName,
    connectorPath: input.connectorPath,
    ...(input.account ? { account: { username: input.account.username, tenantId: input.account.tenantId } } : {}),
    page: input.page,
    answers: input.answers,
    answered: ANSWER_STEP_IDS.filter((p) => input.answered.includes(p)),
    steps: checklist(input.ctx, input.running),
    running: input.running,
    ...(input.error ? { error: { message: input.error.message, next: input.error.next } } : {}),
    ...(input.notice ? { notice: input.notice } : {}),
    ...(input.ctx && hasRun ? { summary: summaryOf(input.ctx, input) } : {}),
    ...(input.consentHint ? { consentHint: input.consentHint } : {}),
    review: describeAnswers(input.answers, reviewFacts(input.answers, input.choices, input.ctx, input.account?.tenantId)),
    ...(redo.length > 0 ? { redo } : {}),
    ...(input.connectionTest ? { connectionTest: input.connectionTest } : {}),
  };
}
