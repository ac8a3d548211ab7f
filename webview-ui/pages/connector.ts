// Page "connector": the app the connector signs users in with — new, or one already registered.
import { el, radios, textfield } from '../dom';
import type { PageRenderer } from './page';

export const renderConnector: PageRenderer<'connector'> = (page) => {
  const c = page.current();
  const out: Node[] = [
    radios('connectorKind', 'The app the connector signs users in with', [
      ['new', 'Register a new connector app'],
      ['existing', 'Use an app already registered (its client ID)'],
    ], c.kind, (k) => {
      if (k === c.kind) return;
      page.set(k === 'new' ? { kind: 'new', displayName: `${page.view.connectorName} connector` } : { kind: 'existing', appId: '' });
      page.rerender();
    }),
  ];
  if (c.kind === 'new') out.push(textfield('connectorName', 'Display name of the connector app', c.displayName, (v) => page.set({ kind: 'new', displayName: v })));
  else out.push(textfield('connectorAppId', 'Client ID (application ID)', c.appId, (v) => page.set({ kind: 'existing', appId: v.trim() })));
  out.push(el('p', { class: 'help' }, 'It gets a Web redirect URI once the connector’s URL is known, and the delegated permission to the API chosen before.'));
  return out;
};
