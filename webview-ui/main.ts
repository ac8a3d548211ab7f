// The wizard's webview: renders the checklist (left) and the current page's form (right) from the host's view
// state, and sends the user's answers. It holds no secret and no token: "Copy secret" asks the host, which copies
// from SecretStorage itself. Its own persisted state is the connector path and the page only.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import '@vscode-elements/elements/dist/vscode-radio/index.js';
import '@vscode-elements/elements/dist/vscode-radio-group/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import {
  STEP_PAGE,
  validateAnswer,
  type AnswerPageId,
  type ChecklistStep,
  type HostMessage,
  type PageId,
  type SearchResult,
  type ServiceAnswer,
  type SiteChoice,
  type StepState,
  type WebviewMessage,
  type WebviewPersistedState,
  type WizardAnswers,
  type WizardViewState,
} from '../src/protocol';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  setState(state: WebviewPersistedState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const app = document.getElementById('app') as HTMLElement;

const STATE_LABEL: Record<StepState, string> = { done: 'Done', pending: 'Pending', running: 'Running…', failed: 'Failed', skipped: 'Skipped' };
const PAGE_TITLE: Record<PageId, string> = {
  signIn: 'Sign in to Microsoft Entra',
  service: '1. The API your connector calls',
  connector: '2. The connector app',
  consent: '3. Delegation and consent',
  secret: '4. The client secret',
  redirect: '5. The redirect URL',
  site: '6. Secure the service (App Service / Functions)',
  review: '7. Review and run',
  summary: 'Summary',
};

let view: WizardViewState | undefined;
/** The answers being edited on the current page (starts from the host's answers). */
let draft: WizardAnswers | undefined;
let draftPage: PageId | undefined;
let searchResults: readonly SearchResult[] = [];
let searchNote = '';
let formError = '';
let siteList: readonly SiteChoice[] = [];
let siteNote = '';
let sitesLoading = false;

type Child = Node | string | undefined | false;
function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | boolean | undefined> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c !== undefined && c !== false) node.append(c);
  return node;
}
function custom(tag: string, attrs: Record<string, string | boolean | undefined> = {}, ...children: Child[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c !== undefined && c !== false) node.append(c);
  return node;
}

function send(message: WebviewMessage): void {
  vscode.postMessage(message);
}

function button(label: string, onClick: () => void, opts: { secondary?: boolean; id?: string; disabled?: boolean } = {}): HTMLElement {
  const b = custom('vscode-button', { secondary: opts.secondary, id: opts.id, disabled: opts.disabled });
  b.textContent = label;
  b.addEventListener('click', () => {
    if (!b.hasAttribute('disabled')) onClick();
  });
  return b;
}

function textfield(id: string, label: string, value: string, onInput: (v: string) => void, opts: { help?: string; placeholder?: string; type?: string } = {}): HTMLElement {
  const field = custom('vscode-textfield', { id, type: opts.type, placeholder: opts.placeholder, 'aria-label': label }) as HTMLElement & { value: string };
  field.value = value;
  field.addEventListener('input', () => onInput(field.value));
  return el('div', { class: 'field' }, custom('vscode-label', { for: id }, label), field, opts.help ? el('p', { class: 'help' }, opts.help) : undefined);
}

function radios<T extends string>(name: string, label: string, options: readonly [T, string][], value: T, onChange: (v: T) => void): HTMLElement {
  const group = custom('vscode-radio-group', { variant: 'vertical', 'aria-label': label, id: `${name}-group` });
  for (const [v, text] of options) {
    const r = custom('vscode-radio', { name, value: v, label: text, checked: v === value, id: `${name}-${v}` }) as HTMLElement & { checked: boolean };
    r.textContent = text;
    r.addEventListener('change', () => {
      if (r.checked) onChange(v);
    });
    group.append(r);
  }
  return el('fieldset', { class: 'field' }, el('legend', {}, label), group);
}

function checkbox(id: string, label: string, checked: boolean, onChange: (v: boolean) => void): HTMLElement {
  const c = custom('vscode-checkbox', { id, label, checked }) as HTMLElement & { checked: boolean };
  c.textContent = label;
  c.addEventListener('change', () => onChange(c.checked));
  return el('div', { class: 'field' }, c);
}

// ---- pages -------------------------------------------------------------------------------------------------------

