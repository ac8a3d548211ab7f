// The review page: every answer as the step table describes it, before Run.
import { describeAnswers, type Answers } from '../../src/wizard/steps';
import { el } from '../dom';

export function renderReview(answers: Answers): Node[] {
  const list = el('dl', { class: 'review' });
  for (const [k, v] of describeAnswers(answers)) list.append(el('dt', {}, k), el('dd', {}, v));
  return [list, el('p', { class: 'help' }, 'Run creates or finds each object, saving progress after every step; running it again continues where it stopped and never duplicates. You see a diff of apiProperties.json before it is written.')];
}
