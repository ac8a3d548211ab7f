/**
 * The messages between the extension host and the wizard webview, declared once and imported by both sides.
 * The webview is untrusted: the host validates every incoming message with {@link parseWebviewMessage} before acting
 * on it (shape, allowed values, size limits) and ignores the rest with a reason. Nothing here ever carries a secret
 * or a token: the client secret stays in SecretStorage and "Copy secret" is a request the host fulfils itself.
 * No imports with runtime effects: the webview bundle includes this file.
 */

import {
  ANSWER_STEP_IDS,
  PAGES,
  REQUIRED_STEP_IDS,
  STEP_IDS,
  parseAnswerOf,
  pageOfStep,
  type AnswerStepId,
  type Answers,
  type PageId,
  type StepId,
} from './wizard/steps';
import { Invalid, LIMITS, NAME_PATTERN, checkUrl, oneOf, only, record, text } from './wizard/validate';

export { LIMITS, GUID_PATTERN, SCOPE_PATTERN, SITE_ID_PATTERN, checkUrl } from './wizard/validate';
export { PAGES } from './wizard/steps';
export type {
  Answers,
  AnswerStepId,
  ApiAnswer,
  AudienceAnswer,
  ConnectorAnswer,
  ConsentAnswer,
  ConsentPageAnswer,
  IdentifierUriKind,
  PageId,
  RedirectPageAnswer,
  SecretPageAnswer,
  SiteAnswer,
} from './wizard/steps';

/** The checklist, in the step table's order (src/wizard/steps.ts). */
export const CHECKLIST_STEPS = STEP_IDS;
export type ChecklistStepId = StepId;

/** Pages whose answer the user gives in a form (and `answer` messages may name). */
export const ANSWER_PAGES = ANSWER_STEP_IDS;
export type AnswerPageId = AnswerStepId;
/** Pages that must be answered before the setup can run (optional ones start with their default answer). */
export const REQUIRED_PAGES = REQUIRED_STEP_IDS;

/** The page where each checklist step's answer is given (the checklist links there). */
export const STEP_PAGE: Readonly<Record<ChecklistStepId, PageId>> = Object.fromEntries(STEP_IDS.map((id) => [id, pageOfStep(id)])) as Record<ChecklistStepId, PageId>;

export type StepState = 'done' | 'pending' | 'running' | 'failed' | 'skipped';

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
  /** The connector deployed by the setup (its deploy step done): where, and its redirect URL; Test Connection is offered. */
  readonly deployment?: { readonly connectorId: string; readonly environment: string; readonly redirectUrl?: string };
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
  readonly answers: Answers;
  /** Pages whose answer was given (the user may go back to them). */
  readonly answered: readonly AnswerPageId[];
  readonly steps: readonly ChecklistStep[];
  readonly running: boolean;
  /** A failure outside a step (sign-in, search, invalid answer), with the next step. */
  readonly error?: { readonly message: string; readonly next: string };
  /** A short confirmation ("Copied the secret to the clipboard."). */
  readonly notice?: string;
  readonly summary?: WizardSummary;
  /** Why the consent page proposes what it does (the account's directory roles). */
  readonly consentHint?: string;
  /** The review page's lines (label, text), with the real values a run recorded or will use. */
  readonly review?: readonly (readonly [string, string])[];
  /** What a run redoes because an answer changed since the last run (sentences); absent when nothing. */
  readonly redo?: readonly string[];
  /** The summary's last step, once asked for: a connection through the deployed connector and one GET with it. */
  readonly connectionTest?: ConnectionTestView;
}

/** The summary's "Test Connection": running, or its outcome (status and first bytes of the answer, or the cause). */
export interface ConnectionTestView {
  readonly state: 'running' | 'ok' | 'failed';
  readonly detail: string;
}

/** A Power Platform environment the user may deploy to (for the deploy page's list): names only, never a token. */
export interface EnvironmentChoice {
  readonly name: string;
  readonly displayName: string;
  readonly isDefault: boolean;
}

/** Host → webview. */
export type HostMessage =
  | { readonly type: 'state'; readonly state: WizardViewState }
  | { readonly type: 'searchResults'; readonly query: string; readonly results: readonly SearchResult[]; readonly error?: string }
  /** The answer to `findSites`: the sites serving the swagger host first; `error` says why the list is empty. */
  | { readonly type: 'sites'; readonly sites: readonly SiteChoice[]; readonly host?: string; readonly error?: string }
  /** The answer to `findEnvironments`: the default environment first; `error` says why the list is empty. */
  | { readonly type: 'environments'; readonly environments: readonly EnvironmentChoice[]; readonly error?: string };

/** An answer to one step's page, typed by the step. */
export type AnswerMessage = { readonly [K in AnswerStepId]: { readonly type: 'answer'; readonly page: K; readonly value: Answers[K] } }[AnswerStepId];

/** Webview → host. */
export type WebviewMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'signIn' }
  | AnswerMessage
  | { readonly type: 'back' }
  | { readonly type: 'goTo'; readonly page: PageId }
  | { readonly type: 'search'; readonly query: string }
  /** List the web and function apps the user can see through ARM (the ARM permission is asked for only now). */
  | { readonly type: 'findSites' }
  /** List the Power Platform environments the user may deploy to (Power Platform is signed in to only now). */
  | { readonly type: 'findEnvironments' }
  | { readonly type: 'run' }
  | { readonly type: 'copySecret' }
  | { readonly type: 'copyAdminConsentLink' }
  | { readonly type: 'registerRedirect'; readonly url: string }
  /** The summary's last step: test a connection through the deployed connector (the host signs in in the browser). */
  | { readonly type: 'testConnection' }
  /** Remove what this setup created (the host asks for confirmation first). */
  | { readonly type: 'undo' };

export type WebviewMessageType = WebviewMessage['type'];

/** The webview's own `setState`: where the user was — never an answer, a secret or a token. */
export interface WebviewPersistedState {
  readonly connectorPath: string;
  readonly page: PageId;
}

// ---- validation --------------------------------------------------------------------------------------------------

export type Parsed<T> = { readonly ok: true; readonly message: T } | { readonly ok: false; readonly reason: string };

/** The `answer` message for one step (TypeScript cannot narrow a generic key into the union on its own). */
export function answerMessage<K extends AnswerStepId>(page: K, value: Answers[K]): AnswerMessage {
  return { type: 'answer', page, value } as AnswerMessage;
}

const BARE = ['ready', 'signIn', 'back', 'run', 'copySecret', 'copyAdminConsentLink', 'undo', 'findSites', 'findEnvironments', 'testConnection'] as const;

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
        return { ok: true, message: answerMessage(page, parseAnswerOf(page, v.value)) };
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
