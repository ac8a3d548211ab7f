/**
 * Finding the service's site: subscriptions the user can see, their web and function apps, a pasted resource ID, or
 * the API's URL (the swagger `host`) matched against the sites' host names.
 */
import { SUBSCRIPTIONS_API_VERSION, WEB_API_VERSION, type ArmClient } from './arm';
import { UserFailure } from '../errors';

export interface Subscription {
  readonly subscriptionId: string;
  readonly displayName: string;
  readonly tenantId?: string;
  readonly state?: string;
}

export interface Site {
  readonly id: string;
  readonly name: string;
  readonly resourceGroup: string;
  readonly subscriptionId: string;
  /** `app`, `functionapp`, `functionapp,linux`… */
  readonly kind: string;
  readonly location?: string;
  readonly defaultHostName?: string;
  readonly hostNames: readonly string[];
}

export interface SiteRef {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
}

export function isFunctionApp(site: Pick<Site, 'kind'>): boolean {
  return site.kind.toLowerCase().split(',').includes('functionapp');
}

/** `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Web/sites/{name}` (case-insensitive, extra tail allowed). */
export function parseSiteId(input: string): SiteRef | undefined {
  const m = /^\/?subscriptions\/([^/\s]+)\/resourceGroups\/([^/\s]+)\/providers\/Microsoft\.Web\/sites\/([^/\s?#]+)/i.exec(input.trim().replace(/^https:\/\/[^/]+\/#@[^/]*\/resource/i, ''));
  if (!m) return undefined;
  return { subscriptionId: decodeURIComponent(m[1]!), resourceGroup: decodeURIComponent(m[2]!), name: decodeURIComponent(m[3]!) };
}

export function siteId(ref: SiteRef): string {
  return `/subscriptions/${ref.subscriptionId}/resourceGroups/${ref.resourceGroup}/providers/Microsoft.Web/sites/${ref.name}`;
}

/** The host name of an API URL or a swagger `host` (`contoso.azurewebsites.net`, `https://x/api`, `x:443`). */
export function hostOf(input: string): string | undefined {
  const s = input.trim();
  if (!s) return undefined;
  try {
    return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(s) ? s : `https://${s}`).hostname.toLowerCase() || undefined;
  } catch {
    return undefined;
  }
}

interface RawSite {
  id: string;
  name: string;
  kind?: string;
  location?: string;
  properties?: { defaultHostName?: string; hostNames?: string[]; enabledHostNames?: string[]; resourceGroup?: string };
}

function toSite(raw: RawSite): Site {
  const ref = parseSiteId(raw.id);
  const hostNames = [...new Set([...(raw.properties?.hostNames ?? []), ...(raw.properties?.enabledHostNames ?? []), ...(raw.properties?.defaultHostName ? [raw.properties.defaultHostName] : [])].map((h) => h.toLowerCase()))];
  return {
    id: raw.id,
    name: raw.name,
    resourceGroup: ref?.resourceGroup ?? raw.properties?.resourceGroup ?? '',
    subscriptionId: ref?.subscriptionId ?? '',
    kind: raw.kind ?? 'app',
    ...(raw.location ? { location: raw.location } : {}),
    ...(raw.properties?.defaultHostName ? { defaultHostName: raw.properties.defaultHostName } : {}),
    hostNames,
  };
}

export async function listSubscriptions(arm: ArmClient): Promise<Subscription[]> {
  const raw = await arm.list<{ subscriptionId: string; displayName: string; tenantId?: string; state?: string }>('/subscriptions', SUBSCRIPTIONS_API_VERSION);
  return raw.map((s) => ({ subscriptionId: s.subscriptionId, displayName: s.displayName, ...(s.tenantId ? { tenantId: s.tenantId } : {}), ...(s.state ? { state: s.state } : {}) }));
}

/** Web apps and function apps (every `Microsoft.Web/sites`) of a subscription. */
export async function listSites(arm: ArmClient, subscriptionId: string): Promise<Site[]> {
  const raw = await arm.list<RawSite>(`/subscriptions/${encodeURIComponent(subscriptionId)}/providers/Microsoft.Web/sites`, WEB_API_VERSION);
  return raw.map(toSite);
}

export async function getSite(arm: ArmClient, ref: SiteRef): Promise<Site> {
  return toSite(await arm.get<RawSite>(siteId(ref), WEB_API_VERSION));
}

/** Case-insensitive search over name, resource group and host names; every site when the query is empty. */
export function searchSites(sites: readonly Site[], query: string): Site[] {
  const q = query.trim().toLowerCase();
  if (!q) return [...sites];
  return sites.filter((s) => s.name.toLowerCase().includes(q) || s.resourceGroup.toLowerCase().includes(q) || s.hostNames.some((h) => h.includes(q)));
}

/** The sites serving a host name (the swagger `host` or the API's URL). */
export function sitesForHost(sites: readonly Site[], hostOrUrl: string): Site[] {
  const host = hostOf(hostOrUrl);
  if (!host) return [];
  return sites.filter((s) => s.hostNames.includes(host));
}

/**
 * The site a user named: a resource ID (read directly), or an API URL / host looked up in every subscription they
 * can see. Throws a `UserFailure` with a next step when nothing or more than one site matches.
 */
export async function resolveSite(arm: ArmClient, input: string): Promise<Site> {
  const ref = parseSiteId(input);
  if (ref) return getSite(arm, ref);
  const host = hostOf(input);
  if (!host || !host.includes('.')) {
    throw new UserFailure({ code: 'SiteNotFound', status: 0, message: `"${input}" is neither a site resource ID nor the URL of an API.`, next: 'Give the resource ID (/subscriptions/…/providers/Microsoft.Web/sites/NAME) or the API’s URL.' });
  }
  const found: Site[] = [];
  const subscriptions = await listSubscriptions(arm);
  // ARM lists only the subscriptions the caller holds a role on: none at all is a missing role, not a missing site.
  if (subscriptions.length === 0) {
    throw new UserFailure({ code: 'SiteNotFound', status: 0, message: `The signed-in account (or service principal) has no Azure role on any subscription, so the site serving ${host} cannot be found.`, next: 'Ask for a role on the site that allows Microsoft.Web/sites/config/write (Website Contributor), then run again.' });
  }
  for (const sub of subscriptions) found.push(...sitesForHost(await listSites(arm, sub.subscriptionId), host));
  if (found.length === 1) return found[0]!;
  if (found.length === 0) {
    throw new UserFailure({ code: 'SiteNotFound', status: 0, message: `No web app or function app in your subscriptions serves ${host}.`, next: 'Pick the site from the list, or give its resource ID; the API may be hosted outside App Service (then configure CORS and authentication there).' });
  }
  throw new UserFailure({ code: 'SiteAmbiguous', status: 0, message: `${found.length} sites serve ${host}: ${found.map((s) => s.id).join(', ')}.`, next: 'Give the resource ID of the one to secure.' });
}
