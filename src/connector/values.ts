/** How the values authors put in apiProperties.json are classified: GUIDs, placeholders, secret-looking strings. */

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(value: unknown): value is string {
  return typeof value === 'string' && GUID.test(value.trim());
}

/**
 * Placeholders authors (and certification) use instead of a real value: `[[DUMMY]]`, `<<Enter your client ID>>`,
 * `{{ clientId }}`, `<clientId>`, `@@id@@`, `YOUR_CLIENT_SECRET`, `Value-From-Your-App-Registration`, `dummy`…
 * `null` and `""` are the other accepted "no value here" forms; they are not strings matched here.
 */
export function isPlaceholder(value: string): boolean {
  const v = value.trim();
  if (v === '') return false;
  if (/^\[\[?[^\]]*\]?\]$/.test(v)) return true;
  if (/^<<?[^>]*>?>$/.test(v)) return true;
  if (/^\{\{?[^}]*\}?\}$/.test(v)) return true;
  if (/^@@[^@]*@@$/.test(v)) return true;
  if (/^(dummy|placeholder|todo|tbd|x+|\*+|changeme)$/i.test(v)) return true;
  if (/^(your|enter|insert|replace|put|add|paste|place|my)[\s_-]/i.test(v)) return true;
  if (/(^|[\s_-])(from|here)[\s_-]|[\s_-]here$|your[\s_-]?app/i.test(v) && !looksLikeEntraSecret(v)) return true;
  return false;
}

/** "Nothing here": null, "" or a placeholder. */
export function isEmptyOrPlaceholder(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value !== 'string') return false;
  return value.trim() === '' || isPlaceholder(value);
}

/** Client secrets Entra issues since 2021 carry `Q~` after a short prefix (e.g. `abc8Q~…`, 40 characters). */
export const ENTRA_SECRET_PATTERN = /^[A-Za-z0-9_.-]{3}\dQ~[A-Za-z0-9_.~-]{31,36}$/;

export function looksLikeEntraSecret(value: string): boolean {
  return ENTRA_SECRET_PATTERN.test(value);
}

/** Redacts a value for a message: never shows a secret, only its length. */
export function describeSecret(value: string): string {
  return `a ${value.length}-character value`;
}
