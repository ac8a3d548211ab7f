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

/**
 * Power Platform's consent service hosts, per cloud: `global.consent.azure-apim.net` (and the older regional
 * `msmanaged-na.consent.azure-apim.net`) in the public cloud, which custom clouds (private and test tenants) use too.
 * The US Government and China clouds' consent hosts are not documented in a primary source: every URI asks there.
 */
const CONSENT_HOSTS: Record<string, RegExp | undefined> = {
  AzureCloud: /^[a-z0-9-]+\.consent\.azure-apim\.net$/i,
  Custom: /^[a-z0-9-]+\.consent\.azure-apim\.net$/i,
};

/**
 * Why a redirect URI taken from a file or an error message needs the user's explicit yes before it is registered
 * on an app (where the app's sign-in codes would be sent), or undefined when it is a Power Platform consent URL of
 * the configured cloud.
 */
export function redirectUriConcern(uri: string, cloudName: string): string | undefined {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return 'it is not a URL';
  }
  if (u.protocol !== 'https:') return `it is not an https address, so sign-in codes would travel unencrypted to ${u.host}`;
  if (u.username || u.password) return 'it carries a user name or password';
  const hosts = CONSENT_HOSTS[cloudName];
  if (!hosts) return `the Power Platform consent address of the ${cloudName} cloud is not documented, so ${u.host} cannot be checked`;
  if (!hosts.test(u.hostname)) return `${u.host} is not Power Platform's consent service (*.consent.azure-apim.net): the app's sign-in codes would be sent there`;
  return undefined;
}
