// The summary page: what exists now, what failed or is pending, the secret and admin-consent buttons, the redirect
// URL to register later, the deployed connector and its last step (Test Connection), the next command and Undo.
import type { WizardViewState } from '../../src/protocol';
import { button, custom, el, send, textfield } from '../dom';

export function renderSummary(v: WizardViewState): Node[] {
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
  if (s.deployment) out.push(...renderDeployment(s.deployment, v));
  if (s.pending.length > 0) {
    out.push(el('h3', {}, 'Still pending'), el('ul', { class: 'pending' }, ...s.pending.map((p) => el('li', {}, el('strong', {}, `${v.steps.find((x) => x.id === p.step)?.title ?? p.step}: `), p.detail))));
  }
  if (!v.running && !s.deployment && v.summary?.objects.some((o) => o.label.startsWith('Connector app'))) {
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

/** The connector in Power Platform and the setup's last step: a real connection and one GET through the connector. */
function renderDeployment(d: NonNullable<NonNullable<WizardViewState['summary']>['deployment']>, v: WizardViewState): Node[] {
  const test = v.connectionTest;
  const out: Node[] = [
    el('h3', {}, 'In Power Platform'),
    el('p', { id: 'deploymentSummary' }, 'Connector ', el('code', {}, d.connectorId), ' in environment ', el('code', {}, d.environment), d.redirectUrl ? el('span', {}, '; its redirect URL ', el('code', {}, d.redirectUrl), ' is registered on the connector app.') : '.'),
    el('div', { class: 'row' },
      button(test?.state === 'running' ? 'Testing the connection…' : 'Test Connection', () => send({ type: 'testConnection' }), { id: 'testConnection', disabled: v.running || test?.state === 'running' }),
      el('span', { class: 'help' }, 'Creates a connection for you (sign in to it in the browser), then calls one GET operation of the swagger through the connector.'),
    ),
  ];
  if (test) {
    const label = test.state === 'ok' ? 'Connection works: ' : test.state === 'failed' ? 'Connection failed: ' : '';
    out.push(el('p', { id: 'connectionTest', role: 'status', class: test.state === 'failed' ? 'error' : test.state === 'ok' ? 'notice' : undefined, 'data-state': test.state }, el('strong', {}, label), test.detail));
  }
  return out;
}
