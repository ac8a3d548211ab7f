// The sign-in page, shown only while nobody is signed in.
import { el } from '../dom';

export function renderSignIn(): Node[] {
  return [el('p', {}, 'Sign in to the tenant where the connector’s apps should live. Only User.Read is asked for now; each step asks for the permission it needs.')];
}