function servicePage(a: WizardAnswers): Node[] {
  const s = a.service;
  const setService = (next: ServiceAnswer) => {
    draft = { ...a, service: next };
    renderPage();
  };
  const kind = radios('serviceKind', 'Which API does the connector call?', [
    ['new', 'My own API: register a new API app'],
    ['existing', 'An API app already registered in this tenant'],
    ['microsoft', 'A Microsoft service (Microsoft Graph)'],
  ], s.kind, (k) => {
    if (k === s.kind) return;
    if (k === 'new') setService({ kind: 'new', displayName: `${view?.connectorName ?? 'Connector'} API`, identifierUri: 'tenant', scope: 'user_impersonation', audience: 'single' });
    else if (k === 'existing') setService({ kind: 'existing', appId: '' });
    else setService({ kind: 'microsoft', scopes: ['User.Read'] });
  });
  const out: Node[] = [kind];
  if (s.kind === 'new') {
    const update = (patch: Partial<Extract<ServiceAnswer, { kind: 'new' }>>) => (draft = { ...(draft as WizardAnswers), service: { ...(draft?.service as Extract<ServiceAnswer, { kind: 'new' }>), ...patch } });
    out.push(
      textfield('apiName', 'Display name of the API app', s.displayName, (v) => update({ displayName: v })),
      radios('identifierUri', 'Application ID URI', [
        ['tenant', `api://{tenant ID}/{name} (default)`],
        ['appId', 'api://{appId} (when your tenant’s policy demands it)'],
        ['custom', 'A URI on a verified domain'],
      ], s.identifierUri, (v) => {
        update({ identifierUri: v, ...(v === 'custom' ? {} : { customUri: undefined }) });
        renderPage();
      }),
      ...(s.identifierUri === 'custom' ? [textfield('customUri', 'Application ID URI', s.customUri ?? '', (v) => update({ customUri: v }), { placeholder: 'https://contoso.com/invoices' })] : []),
      textfield('scope', 'Delegated scope the connector asks for', s.scope, (v) => update({ scope: v }), { help: 'Default user_impersonation.' }),
      radios('audience', 'Who may sign in', [
        ['single', 'Accounts in this tenant only'],
        ['multi', 'Accounts in any Microsoft Entra tenant'],
      ], s.audience, (v) => update({ audience: v })),
    );
  } else if (s.kind === 'existing') {
    let query = '';
    const results = el('div', { id: 'searchResults', role: 'region', 'aria-label': 'Search results' });
    out.push(
      el(
        'div',
        { class: 'row' },
        textfield('search', 'Find the API app by name, appId or Application ID URI', '', (v) => (query = v)),
        button('Search', () => {
          if (query.trim()) send({ type: 'search', query: query.trim() });
        }, { secondary: true, id: 'searchButton' }),
      ),
      results,
      textfield('existingScope', 'Scope (optional; default user_impersonation or the first one)', s.scope ?? '', (v) => {
        draft = { ...(draft as WizardAnswers), service: { kind: 'existing', appId: (draft?.service as { appId: string }).appId, ...(v ? { scope: v } : {}) } };
      }),
    );
    fillResults(results, s.appId);
  } else {
    out.push(
      textfield('graphScopes', 'Microsoft Graph delegated scopes (space-separated)', s.scopes.join(' '), (v) => {
        draft = { ...(draft as WizardAnswers), service: { kind: 'microsoft', scopes: v.split(/\s+/).filter(Boolean) } };
      }, { help: 'Ask for the narrowest scopes the connector needs, e.g. User.Read.' }),
    );
  }
  return out;
}

function fillResults(container: HTMLElement, selected: string): void {
  container.replaceChildren();
  if (searchNote) container.append(el('p', { class: 'help' }, searchNote));
  if (searchResults.length === 0) {
    if (selected) container.append(el('p', {}, `Selected appId ${selected}.`));
    return;
  }
  container.append(
    radios('existingApp', 'Apps found', searchResults.map((r) => [r.appId, `${r.displayName} — ${r.identifierUri ?? r.appId}${r.scopes.length ? ` (scopes: ${r.scopes.join(', ')})` : ' (no scopes)'}`] as [string, string]), selected, (appId) => {
      const scope = (draft?.service as { scope?: string }).scope;
      draft = { ...(draft as WizardAnswers), service: { kind: 'existing', appId, ...(scope ? { scope } : {}) } };
    }),
  );
}

