// DOM helpers of the wizard's webview: elements, the @vscode-elements controls it uses, and the one channel to the
// host. No state of the wizard lives here.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import '@vscode-elements/elements/dist/vscode-radio/index.js';
import '@vscode-elements/elements/dist/vscode-radio-group/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import type { WebviewMessage, WebviewPersistedState } from '../src/protocol';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  setState(state: WebviewPersistedState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();

export function send(message: WebviewMessage): void {
  vscode.postMessage(message);
}

export function persist(state: WebviewPersistedState): void {
  vscode.setState(state);
}

type Child = Node | string | undefined | false;
type Attrs = Record<string, string | boolean | undefined>;

function fill<T extends HTMLElement>(node: T, attrs: Attrs, children: Child[]): T {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c !== undefined && c !== false) node.append(c);
  return node;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  return fill(document.createElement(tag), attrs, children);
}

export function custom(tag: string, attrs: Attrs = {}, ...children: Child[]): HTMLElement {
  return fill(document.createElement(tag), attrs, children);
}

export function button(label: string, onClick: () => void, opts: { secondary?: boolean; id?: string; disabled?: boolean } = {}): HTMLElement {
  const b = custom('vscode-button', { secondary: opts.secondary, id: opts.id, disabled: opts.disabled });
  b.textContent = label;
  b.addEventListener('click', () => {
    if (!b.hasAttribute('disabled')) onClick();
  });
  return b;
}

export function textfield(id: string, label: string, value: string, onInput: (v: string) => void, opts: { help?: string; placeholder?: string; type?: string } = {}): HTMLElement {
  const field = custom('vscode-textfield', { id, type: opts.type, placeholder: opts.placeholder, 'aria-label': label }) as HTMLElement & { value: string };
  field.value = value;
  field.addEventListener('input', () => onInput(field.value));
  return el('div', { class: 'field' }, custom('vscode-label', { for: id }, label), field, opts.help ? el('p', { class: 'help' }, opts.help) : undefined);
}

export function radios<T extends string>(name: string, label: string, options: readonly [T, string][], value: T, onChange: (v: T) => void): HTMLElement {
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

export function checkbox(id: string, label: string, checked: boolean, onChange: (v: boolean) => void): HTMLElement {
  // The element renders its label attribute; text content would print it a second time.
  const c = custom('vscode-checkbox', { id, label, checked }) as HTMLElement & { checked: boolean };
  c.addEventListener('change', () => onChange(c.checked));
  return el('div', { class: 'field' }, c);
}
