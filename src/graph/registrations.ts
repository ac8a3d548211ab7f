/**
 * The registrations tree's reads, shaped to cost a bounded number of round trips:
 * - every connector's apps and service principals in ONE `$batch` (lookups by `appId in (…)` and by identifier URI /
 *   service principal name, ≤ 15 values per filter, ≤ 20 requests per batch), `$select` only the fields shown;
 * - then the delegated grants of the connector apps' service principals in one more request.
 * And the signed-in user's own app registrations, a page at a time, with a display-name search.
 */
import type { Client } from '@microsoft/microsoft-graph-client';
import { GraphPermission, GraphScopes } from './client';
import { DirectoryFailure, toDirectoryError } from './errors';
import type { AppRecord, DirectorySnapshot, GrantRecord, SpRecord } from '../registrations/health';

/** The application fields the Connectors view shows. */
export const TREE_APP_SELECT = 'id,appId,displayName,identifierUris,web,api,requiredResourceAccess,passwordCredentials';
export const TREE_SP_SELECT = 'id,appId,displayName,servicePrincipalNames,oauth2PermissionScopes';
export const TREE_GRANT_SELECT = 'id,clientId,resourceId,consentType,principalId,scope';
/** The application fields the App registrations view shows. */
export const OWNED_APP_SELECT = 'id,appId,displayName,identifierUris,web,passwordCredentials';

/** Graph accepts at most 15 values in one `in (…)` and as many `or`-ed clauses is a safe bound. */
const FILTER_VALUES = 15;
const BATCH_SIZE = 20;

function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A `$batch` sub-request URL: the query is encoded so that quotes, spaces and `://` survive. */
function url(path: string, query: Record<string, string>): string {
  const q = Object.entries(query)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('&');
  return `${path}?${q}`;
}

interface ListPage<T> {
  value: T[];
  '@odata.nextLink'?: string;
}

async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (thrown) {
    throw new DirectoryFailure(toDirectoryError(thrown));
  }
}

/** Runs GET sub-requests in `$batch`es sent in parallel (one round trip); each answer's `value` list, in order. */
async function batchLists<T>(client: Client, urls: readonly string[], permissions: readonly string[]): Promise<ListPage<T>[]> {
  const answers = await Promise.all(
    chunks(urls, BATCH_SIZE).map((group) =>
      call(() =>
        client
          .api('/$batch')
          .middlewareOptions([new GraphScopes(permissions)])
          .post({ requests: group.map((u, i) => ({ id: String(i + 1), method: 'GET', url: u })) }),
      ).then((answer: { responses: { id: string; status: number; body?: unknown }[] }) => {
        const byId = new Map(answer.responses.map((r) => [r.id, r]));
        return group.map((_, i) => {
          const r = byId.get(String(i + 1));
          if (!r) throw new DirectoryFailure(toDirectoryError({ statusCode: 500, body: JSON.stringify({ code: 'BatchResponseMissing', message: 'A $batch answer lacks a response.' }) }));
          if (r.status >= 400) {
            const err = (r.body as { error?: object } | undefined)?.error ?? {};
            throw new DirectoryFailure(toDirectoryError({ statusCode: r.status, body: JSON.stringify(err) }));
          }
          return r.body as ListPage<T>;
        });
      }),
    ),
  );
  return answers.flat();
}

/** Follows nextLinks of a page (rare here: ≤ 15 objects per lookup, except many per-user grants). */
async function rest<T>(client: Client, page: ListPage<T>): Promise<T[]> {
  const out = [...page.value];
  let next = page['@odata.nextLink'];
  while (next) {
    const link: string = next;
    const more: ListPage<T> = await call(() => client.api(link).get());
    out.push(...more.value);
    next = more['@odata.nextLink'];
  }
  return out;
}

function uniqueById<T extends { id: string }>(items: readonly T[]): T[] {
  return [...new Map(items.map((i) => [i.id, i])).values()];
}

export interface RegistrationLookups {
  /** Connector client IDs and API app IDs. */
  readonly appIds: readonly string[];
  /** Resource URIs that are not GUIDs (identifier URIs, first-party resources such as https://graph.microsoft.com). */
  readonly resourceUris: readonly string[];
}

