// Page "redirect": the connector's redirect URL, if Power Platform already showed it.
import { redirectUrlWarning } from '../../src/wizard/steps';
import { el, textfield } from '../dom';
import type { PageRenderer } from './page';

export const renderRedirect: PageRenderer<'redirect'> = (page) => {
  const url = page.current().redirectUrl;
  if (url !== '' && page.view.steps.find((s) => s.id === 'redirect')?.state === 'done') {
    // Registered already: the URL is shown, not offered for editing (a new one would be a new registration).
    return [el('p', {}, 'Registered on the connector app:'), el('p', { class: 'value', id: 'redirectRegistered' }, url)];
  }
  const warning = el('p', { class: 'warning', role: 'status', id: 'redirectWarning' }, (url && redirectUrlWarning(url)) || '');
  const show = (v: string) => {
    const text = (v && redirectUrlWarning(v)) || '';
    warning.textContent = text;
    warning.hidden = text === '';
  };
  show(url);
  return [
    el('p', {}, 'Power Platform gives each connector its own redirect URL (…/redirect/{connector id}) once the connector exists. If you know it, paste it; otherwise leave this empty and register it from the summary later — the checklist keeps it pending.'),
    textfield('redirectUrl', 'Redirect URL (optional)', url, (v) => {
      page.set({ redirectUrl: v.trim() });
      show(v.trim());
    }, { placeholder: 'https://global.consent.azure-apim.net/redirect/…' }),
    warning,
  ];
};