function connectorPage(a: WizardAnswers): Node[] {
  const c = a.connector;
  const out: Node[] = [
    radios('connectorKind', 'The app the connector signs users in with', [
      ['new', 'Register a new connector app'],
      ['existing', 'Use an app already registered (its client ID)'],
    ], c.kind, (k) => {
      if (k === c.kind) return;
      draft = { ...a, connector: k === 'new' ? { kind: 'new', displayName: `${view?.connectorName ?? 'Connector'} connector` } : { kind: 'existing', appId: '' } };
      renderPage();
    }),
  ];
  if (c.kind === 'new') out.push(textfield('connectorName', 'Display name of the connector app', c.displayName, (v) => (draft = { ...(draft as WizardAnswers), connector: { kind: 'new', displayName: v } })));
  else out.push(textfield('connectorAppId', 'Client ID (application ID)', c.appId, (v) => (draft = { ...(draft as WizardAnswers), connector: { kind: 'existing', appId: v.trim() } })));
  out.push(el('p', { class: 'help' }, 'It gets a Web redirect URI once the connector’s URL is known, and the delegated permission to the API chosen before.'));
  return out;
}

function consentPage(a: WizardAnswers): Node[] {
  const c = a.consent;
  const set = (patch: Partial<WizardAnswers['consent']>) => (draft = { ...(draft as WizardAnswers), consent: { ...(draft as WizardAnswers).consent, ...patch } });
  return [
    radios('consent', 'Consent to the delegated permission', [
      ['admin', 'For the whole tenant (needs an administrator role; else you get an admin-consent link)'],
      ['user', 'For my account only'],
      ['link', 'Give me an admin-consent link to send to an administrator'],
    ], c.consent, (v) => set({ consent: v })),
    checkbox('obo', 'On-behalf-of login (enableOnbehalfOfLogin): the connector app gets its own Application ID URI and scope, with Azure API Connections pre-authorized for it', c.obo, (v) => set({ obo: v })),
  ];
}

function secretPage(a: WizardAnswers): Node[] {
  return [
    textfield('secretDays', 'Lifetime of the client secret, in days', String(a.secret.secretDays), (v) => (draft = { ...(draft as WizardAnswers), secret: { secretDays: Number(v) } }), {
      type: 'number',
      help: 'Within your tenant’s policy; default 180. The value goes straight into VS Code’s secret storage and is shown only when you press “Copy secret”.',
    }),
  ];
}

function redirectPage(a: WizardAnswers): Node[] {
  return [
    el('p', {}, 'Power Platform gives each connector its own redirect URL (…/redirect/{connector id}) once the connector exists. If you know it, paste it; otherwise leave this empty and register it from the summary later — the checklist keeps it pending.'),
    textfield('redirectUrl', 'Redirect URL (optional)', a.redirect.redirectUrl, (v) => (draft = { ...(draft as WizardAnswers), redirect: { redirectUrl: v.trim() } }), { placeholder: 'https://global.consent.azure-apim.net/redirect/…' }),
  ];
}

function sitePage(a: WizardAnswers): Node[] {
  const site = a.site;
  const out: Node[] = [
    el('p', {}, 'If the API runs on Azure App Service or Azure Functions, the setup can secure it too: App Service Authentication (Easy Auth) then accepts only tokens for the API app, and CORS allows the Power Platform origins. Your Azure permission (Azure Resource Manager) is asked for only when you press “Find sites”.'),
    radios('siteKind', 'Secure the API’s site?', [
      ['skip', 'Skip: the API is hosted elsewhere, or I secure it later (“Entra Connector: Secure the Service…”)'],
      ['site', 'Secure a web app or function app'],
    ], site.kind, (k) => {
      if (k === site.kind) return;
      draft = { ...a, site: k === 'skip' ? { kind: 'skip' } : { kind: 'site', siteId: '' } };
      renderPage();
    }),
  ];
  if (site.kind === 'site') {
    const results = el('div', { id: 'siteResults', role: 'region', 'aria-label': 'Sites found' });
    out.push(
      el('div', { class: 'row' }, button(sitesLoading ? 'Finding sites…' : 'Find sites', () => {
        sitesLoading = true;
        siteNote = '';
        send({ type: 'findSites' });
        renderPage();
      }, { secondary: true, id: 'findSites', disabled: sitesLoading })),
      results,
      textfield('siteId', 'Or paste the site’s resource ID', site.siteId, (v) => (draft = { ...(draft as WizardAnswers), site: { kind: 'site', siteId: v.trim().replace(/\/+$/, '') } }), {
        placeholder: '/subscriptions/…/resourceGroups/…/providers/Microsoft.Web/sites/…',
      }),
      el('p', { class: 'help' }, 'Only the resource ID is kept. Undo does not change the site; its settings are shown in the summary.'),
    );
    fillSites(results, site.siteId);
  }
  return out;
}