/** Reads what the Connectors view shows for these lookups: 2 round trips whatever the number of connectors. */
export async function fetchRegistrations(client: Client, lookups: RegistrationLookups): Promise<DirectorySnapshot> {
  const urls: string[] = [];
  const kinds: ('app' | 'sp')[] = [];
  const push = (kind: 'app' | 'sp', u: string) => {
    urls.push(u);
    kinds.push(kind);
  };
  for (const ids of chunks(lookups.appIds, FILTER_VALUES)) {
    const filter = `appId in (${ids.map(literal).join(',')})`;
    push('app', url('/applications', { $filter: filter, $select: TREE_APP_SELECT, $top: '999' }));
    push('sp', url('/servicePrincipals', { $filter: filter, $select: TREE_SP_SELECT, $top: '999' }));
  }
  for (const uris of chunks(lookups.resourceUris, FILTER_VALUES)) {
    push('app', url('/applications', { $filter: uris.map((u) => `identifierUris/any(x:x eq ${literal(u)})`).join(' or '), $select: TREE_APP_SELECT, $top: '999' }));
    push('sp', url('/servicePrincipals', { $filter: uris.map((u) => `servicePrincipalNames/any(x:x eq ${literal(u)})`).join(' or '), $select: TREE_SP_SELECT, $top: '999' }));
  }
  if (urls.length === 0) return { applications: [], servicePrincipals: [], grants: [] };

  const pages = await batchLists<AppRecord | SpRecord>(client, urls, [GraphPermission.apps]);
  const applications: AppRecord[] = [];
  const servicePrincipals: SpRecord[] = [];
  for (let i = 0; i < pages.length; i++) {
    const items = await rest(client, pages[i]!);
    if (kinds[i] === 'app') applications.push(...(items as AppRecord[]));
    else servicePrincipals.push(...(items as SpRecord[]));
  }
  const apps = uniqueById(applications);
  const sps = uniqueById(servicePrincipals);

  // Grants are read by client: the connector apps' service principals.
  const clientAppIds = new Set(lookups.appIds.map((a) => a.toLowerCase()));
  const clientSpIds = sps.filter((s) => clientAppIds.has(s.appId.toLowerCase())).map((s) => s.id);
  const grantUrls = chunks(clientSpIds, FILTER_VALUES).map((ids) =>
    url('/oauth2PermissionGrants', { $filter: `clientId in (${ids.map(literal).join(',')})`, $top: '999' }),
  );
  let grants: GrantRecord[] = [];
  if (grantUrls.length === 1) {
    const page: ListPage<GrantRecord> = await call(() => client.api(grantUrls[0]!).get());
    grants = await rest(client, page);
  } else if (grantUrls.length > 1) {
    const grantPages = await batchLists<GrantRecord>(client, grantUrls, [GraphPermission.grants]);
    for (const p of grantPages) grants.push(...(await rest(client, p)));
  }
  return { applications: apps, servicePrincipals: sps, grants: uniqueById(grants) };
}

// ---- the signed-in user's app registrations -----------------------------------------------------------------

export interface OwnedApp {
  readonly id: string;
  readonly appId: string;
  readonly displayName: string;
  readonly identifierUris?: readonly string[];
  readonly web?: { readonly redirectUris?: readonly string[] } | null;
  readonly passwordCredentials?: AppRecord['passwordCredentials'];
}

export interface OwnedAppsPage {
  readonly apps: readonly OwnedApp[];
  /** Absent on the last page. */
  readonly nextLink?: string;
  /** The number of matches, when Graph told (searches). */
  readonly count?: number;
}

export interface OwnedAppsQuery {
  /** Words of the display name (each matches the start of a word of the name). */
  readonly search?: string;
  /** Page size (default 50). */
  readonly top?: number;
}

/**
 * One page of `/me/ownedObjects/microsoft.graph.application`: one request. A search is Graph's `$search` on the
 * display name (an advanced query: `ConsistencyLevel: eventual` with `$count`; the words match the starts of the
 * name's words), which works for tenants with thousands of apps.
 */
export async function listOwnedApplications(client: Client, query: OwnedAppsQuery = {}, nextLink?: string): Promise<OwnedAppsPage> {
  const search = query.search?.trim();
  const page: ListPage<OwnedApp> & { '@odata.count'?: number } = await call(() => {
    if (nextLink) {
      const request = client.api(nextLink);
      return (search ? request.header('ConsistencyLevel', 'eventual') : request).get();
    }
    const params: Record<string, string> = { $select: OWNED_APP_SELECT, $top: String(query.top ?? 50) };
    if (search) {
      // Tokenized: "API" finds "Contoso Invoices API" (a startswith filter would not).
      params.$search = `"displayName:${search.replace(/["\\]/g, '\\$&')}"`;
      params.$count = 'true';
    }
    const request = client.api(url('/me/ownedObjects/microsoft.graph.application', params));
    return (search ? request.header('ConsistencyLevel', 'eventual') : request).get();
  });
  return {
    apps: page.value,
    ...(page['@odata.nextLink'] ? { nextLink: page['@odata.nextLink'] } : {}),
    ...(page['@odata.count'] !== undefined ? { count: page['@odata.count'] } : {}),
  };
}
