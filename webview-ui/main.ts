import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import type { HostMessage, WebviewMessage, WizardViewState, StepState } from '../src/protocol';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const app = document.getElementById('app') as HTMLElement;

const STATE_LABEL: Record<StepState, string> = {
  done: 'Done',
  pending: 'Pending',
  running: 'Running',
  failed: 'Failed',
  skipped: 'Skipped',
};

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

function render(state: WizardViewState): void {
  const list = el('ol', { class: 'checklist', 'aria-label': 'Checklist' });
  for (const step of state.steps) {
    const button = el('button', { type: 'button', class: `step step-${step.state}`, 'data-step': step.id }, step.title, el('span', { class: 'state' }, STATE_LABEL[step.state]));
    if (step.id === state.currentStepId) button.setAttribute('aria-current', 'step');
    button.addEventListener('click', () => vscode.postMessage({ type: 'selectStep', stepId: step.id }));
    list.append(el('li', {}, button));
  }
  const current = state.steps.find((s) => s.id === state.currentStepId);
  const detail = el('section', { class: 'detail', 'aria-label': 'Current step' }, el('h2', {}, current?.title ?? ''), el('p', {}, current?.detail ?? ''));
  app.replaceChildren(el('h1', {}, `Secure “${state.connectorName}” with Microsoft Entra ID`), el('div', { class: 'layout' }, list, detail));
}

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const message = event.data;
  if (message && message.type === 'state') render(message.state);
});

const initial = document.getElementById('initial-state')?.textContent;
if (initial) render(JSON.parse(initial) as WizardViewState);
vscode.postMessage({ type: 'ready' });
