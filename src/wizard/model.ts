/**
 * The wizard's pure logic (no `vscode`): default answers pre-filled from the workspace, answers → engine choices,
 * which engine steps an changed answer invalidates, page order, and the view state the webview renders — derived
 * from the SetupContext, which never holds a secret, and nothing else secret-bearing.
 */
import { readApiProperties } from '../connector/model';
import { stringValue, valueAt } from '../connector/jsonDocument';
import { MICROSOFT_GRAPH_APP_ID } from '../graph/operations';
import {
  DEFAULT_SCOPE,
  DEFAULT_SECRET_DAYS,
  STEP_IDS,
  type SetupChoices,
  type SetupContext,
  type StepId,
} from '../setup/context';
import { undoPlan } from '../setup/summary';
import {
  ANSWER_PAGES,
  GUID_PATTERN,
  PAGES,
  REQUIRED_PAGES,
  type AnswerPageId,
  type ChecklistStep,
  type PageId,
  type SummaryObject,
  type WizardAnswers,
  type WizardSummary,
  type WizardViewState,
} from '../protocol';

export const STEP_TITLES: Readonly<Record<StepId, string>> = {
  service: 'The API (service) app',
  connector: 'The connector app',
  consent: 'Delegation and consent',
  secret: 'The client secret',
  properties: 'apiProperties.json',
  redirect: 'The redirect URL',
  cors: 'Secure the service and its CORS',
};

export const NEXT_COMMAND =
  'Deploy the connector from its folder: pac connector create --api-definition-file ./apiDefinition.swagger.json --api-properties-file ./apiProperties.json — then paste its redirect URL above to register it, and give the client secret (Copy secret) on the connector’s Security tab.';

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
export function defaultAnswers(folderName: string, apiPropertiesText?: string): WizardAnswers {
  const clientId = existingClientId(apiPropertiesText);
  const name = folderName.trim() || 'Connector';
  return {
    service: { kind: 'new', displayName: `${name} API`, identifierUri: 'tenant', scope: DEFAULT_SCOPE, audience: 'single' },
    connector: clientId ? { kind: 'existing', appId: clientId } : { kind: 'new', displayName: `${name} connector` },
    consent: { consent: 'admin', obo: false },
    secret: { secretDays: DEFAULT_SECRET_DAYS },
    redirect: { redirectUrl: '' },
    site: { kind: 'skip' },
  };
}

/** The engine's choices for the answers. `graphResource` is the cloud's Microsoft Graph resource URI. */
export function choicesFromAnswers(answers: WizardAnswers, graphResource: string): SetupChoices {
  const s = answers.service;
  const service: SetupChoices['service'] =
    s.kind === 'new'
      ? {
          kind: 'new',
          displayName: s.displayName,
          identifierUri: s.identifierUri === 'custom' && s.customUri ? { kind: 'custom', uri: s.customUri } : s.identifierUri === 'appId' ? { kind: 'appId' } : { kind: 'tenant' },
          scope: s.scope,
          audience: s.audience === 'multi' ? 'AzureADMultipleOrgs' : 'AzureADMyOrg',
        }
      : s.kind === 'existing'
        ? { kind: 'existing', appId: s.appId, ...(s.scope ? { scope: s.scope } : {}) }
        : { kind: 'microsoft', appId: MICROSOFT_GRAPH_APP_ID, resourceUri: graphResource.replace(/\/+$/, ''), scopes: [...s.scopes] };
  return {
    service,
    connector: answers.connector.kind === 'new' ? { kind: 'new', displayName: answers.connector.displayName } : { kind: 'existing', appId: answers.connector.appId },
    consent: answers.consent.consent,
    secretDays: answers.secret.secretDays,
    obo: answers.consent.obo,
    ...(answers.redirect.redirectUrl ? { redirectUrl: answers.redirect.redirectUrl } : {}),
  };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The earliest engine steps to start again because an answer changed since the context's last run (the user went
 * Back and changed it). The secret's lifetime does not reset an existing secret; OBO and the redirect URL are
 * reconciled by their tasks on the next run without a reset.
 */
