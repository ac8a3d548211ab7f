/**
 * The messages between the extension host and the wizard webview, declared once and imported by both sides.
 * The webview is untrusted: the host validates every incoming message with the guards below before acting on it.
 */

export type StepState = 'done' | 'pending' | 'running' | 'failed' | 'skipped';

export interface ChecklistStep {
  readonly id: string;
  readonly title: string;
  readonly state: StepState;
  readonly detail?: string;
}

export interface WizardViewState {
  readonly connectorName: string;
  readonly steps: readonly ChecklistStep[];
  readonly currentStepId: string | undefined;
}

/** Host → webview. */
export type HostMessage = { readonly type: 'state'; readonly state: WizardViewState };

/** Webview → host. */
export type WebviewMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'selectStep'; readonly stepId: string };

const MAX_ID_LENGTH = 64;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Returns the message if it is a well-formed webview message, or a reason why it is not. */
export function parseWebviewMessage(value: unknown): { ok: true; message: WebviewMessage } | { ok: false; reason: string } {
  if (!isRecord(value)) return { ok: false, reason: 'not an object' };
  switch (value.type) {
    case 'ready':
      return Object.keys(value).length === 1 ? { ok: true, message: { type: 'ready' } } : { ok: false, reason: 'unexpected fields on ready' };
    case 'selectStep':
      if (typeof value.stepId !== 'string' || value.stepId.length === 0 || value.stepId.length > MAX_ID_LENGTH) {
        return { ok: false, reason: 'selectStep.stepId must be a short string' };
      }
      return { ok: true, message: { type: 'selectStep', stepId: value.stepId } };
    default:
      return { ok: false, reason: `unknown message type ${JSON.stringify(String(value.type)).slice(0, 40)}` };
  }
}
