// Page "deploy": deploy the connector to Power Platform at the end of the setup, or skip it. The host lists the
// environments (Power Platform is signed in to only when the user asks) and deploys with the client secret from its
// own secret storage; this page only names the environment.
import type { EnvironmentChoice, HostMessage } from '../../src/protocol';
import { button, el, radios, send, textfield } from '../dom';
import type { PageContext, PageRenderer } from './page';

let environments: readonly EnvironmentChoice[] = [];
let note = '';
let loading = false;
let active: PageContext<'deploy'> | undefined;

export const renderDeploy: PageRenderer<'deploy'> = (page) => {
  active = page;
  const deploy = page.current();
  const out: Node[] = [
    el('p', {}, 'The setup can deploy the connector to Power Platform (create it, or update the one deployed from this folder), read back its own redirect URL and register it on the connector app — nothing to copy or paste. The client secret goes from VS Code’s secret storage into the deployment only; this page never sees it.'),
    radios('deployKind', 'Deploy the connector?', [
      ['skip', 'Skip: I deploy later (“Entra Connector: Deploy Connector to Power Platform…”)'],
      ['deploy', 'Deploy it to Power Platform now'],
    ], deploy.kind, (k) => {
      if (k === deploy.kind) return;
      page.set(k === 'skip' ? { kind: 'skip' } : { kind: 'deploy', environment: '' });
      page.rerender();
    }),
  ];
  if (deploy.kind === 'deploy') {
    const container = el('div', { id: 'environmentResults', role: 'region', 'aria-label': 'Environments' });
    out.push(
      el('div', { class: 'row' }, button(loading ? 'Listing environments…' : 'List my environments', () => {
        loading = true;
        note = '';
        send({ type: 'findEnvironments' });
        page.rerender();
      }, { secondary: true, id: 'findEnvironments', disabled: loading })),
      container,
      textfield('environment', 'Environment name (empty: the one this connector was deployed to, else your default environment)', deploy.environment, (v) => page.set({ kind: 'deploy', environment: v.trim() }), {
        placeholder: 'Default-…',
      }),
    );
    fillEnvironments(container, deploy.environment, page);
  }
  return out;
};

function fillEnvironments(container: HTMLElement, selected: string, page: PageContext<'deploy'>): void {
  container.replaceChildren();
  if (note) container.append(el('p', { class: 'help' }, note));
  if (environments.length === 0) return;
  container.append(
    radios('env', 'Power Platform environments', environments.map((e) => [e.name, `${e.displayName}${e.isDefault && !/\(default\)$/i.test(e.displayName) ? ' (default)' : ''} — ${e.name}`] as [string, string]), selected, (environment) => {
      page.set({ kind: 'deploy', environment });
      const field = document.querySelector('#environment') as (HTMLElement & { value: string }) | null;
      if (field) field.value = environment;
    }),
  );
}

/** The host's answer to "List my environments": the default one first. */
export function showEnvironments(message: Extract<HostMessage, { type: 'environments' }>, onDeployPage: boolean): void {
  loading = false;
  environments = message.environments;
  note = message.error ?? `${message.environments.length} environment(s) you may deploy to. Pick one.`;
  if (onDeployPage) active?.rerender();
}