function fillSites(container: HTMLElement, selected: string): void {
  container.replaceChildren();
  if (siteNote) container.append(el('p', { class: 'help' }, siteNote));
  if (siteList.length === 0) return;
  container.append(
    radios('site', 'Web and function apps', siteList.map((x) => [x.id, `${x.name}${x.defaultHostName ? ` — ${x.defaultHostName}` : ''} (${x.kind.startsWith('functionapp') ? 'function app' : 'web app'}, ${x.resourceGroup}, ${x.subscription})${x.servesApi ? ' · serves the connector’s host' : ''}`] as [string, string]), selected, (siteId) => {
      draft = { ...(draft as WizardAnswers), site: { kind: 'site', siteId } };
      const field = document.querySelector('#siteId') as (HTMLElement & { value: string }) | null;
      if (field) field.value = siteId;
    }),
  );
}

function describeAnswers(a: WizardAnswers): [string, string][] {
  const s = a.service;
  const service =
    s.kind === 'new'
      ? `New API app “${s.displayName}”, scope ${s.scope}, ${s.audience === 'single' ? 'single tenant' : 'multi-tenant'}, URI ${s.identifierUri === 'custom' ? s.customUri : s.identifierUri === 'appId' ? 'api://{appId}' : 'api://{tenant}/{name}'}`
      : s.kind === 'existing'
        ? `Existing API app ${s.appId}${s.scope ? `, scope ${s.scope}` : ''}`
        : `Microsoft Graph: ${s.scopes.join(', ')}`;
  return [
    ['API', service],
    ['Connector app', a.connector.kind === 'new' ? `New app “${a.connector.displayName}”` : `Existing app ${a.connector.appId}`],
    ['Consent', `${{ admin: 'Whole tenant', user: 'My account', link: 'Admin-consent link' }[a.consent.consent]}${a.consent.obo ? ', on-behalf-of login' : ''}`],
    ['Secret lifetime', `${a.secret.secretDays} days`],
    ['Redirect URL', a.redirect.redirectUrl || 'later'],
    ['Secure the service', a.site.kind === 'site' ? a.site.siteId : 'Skip'],
  ];
}

function reviewPage(a: WizardAnswers): Node[] {
  const list = el('dl', { class: 'review' });
  for (const [k, v] of describeAnswers(a)) list.append(el('dt', {}, k), el('dd', {}, v));
  return [list, el('p', { class: 'help' }, 'Run creates or finds each object, saving progress after every step; running it again continues where it stopped and never duplicates. You see a diff of apiProperties.json before it is written.')];
}

function summaryPage(v: WizardViewState): Node[] {
  const out: Node[] = [];
  if (v.running) out.push(el('div', { class: 'row', role: 'status' }, custom('vscode-progress-ring', { 'aria-label': 'Working' }), el('span', {}, 'Setting up in your tenant…')));
  const s = v.summary;
  if (!s) return out;
  const failed = v.steps.filter((x) => x.state === 'failed');
  if (failed.length > 0) {
    out.push(el('section', { class: 'errors', 'aria-label': 'Failed steps' }, el('h3', {}, 'What failed'), ...failed.map((f) => el('p', {}, el('strong', {}, `${f.title}: `), f.error?.message ?? f.detail ?? '', el('br'), `Next: ${f.error?.next ?? 'Run again.'}`))));
  }
  const table = el('table', { class: 'objects', 'aria-label': 'What exists now' }, el('thead', {}, el('tr', {}, el('th', {}, 'Object'), el('th', {}, 'Id'), el('th', {}, ''))));
  const body = el('tbody');
  for (const o of s.objects) {
    body.append(el('tr', {}, el('td', {}, o.label), el('td', {}, el('code', {}, o.id)), el('td', {}, o.created ? 'created' : 'found', o.link ? ' · ' : '', o.link ? el('a', { href: o.link }, 'Entra admin center') : undefined)));
  }
  table.append(body);
  out.push(el('h3', {}, 'What exists now'), table);
  if (s.secretStored) out.push(el('div', { class: 'row' }, button('Copy secret', () => send({ type: 'copySecret' }), { id: 'copySecret' }), el('span', { class: 'help' }, `Stored in VS Code’s secret storage${s.secretExpires ? `; expires ${s.secretExpires.slice(0, 10)}` : ''}.`)));
  if (s.adminConsentUrl) out.push(el('div', { class: 'row' }, el('span', {}, 'An administrator must grant consent.'), button('Copy admin-consent link', () => send({ type: 'copyAdminConsentLink' }), { secondary: true, id: 'copyAdminLink' })));
  if (s.site) {
    out.push(
      el('h3', {}, 'The service'),
      el('p', { id: 'siteSummary', class: s.site.state === 'failed' ? 'error' : undefined }, s.site.detail),
      el('p', { class: 'help' }, el('code', {}, s.site.id)),
    );
  }
  if (s.pending.length > 0) {
    out.push(el('h3', {}, 'Still pending'), el('ul', { class: 'pending' }, ...s.pending.map((p) => el('li', {}, el('strong', {}, `${v.steps.find((x) => x.id === p.step)?.title ?? p.step}: `), p.detail))));
  }
  if (!v.running && v.summary?.objects.some((o) => o.label.startsWith('Connector app'))) {
    let url = '';
    out.push(
      el('h3', {}, 'Register the redirect URL'),
      el('div', { class: 'row' }, textfield('registerRedirectUrl', 'The connector’s redirect URL', '', (x) => (url = x.trim()), { placeholder: 'https://global.consent.azure-apim.net/redirect/…' }), button('Register', () => {
        if (url) send({ type: 'registerRedirect', url });
      }, { secondary: true, id: 'registerRedirect' })),
    );
  }
  out.push(el('h3', {}, 'Next'), el('p', {}, s.nextCommand), el('p', { class: 'help' }, `Files: ${s.files.join(', ')}`));
  if (!v.running && s.undoPlan.length > 0) {
    out.push(el('h3', {}, 'Undo'), el('div', { class: 'row' }, el('span', { class: 'help' }, `Removes only what this setup created: ${s.undoPlan.join(', ')}.`), button('Undo this setup…', () => send({ type: 'undo' }), { secondary: true, id: 'undo' })));
  }
  return out;
}

