// Page "api": the API the connector calls — a new API app, one already registered (searched by the host), or
// Microsoft Graph.
import type { ApiAnswer, HostMessage, SearchResult } from '../../src/protocol';
import { button, el, radios, send, textfield } from '../dom';
import type { PageContext, PageRenderer } from './page';

type NewApi = Extract<ApiAnswer, { kind: 'new' }>;

let results: readonly SearchResult[] = [];
let note = '';
let active: PageContext<'api'> | undefined;

export const renderApi: PageRenderer<'api'> = (page) => {
  active = page;
  const s = page.current();
  const setApi = (next: ApiAnswer) => {
    page.set(next);
    page.rerender();
  };
  const kind = radios('serviceKind', 'Which API does the connector call?', [
    ['new', 'My own API: register a new API app'],
    ['existing', 'An API app already registered in this tenant'],
    ['microsoft', 'A Microsoft service (Microsoft Graph)'],
  ], s.kind, (k) => {
    if (k === s.kind) return;
    if (k === 'new') setApi({ kind: 'new', displayName: `${page.view.connectorName} API`, identifierUri: 'tenant', scope: 'user_impersonation', audience: 'single' });
    else if (k === 'existing') setApi({ kind: 'existing', appId: '' });
    else setApi({ kind: 'microsoft', scopes: ['User.Read'] });
  });
  const out: Node[] = [kind];
  if (s.kind === 'new') {
    const update = (patch: Partial<NewApi>) => page.set({ ...(page.current() as NewApi), ...patch });
    out.push(
      textfield('apiName', 'Display name of the API app', s.displayName, (v) => update({ displayName: v })),
      radios('identifierUri', 'Application ID URI', [
        ['tenant', `api://{tenant ID}/{name} (default)`],
        ['appId', 'api://{appId} (when your tenant’s policy demands it)'],
        ['custom', 'A URI on a verified domain'],
      ], s.identifierUri, (v) => {
        update({ identifierUri: v, ...(v === 'custom' ? {} : { customUri: undefined }) });
        page.rerender();
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
    const container = el('div', { id: 'searchResults', role: 'region', 'aria-label': 'Search results' });
    out.push(
      el(
        'div',
        { class: 'row' },
        textfield('search', 'Find the API app by name, appId or Application ID URI', '', (v) => (query = v)),
        button('Search', () => {
          if (query.trim()) send({ type: 'search', query: query.trim() });
        }, { secondary: true, id: 'searchButton' }),
      ),
      container,
      textfield('existingScope', 'Scope (optional; default user_impersonation or the first one)', s.scope ?? '', (v) => {
        page.set({ kind: 'existing', appId: selectedAppId(page), ...(v ? { scope: v } : {}) });
      }),
    );
    fillResults(container, page);
  } else {
    out.push(
      textfield('graphScopes', 'Microsoft Graph delegated scopes (space-separated)', s.scopes.join(' '), (v) => {
        page.set({ kind: 'microsoft', scopes: v.split(/\s+/).filter(Boolean) });
      }, { help: 'Ask for the narrowest scopes the connector needs, e.g. User.Read.' }),
    );
  }
  return out;
};

function selectedAppId(page: PageContext<'api'>): string {
  const a = page.current();
  return a.kind === 'existing' ? a.appId : '';
}

function fillResults(container: HTMLElement, page: PageContext<'api'>): void {
  const selected = selectedAppId(page);
  container.replaceChildren();
  if (note) container.append(el('p', { class: 'help' }, note));
  if (results.length === 0) {
    if (selected) container.append(el('p', {}, `Selected appId ${selected}.`));
    return;
  }
  container.append(
    radios('existingApp', 'Apps found', results.map((r) => [r.appId, `${r.displayName} — ${r.identifierUri ?? r.appId}${r.scopes.length ? ` (scopes: ${r.scopes.join(', ')})` : ' (no scopes)'}`] as [string, string]), selected, (appId) => {
      const a = page.current();
      const scope = a.kind === 'existing' ? a.scope : undefined;
      page.set({ kind: 'existing', appId, ...(scope ? { scope } : {}) });
    }),
  );
}

/** The host's answer to a search: shown under the search field of the page on screen. */
export function showSearchResults(message: Extract<HostMessage, { type: 'searchResults' }>): void {
  results = message.results;
  note = message.error ?? (message.results.length === 0 ? `No app matches “${message.query}”.` : `${message.results.length} app(s) match “${message.query}”. Pick one.`);
  const container = document.getElementById('searchResults');
  if (container && active) fillResults(container, active);
}
