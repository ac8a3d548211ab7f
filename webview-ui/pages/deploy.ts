// Page "deploy": deploy the connector to Power Platform at the end of the setup, or skip it. The host deploys with
// the client secret from its own secret storage; this page only names the environment.
import { el, radios, textfield } from '../dom';
import type { PageRenderer } from './page';

export const renderDeploy: PageRenderer<'deploy'> = (page) => {
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
    out.push(
      textfield('environment', 'Environment (empty: the one this connector was deployed to, else your default environment)', deploy.environment, (v) => page.set({ kind: 'deploy', environment: v.trim() }), {
        placeholder: 'Default-…',
      }),
    );
  }
  return out;
};
