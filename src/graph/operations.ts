/**
 * Directory operations over a Graph `Client`: lookups, idempotent upserts, grants, passwords. Used by the setup
 * engine and the registrations tree. Every create is idempotent (upsert by a stable key, or look up before adding)
 * so a retry after a lost response converges on the same object. Failures are thrown as `UserFailure` values (see {@link toDirectoryError}).
 */
import { ResponseType, type Client } from '@microsoft/microsoft-graph-client';
import { GraphScopes, GraphPermission } from './client';
import { UserFailure } from '../errors';
import { isReplicationLag, toDirectoryError } from './errors';

export const MICROSOFT_GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
/** Power Platform's first-party "Azure API Connections" client, pre-authorized on the API for on-behalf-of. */
export const AZURE_API_CONNECTIONS_APP_ID = 'fe053c5f-3692-4f14-aef2-ee34fc081cae';

export interface PermissionScope {
  id: string;
  value: string;
  type?: 'User' | 'Admin';
  isEnabled?: boolean;
  adminConsentDisplayName?: string;
  adminConsentDescription?: string;
  userConsentDisplayName?: string;
  userConsentDescription?: string;
}

/** Whether two scopes are the same in every field Graph keeps (what decides if a PATCH "updates" an enabled scope). */
export function sameScope(a: PermissionScope, b: PermissionScope | undefined): boolean {
  if (!b) return false;
  const keys = ['id', 'value', 'type', 'adminConsentDisplayName', 'adminConsentDescription', 'userConsentDisplayName', 'userConsentDescription'] as const;
  return keys.every((k) => (a[k] ?? null) === (b[k] ?? null)) && (a.isEnabled !== false) === (b.isEnabled !== false);
}

export interface PasswordCredential {
  keyId: string;
  displayName?: string | null;
  endDateTime?: string;
  hint?: string | null;
  /** Only in the addPassword answer. Never stored, never logged. */
  secretText?: string | null;
}

export interface Application {
  id: string;
  appId: string;
  displayName: string;
  uniqueName?: string | null;
  /** Free-form strings; the setup marks the apps it makes with one (see src/setup/context.ts `setupMarker`). */
  tags?: string[];
  identifierUris?: string[];
  signInAudience?: string;
  api?: {
    oauth2PermissionScopes?: PermissionScope[];
    preAuthorizedApplications?: { appId: string; delegatedPermissionIds: string[] }[];
    requestedAccessTokenVersion?: number | null;
  };
  web?: { redirectUris?: string[] };
  requiredResourceAccess?: { resourceAppId: string; resourceAccess: { id: string; type: string }[] }[];
  passwordCredentials?: PasswordCredential[];
}

export interface ServicePrincipal {
  id: string;
  appId: string;
  displayName?: string;
  oauth2PermissionScopes?: PermissionScope[];
}

export interface PermissionGrant {
  id: string;
  clientId: string;
  resourceId: string;
  consentType: 'AllPrincipals' | 'Principal';
  principalId?: string | null;
  scope: string;
}

export interface Upserted<T> {
  readonly value: T;
  /** True when this call created the object (201), false when it existed (204). */
  readonly created: boolean;
}

export interface ReplicationPolicy {
  /** How long to keep retrying a write that hits replication lag. */
  readonly attempts: number;
  readonly delayMs: number;
}

export interface DirectoryOptions {
  readonly sleep?: (ms: number) => Promise<void>;
  readonly replication?: Partial<ReplicationPolicy>;
}

const APP_SELECT =
  'id,appId,displayName,uniqueName,identifierUris,signInAudience,api,web,requiredResourceAccess,passwordCredentials,tags';

/**
 * An OData string literal for a URL. Only the characters that would change the URL's meaning are escaped; the
 * Graph client treats any "https://" inside a path as a new host, so that colon is escaped too.
 */
function quote(value: string): string {
  const literal = `'${value.replace(/'/g, "''")}'`;
  return literal.replace(/[%#&+?]/g, (c) => encodeURIComponent(c)).replace(/https:\/\//gi, 'https%3A//');
}

async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (thrown) {
    throw new UserFailure(toDirectoryError(thrown));
  }
}

async function statusAndBody<T>(response: Response): Promise<{ status: number; body: T | undefined }> {
  if (!response.ok) {
    let parsed: unknown;
    try {
      parsed = await response.json();
    } catch {
      parsed = undefined;
    }
    const err = (parsed as { error?: object } | undefined)?.error;
    throw {
      statusCode: response.status,
      body: JSON.stringify(err ?? {}),
      requestId: response.headers.get('request-id') ?? undefined,
      code: (err as { code?: string } | undefined)?.code,
      message: (err as { message?: string } | undefined)?.message,
    };
  }
  const text = response.status === 204 ? '' : await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as T) : undefined };
}