export function stepsToReset(before: SetupChoices, after: SetupChoices): StepId[] {
  if (!same(before.service, after.service)) return ['service'];
  if (!same(before.connector, after.connector)) return ['connector'];
  if (before.consent !== after.consent) return ['consent'];
  return [];
}

/** The page after `page` (the sign-in page only while nobody is signed in). */
export function nextPage(page: PageId, signedIn: boolean): PageId {
  if (!signedIn) return 'signIn';
  if (page === 'signIn') return 'service';
  const i = PAGES.indexOf(page);
  return PAGES[Math.min(i + 1, PAGES.length - 1)] as PageId;
}

export function previousPage(page: PageId): PageId {
  const i = PAGES.indexOf(page);
  return i <= 1 ? 'service' : (PAGES[i - 1] as PageId);
}

/** The first required page not answered yet, or undefined when the setup may run. */
export function firstOpenRequired(answered: readonly AnswerPageId[]): AnswerPageId | undefined {
  return REQUIRED_PAGES.find((p) => !answered.includes(p));
}

/**
 * Whether `page` may be shown now: answered pages, the first unanswered one, and — once every required page is
 * answered — the optional site page and review.
 */
export function reachable(page: PageId, answered: readonly AnswerPageId[], hasRun: boolean, signedIn: boolean): boolean {
  if (!signedIn) return page === 'signIn';
  if (page === 'signIn') return false;
  if (page === 'summary') return hasRun;
  const firstOpen = firstOpenRequired(answered);
  if (page === 'review' || page === 'site') return firstOpen === undefined;
  return answered.includes(page as AnswerPageId) || page === firstOpen;
}

export interface ViewInput {
  readonly connectorName: string;
  readonly connectorPath: string;
  readonly account?: { username: string; tenantId: string };
  readonly page: PageId;
  readonly answers: WizardAnswers;
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
}

function checklist(ctx: SetupContext | undefined, running: boolean): ChecklistStep[] {
  return STEP_IDS.map((id) => {
    const s = ctx?.steps[id];
    const state = s?.state ?? 'pending';
    return {
      id,
      title: STEP_TITLES[id],
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
  const pending = STEP_IDS.flatMap((step) => {
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
    nextCommand: NEXT_COMMAND,
    undoPlan: undoPlan(ctx),
    ...siteSummary(ctx, input.answers),
  };
}

/** Step 7's outcome on the chosen site, once it ran (done or failed); nothing when the user skipped it. */
function siteSummary(ctx: SetupContext, answers: WizardAnswers): Pick<WizardSummary, 'site'> {
  const step = ctx.steps.cors;
  if (answers.site.kind !== 'site' || (step.state !== 'done' && step.state !== 'failed')) return {};
  return { site: { id: answers.site.siteId, state: step.state, detail: step.error ? `${step.error.message} ${step.error.next}` : (step.detail ?? '') } };
}

/** The whole view state. Built only from the inputs listed: the context holds ids, never a secret. */
export function deriveViewState(input: ViewInput): WizardViewState {
  const hasRun = !!input.ctx && STEP_IDS.some((s) => input.ctx?.steps[s].state !== 'pending');
  return {
    connectorName: input.connectorName,
    connectorPath: input.connectorPath,
    ...(input.account ? { account: { username: input.account.username, tenantId: input.account.tenantId } } : {}),
    page: input.page,
    answers: input.answers,
    answered: ANSWER_PAGES.filter((p) => input.answered.includes(p)),
    steps: checklist(input.ctx, input.running),
    running: input.running,
    ...(input.error ? { error: { message: input.error.message, next: input.error.next } } : {}),
    ...(input.notice ? { notice: input.notice } : {}),
    ...(input.ctx && hasRun ? { summary: summaryOf(input.ctx, input) } : {}),
  };
}
