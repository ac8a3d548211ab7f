/**
 * Finding the connector's redirect URL in what the user pastes: the URL itself, an AADSTS50011 error message
 * ("The redirect URI '…' specified in the request does not match…"), or a downloaded apiProperties.json whose
 * `oAuthSettings.redirectUrl` Power Platform filled in. The URL cannot be computed before the connector exists (it
 * is `https://global.consent.azure-apim.net/redirect/<the connector's hex-escaped internal name with generated hash
 * parts>`, assigned when the connector is created; see the portal banner quoted in
 * microsoft/powerplatform-build-tools#620), so reading it back is the only way.
 */
import { parse } from 'jsonc-parser';

const LEGACY_SHARED = /^https:\/\/(global|msmanaged-na)\.consent\.azure-apim\.net\/redirect\/?$/i;

function clean(url: string): string | undefined {
  const trimmed = url.trim().replace(/[.,;)'"\]]+$/, '');
  try {
    const u = new URL(trimmed);
    if (u.protocol !== 'https:') return undefined;
    return trimmed;
  } catch {
    return undefined;
  }
}

/** The per-connector redirect URL in `text`, or undefined. The legacy shared URL is not one. */
export function findRedirectUrl(text: string): string | undefined {
  const t = text.trim();
  if (t.startsWith('{')) {
    const doc = parse(t) as { properties?: { connectionParameters?: Record<string, { oAuthSettings?: { redirectUrl?: unknown } }> } } | undefined;
    const value = doc?.properties?.connectionParameters?.token?.oAuthSettings?.redirectUrl;
    const url = typeof value === 'string' ? clean(value) : Array.isArray(value) && typeof value[0] === 'string' ? clean(value[0]) : undefined;
    return url && !LEGACY_SHARED.test(url) ? url : undefined;
  }
  const aadsts = /redirect URI '([^']+)'/i.exec(t);
  const candidates = aadsts ? [aadsts[1] as string] : (t.match(/https:\/\/[^\s'"<>]+/g) ?? []);
  for (const c of candidates) {
    const url = clean(c);
    if (url && !LEGACY_SHARED.test(url)) return url;
  }
  return undefined;
}
