// The wizard's webview: the message loop. It renders the checklist (left) and the current page (right) from the
// host's view state, keeps the answer being edited, and sends answers. It holds no secret and no token: "Copy
// secret" asks the host, which copies from SecretStorage itself. Its own persisted state is the connector path and
// the page only. Pages are drawn by webview-ui/pages/<id>.ts, titled and ordered by the step table.
import {
  ANSWER_PAGES,
  STEP_PAGE,
  answerMessage,
  validateAnswer,
  type AnswerPageId,
  type Answers,
  type ChecklistStep,
  type HostMessage,
  type PageId,
  type StepState,
  type WizardViewState,
} from '../src/protocol';
import { pageTitle } from '../src/wizard/steps';
import { button, el, persist, send } from './dom';
import { showSearchResults } from './pages/api';
import { PAGE_RENDERERS } from './pages/index';
import type { PageContext } from './pages/page';
import { renderReview } from './pages/review';
import { renderSignIn } from './pages/signIn';
import { showSites } from './pages/site';
import { showEnvironments } from './pages/deploy';
import { renderSummary } from './pages/summary';

// The first-paint timeline `npm run bench` reads (bench/vscode.ts): the imports above have defined the elements.
performance.mark('entra:module-evaluated');
const app = document.getElementById('app') as HTMLElement;

const STATE_LABEL: Record<StepState, string> = { done: 'Done', pending: 'Pending', running: 'Running…', failed: 'Failed', skipped: 'Skipped' };

let view: WizardViewState | undefined;
/** The answers being edited on the current page (starts from the host's answers). */
let draft: Answers | undefined;
let draftPage: PageId | undefined;
let formError = '';

/** The one way the draft changes: one step's answer, typed by the step. */
function setDraft<K extends AnswerPageId>(id: K, value: Answers[K]): void {
  draft = { ...(draft ?? (view as WizardViewState).answers), [id]: value };
}

function pageContext<K extends AnswerPageId>(id: K, v: WizardViewState): PageContext<K> {
  return {
    view: v,
    current: () => (draft ?? v.answers)[id],
    set: (next) => setDraft(id, next),
    rerender: renderPage,
  };
}

function renderAnswerPage<K extends AnswerPageId>(id: K, v: WizardViewState): Node[] {
  return PAGE_RENDERERS[id](pageContext(id, v));
}

function checklistItem(step: ChecklistStep, current: PageId): HTMLElement {
  const b = el('button', { type: 'button', class: `step step-${step.state}`, 'data-step': step.id, 'aria-current': STEP_PAGE[step.id] === current ? 'step' : undefined },
    el('span', { class: 'title' }, step.title),
    el('span', { class: 'state' }, STATE_LABEL[step.state]),
  );
  if (step.detail || step.error) b.title = [step.error?.message ?? step.detail, step.error ? `Next: ${step.error.next}` : ''].filter(Boolean).join('\n');
  b.addEventListener('click', () => send({ type: 'goTo', page: STEP_PAGE[step.id] }));
  return el('li', {}, b, step.state === 'failed' && step.error ? el('p', { class: 'step-error' }, step.error.message) : undefined);
}

function renderPage(): void {
  const v = view;
  const section = document.getElementById('page');
  if (!v || !section) return;
  if (draftPage !== v.page || !draft) {
    draft = v.answers;
    draftPage = v.page;
  }
  const page = v.page;
  const heading = el('h2', { tabindex: '-1', id: 'pageTitle' }, pageTitle(page));
  let body: Node[] = [];
  const actions = el('div', { class: 'actions' });
  if (page !== 'signIn' && page !== ANSWER_PAGES[0] && !v.running) actions.append(button('Back', () => send({ type: 'back' }), { secondary: true, id: 'back' }));
  if (page === 'signIn') {
    body = renderSignIn();
    actions.append(button('Sign in', () => send({ type: 'signIn' }), { id: 'signIn' }));
  } else if (page === 'review') {
    body = renderReview(draft, v);
    actions.append(button('Run setup', () => send({ type: 'run' }), { id: 'run' }));
  } else if (page === 'summary') {
    body = renderSummary(v);
    if (!v.running && v.steps.some((x) => x.state === 'failed' || x.state === 'pending')) actions.append(button('Run again', () => send({ type: 'run' }), { id: 'run', secondary: true }));
  } else {
    body = renderAnswerPage(page, v);
    actions.append(
      button('Next', () => {
        const value = (draft ?? v.answers)[page];
        const problem = validateAnswer(page, value);
        if (problem) {
          formError = problem;
          renderPage();
          return;
        }
        formError = '';
        send(answerMessage(page, value));
      }, { id: 'next' }),
    );
  }
  const messages: Node[] = [];
  if (formError) messages.push(el('p', { class: 'error', role: 'alert' }, `Check this page: ${formError}.`));
  if (v.error) messages.push(el('div', { class: 'error', role: 'alert' }, el('p', {}, v.error.message), el('p', {}, `Next: ${v.error.next}`)));
  if (v.notice) messages.push(el('p', { class: 'notice', role: 'status' }, v.notice));
  section.replaceChildren(heading, ...messages, el('form', { id: 'form', novalidate: true }, ...body), actions);
  section.querySelector('form')?.addEventListener('submit', (e) => e.preventDefault());
}

function render(state: WizardViewState): void {
  const pageChanged = view?.page !== state.page;
  view = state;
  if (pageChanged) {
    formError = '';
    draft = undefined;
  }
  persist({ connectorPath: state.connectorPath, page: state.page });
  const list = el('ol', { class: 'checklist', 'aria-label': 'Checklist' }, ...state.steps.map((s) => checklistItem(s, state.page)));
  const header = el('header', {}, el('h1', {}, `Secure “${state.connectorName}” with Microsoft Entra ID`), el('p', { class: 'help' }, state.account ? `${state.connectorPath} · signed in as ${state.account.username} · tenant ${state.account.tenantId}` : state.connectorPath));
  app.replaceChildren(header, el('div', { class: 'layout' }, el('nav', { 'aria-label': 'Setup steps' }, list), el('section', { id: 'page', class: 'page', 'aria-labelledby': 'pageTitle' })));
  renderPage();
  if (pageChanged) (document.getElementById('pageTitle') as HTMLElement | null)?.focus();
}

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const message = event.data;
  if (!message || typeof message !== 'object') return;
  if (message.type === 'state') render(message.state);
  else if (message.type === 'searchResults') showSearchResults(message);
  else if (message.type === 'sites') showSites(message, view?.page === 'site');
  else if (message.type === 'environments') showEnvironments(message, view?.page === 'deploy');
});

const initial = document.getElementById('initial-state')?.textContent;
if (initial) render(JSON.parse(initial) as WizardViewState);
performance.mark('entra:first-render');
send({ type: 'ready' });
