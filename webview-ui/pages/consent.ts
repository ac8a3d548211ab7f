// Page "consent": who consents to the delegated permission, and on-behalf-of login.
import type { ConsentPageAnswer } from '../../src/protocol';
import { checkbox, el, radios } from '../dom';
import type { PageRenderer } from './page';

export const renderConsent: PageRenderer<'consent'> = (page) => {
  const c = page.current();
  const set = (patch: Partial<ConsentPageAnswer>) => page.set({ ...page.current(), ...patch });
  return [
    ...(page.view.consentHint ? [el('p', { class: 'help', id: 'consentHint' }, page.view.consentHint)] : []),
    radios('consent', 'Consent to the delegated permission', [
      ['admin', 'For the whole tenant (needs an administrator role; else you get an admin-consent link)'],
      ['user', 'For my account only'],
      ['link', 'Give me an admin-consent link to send to an administrator'],
    ], c.consent, (v) => set({ consent: v })),
    checkbox('obo', 'On-behalf-of login (enableOnbehalfOfLogin): the connector app gets its own Application ID URI and scope, with Azure API Connections pre-authorized for it', c.obo, (v) => set({ obo: v })),
  ];
};
