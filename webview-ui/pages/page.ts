// What a step's page renderer gets: the view, its own answer (typed by the step) and how to change it.
import type { AnswerStepId, Answers, WizardViewState } from '../../src/protocol';

export interface PageContext<K extends AnswerStepId> {
  readonly view: WizardViewState;
  /** The answer being edited on this page, as it is now. */
  current(): Answers[K];
  /** Replaces the answer being edited (sent to the host with Next). */
  set(next: Answers[K]): void;
  /** Draws the page again (after a change that shows other fields). */
  rerender(): void;
}

export type PageRenderer<K extends AnswerStepId> = (page: PageContext<K>) => Node[];
