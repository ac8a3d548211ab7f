// The review page: every answer as the step table describes it (with the real values the host knows), and what a
// run redoes because an answer changed since the last run.
import type { WizardViewState } from '../../src/protocol';
import { describeAnswers, type Answers } from '../../src/wizard/steps';
import { el } from '../dom';

export function renderReview(answers: Answers, view: WizardViewState): Node[] {
  const list = el('dl', { class: 'review' });
  for (const [k, v] of view.review ?? describeAnswers(answers)) list.append(el('dt', {}, k), el('dd', {}, v));
  const out: Node[] = [list];
  if (view.redo && view.redo.length > 0) {
    const redo = el('ul', { class: 'redo', 'aria-label': 'What a run redoes' });
    for (const line of view.redo) redo.append(el('li', {}, line));
    out.push(el('h3', {}, 'Your answers changed since the last run: a run redoes'), redo);
  }
  out.push(el('p', { class: 'help' }, 'Run creates or finds each object, saving progress after every step; running it again continues where it stopped and never duplicates. You see a diff of apiProperties.json before it is written.'));
  return out;
}
