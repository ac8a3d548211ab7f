/**
 * Checks for what the webview sends (it is untrusted): field by field, with a reason the user can read. Shared by
 * the protocol (messages) and the step table (each step's answer). No imports: the webview bundle includes it.
 */

/** Limits on what the webview may send. */
export const LIMITS = {
  /** Whole message, as JSON. */
  messageChars: 8_192,
  displayName: 120,
  scope: 100,
  scopes: 20,
  uri: 400,
  query: 200,
  secretDaysMin: 1,
  secretDaysMax: 730,
  /** A site's resource ID. */
  siteId: 400,
  /** A Power Platform environment's name. */
  environment: 100,
} as const;

export const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A scope value as Entra accepts it (no spaces; letters, digits and `._-:`). */
export const SCOPE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
/** Display names: printable text without control characters or angle brackets. */
export const NAME_PATTERN = {
  test: (v: string): boolean => [...v].every((ch) => ch.charCodeAt(0) >= 0x20 && ch !== '\u007f' && ch !== '<' && ch !== '>'),
};

/**
 * A Microsoft.Web site's resource ID: `/subscriptions/{GUID}/resourceGroups/{rg}/providers/Microsoft.Web/sites/{name}`,
 * nothing after it. Resource group: letters, digits, `._()-` (1–90, not ending in `.`); site: letters, digits, `-` (1–60).
 */
export const SITE_ID_PATTERN =
  /^\/subscriptions\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/resourceGroups\/[A-Za-z0-9._()-]{0,89}[A-Za-z0-9_()-]\/providers\/Microsoft\.Web\/sites\/[A-Za-z0-9][A-Za-z0-9-]{0,59}$/i;

/** Thrown by the checks below; the protocol turns it into `{ ok: false, reason }`. */
export class Invalid extends Error {}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

export function only(value: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(value)) if (!allowed.includes(key)) throw new Invalid(`unexpected field ${JSON.stringify(key.slice(0, 30))} in ${where}`);
}

export function record(value: unknown, where: string): Record<string, unknown> {
  if (!isRecord(value)) throw new Invalid(`${where} must be an object`);
  return value;
}

export function text(value: unknown, where: string, max: number, pattern?: { test(v: string): boolean }): string {
  if (typeof value !== 'string') throw new Invalid(`${where} must be a string`);
  const v = value.trim();
  if (v.length === 0) throw new Invalid(`${where} is empty`);
  if (v.length > max) throw new Invalid(`${where} is longer than ${max} characters`);
  if (pattern && !pattern.test(v)) throw new Invalid(`${where} has characters that are not allowed`);
  return v;
}

export function oneOf<T extends string>(value: unknown, allowed: readonly T[], where: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) throw new Invalid(`${where} must be one of ${allowed.join(', ')}`);
  return value as T;
}

export function bool(value: unknown, where: string): boolean {
  if (typeof value !== 'boolean') throw new Invalid(`${where} must be true or false`);
  return value;
}

/** An https URL (an Application ID URI may also be `api://…`). */
export function checkUrl(value: unknown, where: string, schemes: readonly string[] = ['https:']): string {
  const v = text(value, where, LIMITS.uri);
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new Invalid(`${where} is not a URL`);
  }
  if (!schemes.includes(url.protocol)) throw new Invalid(`${where} must start with ${schemes.map((s) => `${s}//`).join(' or ')}`);
  if (/\s/.test(v) || url.username || url.password) throw new Invalid(`${where} may not hold spaces or credentials`);
  return v;
}
