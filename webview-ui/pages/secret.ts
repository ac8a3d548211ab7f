// Page "secret": the client secret's lifetime (its value never reaches the webview).
import { textfield } from '../dom';
import type { PageRenderer } from './page';

export const renderSecret: PageRenderer<'secret'> = (page) => [
  textfield('secretDays', 'Lifetime of the client secret, in days', String(page.current().secretDays), (v) => page.set({ secretDays: Number(v) }), {
    type: 'number',
    help: 'Within your tenant’s policy; default 180. The value goes straight into VS Code’s secret storage and is shown only when you press “Copy secret”.',
  }),
];
