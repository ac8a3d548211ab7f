// One renderer per step of the step table (src/wizard/steps.ts), keyed by its id: the type demands one for every
// answer step, so a step added to the table without its page does not compile.
import type { AnswerStepId } from '../../src/protocol';
import { renderApi } from './api';
import { renderConnector } from './connector';
import { renderConsent } from './consent';
import { renderDeploy } from './deploy';
import type { PageRenderer } from './page';
import { renderRedirect } from './redirect';
import { renderSecret } from './secret';
import { renderSite } from './site';

export const PAGE_RENDERERS: { readonly [K in AnswerStepId]: PageRenderer<K> } = {
  api: renderApi,
  connector: renderConnector,
  consent: renderConsent,
  secret: renderSecret,
  redirect: renderRedirect,
  deploy: renderDeploy,
  site: renderSite,
};
