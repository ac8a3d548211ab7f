// Page "site": secure the API's App Service / Function App (Easy Auth and CORS) through ARM, or skip it. The ARM
// permission is asked for only when the user presses "Find sites".
import type { HostMessage, SiteChoice } from '../../src/protocol';
import { button, el, radios, send, textfield } from '../dom';
import type { PageContext, PageRenderer } from './page';

let sites: readonly SiteChoice[] = [];
let note = '';
let loading = false;
let active: PageContext<'site'> | undefined;

export const renderSite: PageRenderer<'site'> = (page) => {
  active = page;
  const site = page.current();
  const out: Node[] = [
    el('p', {}, 'If the API runs on Azure App Service or Azure Functions, the setup can secure it too: App Service Authentication (Easy Auth) then accepts only tokens for the API app, and CORS allows the Power Platform origins. Your Azure permission (Azure Resource Manager) is asked for only when you press “Find sites”.'),
    radios('siteKind', 'Secure the API’s site?', [
      ['skip', 'Skip: the API is hosted elsewhere, or I secure it later (“Entra Connector: Secure the Service…”)'],
      ['site', 'Secure a web app or function app'],
    ], site.kind, (k) => {
      if (k === site.kind) return;
      page.set(k === 'skip' ? { kind: 'skip' } : { kind: 'site', siteId: '' });
      page.rerender();
    }),
  ];
  if (site.kind === 'site') {
    const container = el('div', { id: 'siteResults', role: 'region', 'aria-label': 'Sites found' });
    out.push(
      el('div', { class: 'row' }, button(loading ? 'Finding sites…' : 'Find sites', () => {
        loading = true;
        note = '';
        send({ type: 'findSites' });
        page.rerender();
      }, { secondary: true, id: 'findSites', disabled: loading })),
      container,
      textfield('siteId', 'Or paste the site’s resource ID', site.siteId, (v) => page.set({ kind: 'site', siteId: v.trim().replace(/\/+$/, '') }), {
        placeholder: '/subscriptions/…/resourceGroups/…/providers/Microsoft.Web/sites/…',
      }),
      el('p', { class: 'help' }, 'Only the resource ID is kept. Undo does not change the site; its settings are shown in the summary.'),
    );
    fillSites(container, site.siteId, page);
  }
  return out;
};

function fillSites(container: HTMLElement, selected: string, page: PageContext<'site'>): void {
  container.replaceChildren();
  if (note) container.append(el('p', { class: 'help' }, note));
  if (sites.length === 0) return;
  container.append(
    radios('site', 'Web and function apps', sites.map((x) => [x.id, `${x.name}${x.defaultHostName ? ` — ${x.defaultHostName}` : ''} (${x.kind.startsWith('functionapp') ? 'function app' : 'web app'}, ${x.resourceGroup}, ${x.subscription})${x.servesApi ? ' · serves the connector’s host' : ''}`] as [string, string]), selected, (siteId) => {
      page.set({ kind: 'site', siteId });
      const field = document.querySelector('#siteId') as (HTMLElement & { value: string }) | null;
      if (field) field.value = siteId;
    }),
  );
}

/** The host's answer to "Find sites": the list, those serving the swagger host first. */
export function showSites(message: Extract<HostMessage, { type: 'sites' }>, onSitePage: boolean): void {
  loading = false;
  sites = message.sites;
  const serving = message.sites.filter((x) => x.servesApi).length;
  note = message.error ?? `${message.sites.length} site(s) found${message.host ? `; ${serving} serve${serving === 1 ? 's' : ''} ${message.host}, listed first` : ''}. Pick one.`;
  if (onSitePage) active?.rerender();
}
