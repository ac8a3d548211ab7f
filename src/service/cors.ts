/**
 * CORS for Power Platform (`config/web` `properties.cors`): the origins to allow, merged into the site's own list
 * without removing or reordering any. Pure.
 */

/**
 * The Azure API Management hosts Power Platform calls connectors through (`*.azure-apim.net`), in the form App
 * Service accepts through ARM: a wildcard subdomain (see README.md — the portal's CORS page refuses it, ARM and
 * `az webapp cors add` accept it).
 */
export const APIM_ORIGIN = 'https://*.azure-apim.net';
/** The makers' test consoles, where "Test operation" calls the API from the browser. */
export const TEST_CONSOLE_ORIGINS: readonly string[] = ['https://make.powerapps.com', 'https://make.powerautomate.com'];
export const POWER_PLATFORM_ORIGINS: readonly string[] = [APIM_ORIGIN, ...TEST_CONSOLE_ORIGINS];

export interface CorsSettings {
  readonly allowedOrigins: readonly string[];
  readonly supportCredentials: boolean;
}

export interface CorsPlan {
  readonly before: CorsSettings;
  readonly after: CorsSettings;
  /** Origins that are new, in the order they are appended. */
  readonly added: readonly string[];
  readonly warnings: readonly string[];
}

/** Origins compare without case and without a trailing slash (browsers send `https://host` with neither). */
export function originKey(origin: string): string {
  return origin.trim().replace(/\/+$/, '').toLowerCase();
}

/** An origin App Service accepts: `*`, or scheme://host[:port] where the host may start with `*.`. */
export function isValidOrigin(origin: string): boolean {
  if (origin === '*') return true;
  return /^https?:\/\/(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?$/i.test(origin.trim());
}

export function readCors(webProperties: Record<string, unknown> | undefined): CorsSettings {
  const cors = webProperties?.cors as { allowedOrigins?: unknown; supportCredentials?: unknown } | null | undefined;
  const origins = Array.isArray(cors?.allowedOrigins) ? cors.allowedOrigins.filter((o): o is string => typeof o === 'string') : [];
  return { allowedOrigins: origins, supportCredentials: cors?.supportCredentials === true };
}

export function planCors(current: CorsSettings, origins: readonly string[] = POWER_PLATFORM_ORIGINS): CorsPlan {
  const have = new Set(current.allowedOrigins.map(originKey));
  const added: string[] = [];
  for (const o of origins) {
    if (!isValidOrigin(o)) continue;
    const key = originKey(o);
    if (have.has(key)) continue;
    have.add(key);
    added.push(o.trim().replace(/\/+$/, ''));
  }
  const after: CorsSettings = { allowedOrigins: [...current.allowedOrigins, ...added], supportCredentials: current.supportCredentials };
  const warnings: string[] = [];
  if (current.allowedOrigins.some((o) => o.trim() === '*')) {
    warnings.push('The site allows every origin ("*"): any web page can call the API from a browser. With "*" the other origins have no effect; remove "*" in the Azure portal (CORS) once the listed origins are in place.');
  }
  const invalid = origins.filter((o) => !isValidOrigin(o));
  if (invalid.length > 0) warnings.push(`Not an origin App Service accepts (scheme://host[:port]): ${invalid.join(', ')}.`);
  return { before: current, after, added, warnings };
}