export class Directory {
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly replication: ReplicationPolicy;

  constructor(
    readonly client: Client,
    options: DirectoryOptions = {},
  ) {
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.replication = { attempts: 8, delayMs: 2000, ...options.replication };
  }

  /**
   * Retries a write that follows a fresh create while the directory reports the new object missing
   * (404 Request_ResourceNotFound, 400 NoBackingApplicationObject). Writes only; never a create that could duplicate.
   */
  async afterCreate<T>(write: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await write();
      } catch (thrown) {
        const error = toDirectoryError(thrown);
        if (!isReplicationLag(error) || attempt >= this.replication.attempts) throw new UserFailure(error);
        await this.sleep(Math.min(this.replication.delayMs * attempt, 10_000));
      }
    }
  }

  // ---- applications -------------------------------------------------------------------------------------------

  async getApplicationByUniqueName(uniqueName: string): Promise<Application | undefined> {
    return this.getOrUndefined(() =>
      this.client.api(`/applications(uniqueName=${quote(uniqueName)})`).select(APP_SELECT).get(),
    );
  }

  async getApplicationByAppId(appId: string): Promise<Application | undefined> {
    return this.getOrUndefined(() => this.client.api(`/applications(appId=${quote(appId)})`).select(APP_SELECT).get());
  }

  async findApplicationsByIdentifierUri(uri: string): Promise<Application[]> {
    return this.list<Application>(`/applications?$filter=identifierUris/any(u:u eq ${quote(uri)})&$select=${APP_SELECT}`);
  }

  /** Starts-with search on the display name (what the portal's search box does). */
  async findApplicationsByDisplayName(prefix: string, top = 20): Promise<Application[]> {
    return this.list<Application>(
      `/applications?$filter=startswith(displayName,${quote(prefix)})&$top=${top}&$select=${APP_SELECT}`,
    );
  }

  /** The app registrations the signed-in user owns (`/me/ownedObjects`), every page. */
  async ownedApplications(): Promise<Application[]> {
    return this.list<Application>(`/me/ownedObjects/microsoft.graph.application?$select=${APP_SELECT}&$top=100`);
  }

  /** appId (GUID), identifier URI (`api://…`, `https://…`) or display-name prefix. */
  async findApplications(query: string): Promise<Application[]> {
    const q = query.trim();
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(q)) {
      const app = await this.getApplicationByAppId(q);
      return app ? [app] : [];
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(q)) return this.findApplicationsByIdentifierUri(q);
    return this.findApplicationsByDisplayName(q);
  }

  /**
   * `PATCH /applications(uniqueName='…')` with `Prefer: create-if-missing`: 201 + body when created, 204 when it
   * existed (then updated with `body`). The same call after a lost response finds the same object.
   */
  async upsertApplication(uniqueName: string, body: Partial<Application>): Promise<Upserted<Application>> {
    return call(async () => {
      const response = (await this.client
        .api(`/applications(uniqueName=${quote(uniqueName)})`)
        .header('Prefer', 'create-if-missing')
        .responseType(ResponseType.RAW)
        .patch(body)) as Response;
      const { status, body: created } = await statusAndBody<Application>(response);
      if (status === 201 && created) return { value: created, created: true };
      // Found (204): read it back; an object created moments ago (a lost 201) may still be replicating.
      const existing = await this.afterCreate(async () => {
        const app = await this.getApplicationByUniqueName(uniqueName);
        if (!app) throw { statusCode: 404, body: JSON.stringify({ code: 'Request_ResourceNotFound' }) };
        return app;
      });
      return { value: existing, created: false };
    });
  }

  /** The owners of an application (users show their name and user principal name). */
  async listOwners(appObjectId: string): Promise<{ id: string; displayName?: string; userPrincipalName?: string }[]> {
    return this.list(`/applications/${appObjectId}/owners`);
  }

  async updateApplication(id: string, body: Partial<Application>): Promise<void> {
    await this.afterCreate(() => this.client.api(`/applications/${id}`).patch(body));
  }

  /**
   * PATCHes `current` (the app as just read) with `body`. Graph refuses to change or drop a scope that is enabled
   * (400 CannotDeleteOrUpdateEnabledEntitlement: "cannot be deleted or updated unless disabled first"), so when
   * `body`'s scopes do either, a first PATCH disables exactly those scopes — the rest of the collection as read, since
   * a PATCH replaces it whole — and the second writes `body`.
   */
  async updateApplicationScopes(current: Application, body: Partial<Application>): Promise<void> {
    const next = body.api?.oauth2PermissionScopes;
    const before = current.api?.oauth2PermissionScopes ?? [];
    const changing = new Set(next ? before.filter((s) => s.isEnabled !== false && !sameScope(s, next.find((n) => n.id === s.id))).map((s) => s.id) : []);
    if (changing.size > 0) {
      await this.updateApplication(current.id, { api: { ...(current.api ?? {}), oauth2PermissionScopes: before.map((s) => (changing.has(s.id) ? { ...s, isEnabled: false } : s)) } });
    }
    await this.updateApplication(current.id, body);
  }

  async deleteApplication(id: string): Promise<void> {
    await this.deleteOrGone(`/applications/${id}`);
  }

  async addPassword(appObjectId: string, displayName: string, endDateTime: string): Promise<PasswordCredential> {
    return this.afterCreate(() =>
      this.client.api(`/applications/${appObjectId}/addPassword`).post({ passwordCredential: { displayName, endDateTime } }),
    );
  }

  async removePassword(appObjectId: string, keyId: string): Promise<void> {
    await call(() => this.client.api(`/applications/${appObjectId}/removePassword`).post({ keyId }));
  }

  async listPasswords(appObjectId: string): Promise<PasswordCredential[]> {
    const app = await call<Application>(() =>
      this.client.api(`/applications/${appObjectId}`).select('id,passwordCredentials').get(),
    );
    return app.passwordCredentials ?? [];
  }

  // ---- service principals -------------------------------------------------------------------------------------

  async getServicePrincipalByAppId(appId: string): Promise<ServicePrincipal | undefined> {
    return this.getOrUndefined(() =>
      this.client
        .api(`/servicePrincipals(appId=${quote(appId)})`)
        .select('id,appId,displayName,oauth2PermissionScopes')
        .get(),
    );
  }

  /**
   * The app's service principal: read first, created (`POST /servicePrincipals {appId}`) only when missing. Never
   * written when it exists: an upsert would be an update that replaces its `tags`, and an SP of an app the user does
   * not own (Microsoft Graph's, a vendor's) is not this tool's to change. A 409 (created meanwhile, or by a create
   * whose answer was lost) is read back; replication lag of a just-created app is retried.
   */
  async ensureServicePrincipal(appId: string, options: { appIsNew?: boolean } = {}): Promise<Upserted<ServicePrincipal>> {
    const existing = options.appIsNew ? undefined : await this.getServicePrincipalByAppId(appId);
    if (existing) return { value: existing, created: false };
    try {
      const created = await this.afterCreate<ServicePrincipal>(() =>
        this.client.api('/servicePrincipals').post({ appId, tags: ['WindowsAzureActiveDirectoryIntegratedApp'] }),
      );
      return { value: created, created: true };
    } catch (thrown) {
      const error = toDirectoryError(thrown);
      if (error.status !== 409) throw thrown;
      const found = await this.afterCreate(async () => {
        const sp = await this.getServicePrincipalByAppId(appId);
        if (!sp) throw { statusCode: 404, body: JSON.stringify({ code: 'Request_ResourceNotFound' }) };
        return sp;
      });
      return { value: found, created: false };
    }
  }

  /** Service principals that answer to a name (`servicePrincipalNames`: an Application ID URI or resource URL). */
  async findServicePrincipalsByName(name: string): Promise<ServicePrincipal[]> {
    return this.list<ServicePrincipal>(
      `/servicePrincipals?$filter=servicePrincipalNames/any(n:n eq ${quote(name)})&$select=id,appId,displayName,oauth2PermissionScopes`,
    );
  }

  async deleteServicePrincipal(id: string): Promise<void> {
    await this.deleteOrGone(`/servicePrincipals/${id}`);
  }

  // ---- delegated grants ---------------------------------------------------------------------------------------

  async listGrants(clientSpId: string, resourceSpId: string): Promise<PermissionGrant[]> {
    return this.list<PermissionGrant>(
      `/oauth2PermissionGrants?$filter=clientId eq ${quote(clientSpId)} and resourceId eq ${quote(resourceSpId)}`,
    );
  }

  async createGrant(grant: Omit<PermissionGrant, 'id'>): Promise<PermissionGrant> {
    const body = grant.consentType === 'AllPrincipals' ? { ...grant, principalId: undefined } : grant;
    return this.afterCreate(() => this.client.api('/oauth2PermissionGrants').post(JSON.parse(JSON.stringify(body))));
  }

  async updateGrantScope(id: string, scope: string): Promise<void> {
    await call(() => this.client.api(`/oauth2PermissionGrants/${id}`).patch({ scope }));
  }

  async deleteGrant(id: string): Promise<void> {
    await this.deleteOrGone(`/oauth2PermissionGrants/${id}`);
  }

  // ---- the signed-in user and the tenant ---------------------------------------------------------------------

  async me(): Promise<{ id: string; userPrincipalName: string }> {
    return call(() => this.client.api('/me').select('id,userPrincipalName').get());
  }

  /** The signed-in user's directory roles (User.Read); see src/graph/roles.ts for what they allow. */
  async myDirectoryRoles(): Promise<{ displayName?: string | null; roleTemplateId?: string | null }[]> {
    return this.list('/me/memberOf/microsoft.graph.directoryRole?$select=displayName,roleTemplateId');
  }

  async organization(): Promise<{ id: string; displayName?: string | null; verifiedDomains: { name: string; isDefault?: boolean }[] } | undefined> {
    const orgs = await this.list<{ id: string; displayName?: string | null; verifiedDomains: { name: string; isDefault?: boolean }[] }>(
      '/organization?$select=id,displayName,verifiedDomains',
    );
    return orgs[0];
  }

  // ---- batch --------------------------------------------------------------------------------------------------

  /**
   * Reads up to 20 paths in one `$batch` round trip. Returns the body per path, `undefined` for a 404.
   * Other failures are thrown for the first failing request.
   */
  async batchGet<T = unknown>(paths: readonly string[]): Promise<(T | undefined)[]> {
    if (paths.length === 0) return [];
    if (paths.length > 20) throw new RangeError('A Graph $batch holds at most 20 requests.');
    const requests = paths.map((url, i) => ({ id: String(i + 1), method: 'GET', url }));
    const answer = await call<{ responses: { id: string; status: number; body?: unknown; headers?: Record<string, string> }[] }>(
      () =>
        this.client
          .api('/$batch')
          .middlewareOptions([new GraphScopes([GraphPermission.apps])])
          .post({ requests }),
    );
    const byId = new Map(answer.responses.map((r) => [r.id, r]));
    return paths.map((_, i) => {
      const r = byId.get(String(i + 1));
      if (!r) throw new UserFailure(toDirectoryError({ statusCode: 500, body: '{}' }));
      if (r.status === 404) return undefined;
      if (r.status >= 400) {
        const err = (r.body as { error?: object } | undefined)?.error ?? {};
        throw new UserFailure(toDirectoryError({ statusCode: r.status, body: JSON.stringify(err) }));
      }
      return r.body as T;
    });
  }

  // ---- helpers ------------------------------------------------------------------------------------------------

  private async getOrUndefined<T>(get: () => Promise<T>): Promise<T | undefined> {
    try {
      return await get();
    } catch (thrown) {
      const error = toDirectoryError(thrown);
      if (error.status === 404) return undefined;
      throw new UserFailure(error);
    }
  }

  private async list<T>(path: string): Promise<T[]> {
    const out: T[] = [];
    let next: string | undefined = path;
    while (next) {
      const page: { value: T[]; '@odata.nextLink'?: string } = await call(() => this.client.api(next as string).get());
      out.push(...page.value);
      next = page['@odata.nextLink'];
    }
    return out;
  }

  private async deleteOrGone(path: string): Promise<void> {
    try {
      await this.client.api(path).delete();
    } catch (thrown) {
      const error = toDirectoryError(thrown);
      if (error.status !== 404) throw new UserFailure(error);
    }
  }
}
