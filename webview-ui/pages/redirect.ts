// Page "redirect": the connector's redirect URL, if Power Platform already showed it.
import { el, textfield } from '../dom';
import type { PageRenderer } from './page';

export const renderRedirect: PageRenderer<'redirect'> = (page) => [
  el('p', {}, 'Power Platform gives each connector its own redirect URL (…/redirect/{connector id}) once the connector exists. If you know it, paste it; otherwise leave this empty and register it from the summary later — the checklist keeps it pending.'),
  textfield('redirectUrl', 'Redirect URL (optional)', page.current().redirectUrl, (v) => page.set({ redirectUrl: v.trim() }), { placeholder: 'https://global.consent.azure-apim.net/redirect/…' }),
];