// ---- rendering ---------------------------------------------------------------------------------------------------

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
  const a = draft;
  const page = v.page;
  const heading = el('h2', { tabindex: '-1', id: 'pageTitle' }, PAGE_TITLE[page]);
  let body: Node[] = [];
  const actions = el('div', { class: 'actions' });
  const isAnswerPage = (['service', 'connector', 'consent', 'secret', 'redirect', 'site'] as const).includes(page as AnswerPageId);
  if (page !== 'signIn' && page !== 'service' && !v.running) actions.append(button('Back', () => send({ type: 'back' }), { secondary: true, id: 'back' }));
  switch (page) {
    case 'signIn':
      body = [el('p', {}, 'Sign in to the tenant where the connector’s apps should live. Only User.Read is asked for now; each step asks for the permission it needs.')];
      actions.append(button('Sign in', () => send({ type: 'signIn' }), { id: 'signIn' }));
      break;
    case 'service':
      body = servicePage(a);
      break;
    case 'connector':
      body = connectorPage(a);
      break;
    case 'consent':
      body = consentPage(a);
      break;
    case 'secret':
      body = secretPage(a);
      break;
    case 'redirect':
      body = redirectPage(a);
      break;
    case 'site':
      body = sitePage(a);
      break;
    case 'review':
      body = reviewPage(a);
      actions.append(button('Run setup', () => send({ type: 'run' }), { id: 'run' }));
      break;
    case 'summary':
      body = summaryPage(v);
      if (!v.running && v.steps.some((x) => x.state === 'failed' || x.state === 'pending')) actions.append(button('Run again', () => send({ type: 'run' }), { id: 'run', secondary: true }));
      break;
  }
  if (isAnswerPage) {
    actions.append(
      button('Next', () => {
        const p = page as AnswerPageId;
        const value = (draft as WizardAnswers)[p];
        const problem = validateAnswer(p, value);
        if (problem) {
          formError = problem;
          renderPage();
          return;
        }
        formError = '';
        send({ type: 'answer', page: p, value } as WebviewMessage);
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
  vscode.setState({ connectorPath: state.connectorPath, page: state.page });
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
  else if (message.type === 'searchResults') {
    searchResults = message.results;
    searchNote = message.error ?? (message.results.length === 0 ? `No app matches “${message.query}”.` : `${message.results.length} app(s) match “${message.query}”. Pick one.`);
    const container = document.getElementById('searchResults');
    const selected = (draft?.service as { appId?: string } | undefined)?.appId ?? '';
    if (container) fillResults(container, selected);
  } else if (message.type === 'sites') {
    sitesLoading = false;
    siteList = message.sites;
    const serving = message.sites.filter((x) => x.servesApi).length;
    siteNote = message.error ?? `${message.sites.length} site(s) found${message.host ? `; ${serving} serve${serving === 1 ? 's' : ''} ${message.host}, listed first` : ''}. Pick one.`;
    if (view?.page === 'site') renderPage();
  }
});

const initial = document.getElementById('initial-state')?.textContent;
if (initial) render(JSON.parse(initial) as WizardViewState);
send({ type: 'ready' });
