// The emulated Microsoft Graph v1.0 for app registration: token and permission checks, validation with Graph's
// error shapes, replication lag, upserts, $batch. Contract: test/fixtures/graph/graph-v1.0-app-registration.openapi.json.
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { declaredProperties, graphContract, unknownProperties, type GraphExchange } from '../../test/contract/graph-contract';
import {
  APP_ADMIN_ROLES, applicationDefaults, Directory, GRAPH_RESOURCE, newGrantId, spFromApp, TENANT_DOMAIN,
} from './directory';
import { compileFilter, FilterError } from './filter';
import { APP_PERMISSIONS, ownedOnly, workloadRoute, type GraphHost } from './graphWorkload';
import { contentType, graphError, json, type Reply, type Req } from './http';
import type { Signer } from './jwt';
import { secretHash } from './workload';
import type { Account, DirectoryObject } from './types';

const PERMISSIONS_PATH = resolve(__dirname, '..', 'data', 'graph-permissions.json');
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DENIED = 'Insufficient privileges to complete the operation.';

export interface GraphConfig {
  graphEndpoint: string;
  replicationLagMs(): number;
  /** Lets the fault engine answer a request inside a $batch (throttle/unavailable). */
  innerFault?(method: string, path: string): Reply | undefined;
  /** Records a request inside a $batch. */
  recordInner?(method: string, path: string, status: number, start: number, end: number): void;
  onExchange?(ex: GraphExchange): void;
  validIssuers(): string[];
  /** Test observation hook (GET /admin/issued): every client secret addPassword hands out. In memory only. */
  onSecret?(secretText: string): void;
}

interface Ctx {
  /** The signed-in user; for an app-only token, the calling service principal in the shape of one (no directory roles). */
  user: Account;
  scp: Set<string>;
  /** Set for app-only tokens: the calling service principal and its application permissions (`roles`). */
  app?: { sp: DirectoryObject; roles: Set<string> };
}

type Coll = 'applications' | 'servicePrincipals' | 'oauth2PermissionGrants';

/**
 * `$search` on directory objects, as Microsoft Learn describes it ("Use the $search query parameter", section on
 * directory object collections, https://learn.microsoft.com/graph/search-query-parameter): clauses
 * `"property:value"` joined by AND / OR; `displayName` and `description` are tokenized — split on spaces, symbols and
 * casing changes — and a clause matches when each token of the value starts a token of the property (so "API"
 * finds "Contoso Invoices API", "inv" finds it too). Returns a predicate, or an error message.
 */
const SEARCHABLE = ['displayName', 'description'];

function tokens(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .map((t) => t.toLowerCase());
}

export function compileSearch(raw: string): ((item: Record<string, unknown>) => boolean) | string {
  const clauses: Array<{ property: string; words: string[] }> = [];
  const operators: string[] = [];
  let rest = raw.trim();
  for (;;) {
    const m = /^"((?:[^"\\]|\\.)*)"\s*/.exec(rest);
    if (!m) return `Invalid $search syntax: clauses must be "property:value" in double quotes (${raw}).`;
    const clause = m[1]!.replace(/\\(.)/g, '$1');
    const colon = clause.indexOf(':');
    if (colon < 1) return `Invalid $search clause "${clause}": expected "property:value".`;
    const property = clause.slice(0, colon);
    if (!SEARCHABLE.includes(property)) return `Search on property '${property}' is not supported.`;
    clauses.push({ property, words: tokens(clause.slice(colon + 1)) });
    rest = rest.slice(m[0].length);
    if (rest === '') break;
    const op = /^(AND|OR)\s+/.exec(rest);
    if (!op) return `Invalid $search syntax near '${rest.slice(0, 20)}': clauses are joined by AND or OR.`;
    operators.push(op[1]!);
    rest = rest.slice(op[0].length);
  }
  const test = (c: { property: string; words: string[] }, item: Record<string, unknown>) => {
    const value = item[c.property];
    if (typeof value !== 'string') return false;
    const have = tokens(value);
    return c.words.length > 0 && c.words.every((w) => have.some((t) => t.startsWith(w)));
  };
  return (item) => {
    let result = test(clauses[0]!, item);
    operators.forEach((op, i) => {
      const next = test(clauses[i + 1]!, item);
      result = op === 'AND' ? result && next : result || next;
    });
    return result;
  };
}

/**
 * Built-in role template IDs (Microsoft Learn, "Microsoft Entra built-in roles",
 * https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference).
 */
export const ROLE_TEMPLATE_IDS: Readonly<Record<string, string>> = {
  'Global Administrator': '62e90394-69f5-4237-9190-012177145e10',
  'Application Administrator': '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3',
  'Cloud Application Administrator': '158c047a-c907-4556-b7ef-446551a6b5f7',
  'Application Developer': 'cf1c38e5-3621-4004-a7cb-879624dced7c',
  'Privileged Role Administrator': 'e8611ab8-c189-46e8-94e1-60213ab1f814',
};

const FILTERABLE: Record<Coll | 'ownedObjects', string[]> = {
  applications: ['id', 'appid', 'displayname', 'identifieruris', 'uniquename', 'publisherdomain', 'signinaudience', 'tags', 'web/redirecturis', 'publicclient/redirecturis', 'spa/redirecturis', 'createddatetime'],
  servicePrincipals: ['id', 'appid', 'displayname', 'serviceprincipalnames', 'serviceprincipaltype', 'tags', 'accountenabled', 'appownerorganizationid'],
  oauth2PermissionGrants: ['id', 'clientid', 'resourceid', 'consenttype', 'principalid'],
  ownedObjects: ['id', 'appid', 'displayname', 'identifieruris', 'uniquename'],
};

const SCHEMA: Record<Coll, string> = {
  applications: 'microsoft.graph.application',
  servicePrincipals: 'microsoft.graph.servicePrincipal',
  oauth2PermissionGrants: 'microsoft.graph.oAuth2PermissionGrant',
};

const RESOURCE_NAME: Record<Coll, string> = { applications: 'Application', servicePrincipals: 'ServicePrincipal', oauth2PermissionGrants: 'OAuth2PermissionGrant' };

function loadPermissions(): Record<string, string[]> {
  const raw = JSON.parse(readFileSync(PERMISSIONS_PATH, 'utf8')) as { calls: Record<string, { permission: string }[]> };
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(raw.calls)) out[k.toLowerCase()] = v.map((p) => p.permission);
  return out;
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function notFound(id: string): Reply {
  return graphError(404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);
}

function badValue(prop: string, resource: string, detailCode = 'InvalidValue'): Reply {
  return graphError(400, 'Request_BadRequest', `Invalid value specified for property '${prop}' of resource '${resource}'.`, [{ code: detailCode, message: `Invalid value specified for property '${prop}' of resource '${resource}'.`, target: prop }]);
}

export class GraphService {
  private readonly permissions = loadPermissions();

  private readonly host: GraphHost;

  constructor(
    private readonly dir: Directory,
    private readonly signer: Signer,
    private readonly config: GraphConfig,
  ) {
    this.host = { dir, base: () => this.base(), visible: (id) => this.visible(id), owns: (u, id) => this.owns(u, id), isAdmin: (u) => this.isAdmin(u) };
  }

  // ---- entry -------------------------------------------------------------------------------------------------

  handle(req: Req): Reply {
    const auth = this.authenticate(req);
    if ('status' in auth) return auth;
    const m = /^\/(v1\.0|beta)(\/.*)?$/.exec(req.path);
    if (!m) return graphError(400, 'BadRequest', `Invalid version: ${req.path.split('/')[1] ?? ''}`);
    if (m[1] === 'beta') return graphError(400, 'BadRequest', 'The emulated tenant serves Microsoft Graph v1.0 only.');
    const path = m[2] ?? '/';
    if (path === '/$batch' && req.method === 'POST') return this.batch(req, auth);
    return this.route(req, path, auth);
  }

  private authenticate(req: Req): Ctx | Reply {
    const header = String(req.headers.authorization ?? '');
    const www = { 'www-authenticate': 'Bearer realm="", authorization_uri="", client_id="00000003-0000-0000-c000-000000000000"' };
    if (!/^Bearer\s+\S/i.test(header)) return graphError(401, 'InvalidAuthenticationToken', 'Access token is empty.', undefined, www);
    const token = header.replace(/^Bearer\s+/i, '').trim();
    const claims = this.signer.verify(token);
    if (!claims) return graphError(401, 'InvalidAuthenticationToken', 'IDX14100: JWT is not well formed, or its signature is invalid.', undefined, www);
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= Date.now()) {
      return graphError(401, 'InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.', undefined, www);
    }
    if (claims.aud !== GRAPH_RESOURCE && claims.aud !== '00000003-0000-0000-c000-000000000000') {
      return graphError(401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.', undefined, www);
    }
    if (!this.config.validIssuers().includes(String(claims.iss)) || claims.tid !== this.dir.tenantId) {
      return graphError(401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid issuer.', undefined, www);
    }
    if (claims.idtyp === 'app') {
      const sp = this.dir.servicePrincipals.get(String(claims.oid));
      if (!sp) return graphError(401, 'InvalidAuthenticationToken', 'Access token validation failure. The service principal does not exist.', undefined, www);
      const roles = new Set(Array.isArray(claims.roles) ? claims.roles.map(String) : []);
      const user: Account = { id: sp.id, username: String(sp.appId), displayName: String(sp.displayName ?? sp.appId), roles: [] };
      return { user, scp: new Set(), app: { sp, roles } };
    }
    const user = this.dir.userById(String(claims.oid));
    if (!user) return graphError(401, 'InvalidAuthenticationToken', 'Access token validation failure. The user does not exist.', undefined, www);
    return { user, scp: new Set(String(claims.scp ?? '').split(' ').filter(Boolean)) };
  }

  /** 403 unless the token holds one of the permissions graph-permissions.json lists for the call. */
  private requireScope(ctx: Ctx, call: string): Reply | undefined {
    if (ctx.app) {
      const need = APP_PERMISSIONS[call.toLowerCase()];
      if (!need) throw new Error(`No application permission entry for ${call}`);
      return need.some((p) => ctx.app!.roles.has(p)) ? undefined : graphError(403, 'Authorization_RequestDenied', DENIED);
    }
    const list = this.permissions[call.toLowerCase()];
    if (!list) throw new Error(`No permission entry for ${call}`);
    return list.some((p) => ctx.scp.has(p)) ? undefined : graphError(403, 'Authorization_RequestDenied', DENIED);
  }

  private visible(id: string): boolean {
    const meta = this.dir.meta.get(id);
    if (!meta) return true;
    return meta.createdAt + this.config.replicationLagMs() <= Date.now();
  }

  private isAdmin(user: Account): boolean {
    return user.roles.some((r) => APP_ADMIN_ROLES.includes(r)) || this.appWithAllApps(user);
  }

  /** An app-only caller holding Application.ReadWrite.All manages every app, like an Application Administrator. */
  private appWithAllApps(user: Account): boolean {
    return this.currentApp?.sp.id === user.id && this.currentApp.roles.has('Application.ReadWrite.All');
  }

  private currentApp: Ctx['app'];

  /** With only Application.ReadWrite.OwnedBy an app sees and changes only the objects it owns (or whose app it owns). */
  private hiddenFrom(ctx: Ctx, coll: Coll, obj: DirectoryObject): boolean {
    if (!ownedOnly(ctx)) return false;
    if (coll === 'oauth2PermissionGrants') return false;
    if (this.owns(ctx.user, obj.id)) return false;
    const app = coll === 'servicePrincipals' ? this.dir.appByAppId(String(obj.appId)) : undefined;
    return !(app && this.owns(ctx.user, app.id));
  }

  private owns(user: Account, id: string): boolean {
    return this.dir.meta.get(id)?.owners.includes(user.id) ?? false;
  }

  private base(): string {
    return `${this.config.graphEndpoint}/v1.0`;
  }

  // ---- routing -----------------------------------------------------------------------------------------------

  private route(req: Req, path: string, ctx: Ctx): Reply {
    this.currentApp = ctx.app;
    const method = req.method;
    if (ctx.app && /^\/me(\/|$)/i.test(path)) return graphError(400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
    const workload = workloadRoute(this.host, req, path, ctx);
    if (workload) return workload;
    if (/^\/me$/i.test(path) && method === 'GET') return this.requireScope(ctx, 'GET /me') ?? this.me(req, ctx);
    const owned = /^\/me\/ownedObjects(\/microsoft\.graph\.(application|servicePrincipal))?$/i.exec(path);
    if (owned && method === 'GET') return this.requireScope(ctx, 'GET /me') ?? this.ownedObjects(req, ctx, owned[2]);
    const memberOf = /^\/me\/memberOf(\/microsoft\.graph\.directoryRole)?$/i.exec(path);
    if (memberOf && method === 'GET') return this.requireScope(ctx, 'GET /me') ?? this.memberOf(req, ctx);
    if (/^\/organization$/i.test(path) && method === 'GET') return this.requireScope(ctx, 'GET /organization') ?? this.organization(req);

    const m = /^\/(applications|servicePrincipals|oauth2PermissionGrants)(?:\/([^/()]+)|(\([^/]*\)))?(?:\/(addPassword|removePassword|owners))?$/i.exec(path);
    if (!m) return graphError(400, 'BadRequest', `Resource not found for the segment '${path.split('/')[1] ?? ''}'.`);
    const coll = (['applications', 'servicePrincipals', 'oauth2PermissionGrants'] as Coll[]).find((c) => c.toLowerCase() === m[1]!.toLowerCase())!;
    const action = m[4]?.toLowerCase();
    const keySeg = m[2] ?? m[3];
    if (!keySeg) {
      if (method === 'GET') return this.list(req, coll, ctx);
      if (method === 'POST') return this.create(req, coll, ctx);
      return graphError(405, 'Request_BadRequest', `The HTTP method '${method}' is not allowed for the collection '${coll}'.`);
    }
    const key = parseKey(keySeg, coll);
    if ('status' in key) return key;
    if (action === 'owners') {
      if (method !== 'GET' || coll !== 'applications') return graphError(405, 'Request_BadRequest', `The HTTP method '${method}' is not allowed.`);
      return this.owners(key, ctx);
    }
    if (action) {
      if (method !== 'POST' || coll === 'oauth2PermissionGrants') return graphError(405, 'Request_BadRequest', `The HTTP method '${method}' is not allowed.`);
      if (coll === 'servicePrincipals') return graphError(400, 'Request_BadRequest', 'Service principal credentials are not managed by the emulated tenant.');
      return this.credentialAction(req, key, action, ctx);
    }
    switch (method) {
      case 'GET':
        return this.getOne(req, coll, key, ctx);
      case 'PATCH':
        return this.patch(req, coll, key, ctx);
      case 'DELETE':
        return this.remove(coll, key, ctx);
      default:
        return graphError(405, 'Request_BadRequest', `The HTTP method '${method}' is not allowed.`);
    }
  }

  private store(coll: Coll): Map<string, DirectoryObject> {
    return coll === 'applications' ? this.dir.applications : coll === 'servicePrincipals' ? this.dir.servicePrincipals : this.dir.grants;
  }

  /** Finds by id or alternate key; `master` ignores replication lag (writes that go to the primary, like upserts). */
  private lookup(coll: Coll, key: Key, master = false): DirectoryObject | undefined {
    const s = this.store(coll);
    let found: DirectoryObject | undefined;
    if (key.prop === 'id') found = s.get(key.value);
    else {
      for (const o of s.values()) {
        if (String(o[key.prop] ?? '').toLowerCase() === key.value.toLowerCase()) {
          found = o;
          break;
        }
      }
    }
    if (found && !master && !this.visible(found.id)) return undefined;
    return found;
  }

  // ---- reads -------------------------------------------------------------------------------------------------

  private me(req: Req, ctx: Ctx): Reply {
    const u = ctx.user;
    const body = {
      '@odata.context': `${this.base()}/$metadata#users/$entity`,
      businessPhones: [],
      displayName: u.displayName,
      givenName: u.displayName.split(' ')[0] ?? null,
      jobTitle: null,
      mail: u.username,
      mobilePhone: null,
      officeLocation: null,
      preferredLanguage: 'en-US',
      surname: u.displayName.split(' ').slice(1).join(' ') || null,
      userPrincipalName: u.username,
      id: u.id,
    };
    return this.selected(req, body, 'microsoft.graph.user');
  }

  private organization(req: Req): Reply {
    const org = {
      id: this.dir.tenantId,
      deletedDateTime: null,
      businessPhones: [],
      city: null,
      country: null,
      countryLetterCode: 'US',
      createdDateTime: '2020-01-01T00:00:00Z',
      displayName: 'Contoso',
      onPremisesSyncEnabled: null,
      postalCode: null,
      preferredLanguage: 'en',
      state: null,
      street: null,
      tenantType: 'AAD',
      technicalNotificationMails: [],
      verifiedDomains: [
        { capabilities: 'Email, OfficeCommunicationsOnline', isDefault: true, isInitial: false, name: TENANT_DOMAIN, type: 'Managed' },
        { capabilities: 'Email, OfficeCommunicationsOnline', isDefault: false, isInitial: true, name: 'contoso.onmicrosoft.example', type: 'Managed' },
      ],
    };
    const select = this.parseSelect(req, 'microsoft.graph.organization');
    if (select && 'status' in select) return select;
    return json(200, { '@odata.context': `${this.base()}/$metadata#organization`, value: [project(org, select as string[] | undefined)] });
  }

  private parseSelect(req: Req, schema: string): string[] | undefined | Reply {
    const raw = req.query.get('$select');
    if (raw === null) return undefined;
    const props = raw.split(',').map((s) => s.trim()).filter(Boolean);
    const declared = declaredProperties(schema);
    for (const p of props) {
      if (!declared.has(p)) {
        return graphError(400, 'BadRequest', `Parsing OData Select and Expand failed: Could not find a property named '${p}' on type '${schema}'.`);
      }
    }
    return props;
  }

  private selected(req: Req, body: Record<string, unknown>, schema: string): Reply {
    const select = this.parseSelect(req, schema);
    if (select && 'status' in select) return select;
    return json(200, project(body, select as string[] | undefined));
  }

  private getOne(req: Req, coll: Coll, key: Key, ctx: Ctx): Reply {
    const call = coll === 'applications' ? 'GET /applications/{id}' : coll === 'servicePrincipals' ? 'GET /serviceprincipals(appid={value})' : 'GET /oauth2permissiongrants';
    const denied = this.requireScope(ctx, call);
    if (denied) return denied;
    const obj = this.lookup(coll, key);
    if (!obj) return notFound(key.value);
    if (this.hiddenFrom(ctx, coll, obj)) return graphError(403, 'Authorization_RequestDenied', DENIED);
    const select = this.parseSelect(req, SCHEMA[coll]);
    if (select && 'status' in select) return select;
    return json(200, { '@odata.context': `${this.base()}/$metadata#${coll}/$entity`, ...project(this.present(obj), select as string[] | undefined) });
  }

  /**
   * `GET /applications/{id}/owners`: the owners as directoryObjects (users with `@odata.type`, displayName and
   * userPrincipalName). Same permission as reading the application (Microsoft Learn, "List owners of an application").
   */
  private owners(key: Key, ctx: Ctx): Reply {
    const denied = this.requireScope(ctx, 'GET /applications/{id}');
    if (denied) return denied;
    const obj = this.lookup('applications', key);
    if (!obj) return notFound(key.value);
    if (this.hiddenFrom(ctx, 'applications', obj)) return graphError(403, 'Authorization_RequestDenied', DENIED);
    // Owners are users or service principals (a pipeline's identity that `entra-connector automate` added).
    const value = (this.dir.meta.get(obj.id)?.owners ?? []).flatMap((id): Record<string, unknown>[] => {
      const user = this.dir.userById(id);
      if (user) return [{ '@odata.type': '#microsoft.graph.user', id: user.id, displayName: user.displayName, userPrincipalName: user.username }];
      const sp = this.dir.servicePrincipals.get(id);
      return sp ? [{ '@odata.type': '#microsoft.graph.servicePrincipal', id: sp.id, appId: sp.appId, displayName: sp.displayName, servicePrincipalType: sp.servicePrincipalType }] : [];
    });
    return json(200, { '@odata.context': `${this.base()}/$metadata#directoryObjects`, value });
  }

  /** What Graph shows of a stored object (service principals mirror their application). */
  private present(obj: DirectoryObject): Record<string, unknown> {
    return clone(obj);
  }

  private list(req: Req, coll: Coll, ctx: Ctx): Reply {
    const call = coll === 'applications' ? 'GET /applications' : coll === 'servicePrincipals' ? 'GET /serviceprincipals' : 'GET /oauth2permissiongrants';
    const denied = this.requireScope(ctx, call);
    if (denied) return denied;
    const items = [...this.store(coll).values()].filter((o) => this.visible(o.id) && !this.hiddenFrom(ctx, coll, o));
    return this.page(req, coll, items.map((o) => this.present(o)), SCHEMA[coll], FILTERABLE[coll], RESOURCE_NAME[coll]);
  }

  /**
   * `GET /me/memberOf[/microsoft.graph.directoryRole]` (User.Read): the signed-in user's directory roles, each with
   * its `roleTemplateId` (the emulated tenant has no groups or administrative units, so both forms list the roles).
   */
  private memberOf(req: Req, ctx: Ctx): Reply {
    const roles = ctx.user.roles.map((name) => ({
      '@odata.type': '#microsoft.graph.directoryRole',
      id: `role-${ROLE_TEMPLATE_IDS[name] ?? name}`,
      displayName: name,
      description: null,
      roleTemplateId: ROLE_TEMPLATE_IDS[name] ?? null,
    }));
    // directoryRole's properties (Microsoft Learn, directoryRole resource type); the app-registration OpenAPI
    // subset the emulator validates other selects against does not describe it.
    const declared = ['id', 'deletedDateTime', 'description', 'displayName', 'roleTemplateId'];
    const raw = req.query.get('$select');
    const select = raw === null ? undefined : raw.split(',').map((p) => p.trim()).filter(Boolean);
    const bad = select?.find((p) => !declared.includes(p));
    if (bad) return graphError(400, 'BadRequest', `Parsing OData Select and Expand failed: Could not find a property named '${bad}' on type 'microsoft.graph.directoryObject'.`);
    const value = roles.map((r) => (select ? { '@odata.type': r['@odata.type'], ...project(r, select) } : r));
    return json(200, { '@odata.context': `${this.base()}/$metadata#directoryObjects`, value });
  }

  private ownedObjects(req: Req, ctx: Ctx, cast: string | undefined): Reply {
    const out: Record<string, unknown>[] = [];
    const wantApps = !cast || cast.toLowerCase() === 'application';
    const wantSps = !cast || cast.toLowerCase() === 'serviceprincipal';
    if (wantApps) for (const a of this.dir.applications.values()) if (this.owns(ctx.user, a.id) && this.visible(a.id)) out.push({ '@odata.type': '#microsoft.graph.application', ...clone(a) });
    if (wantSps) for (const s of this.dir.servicePrincipals.values()) if (this.owns(ctx.user, s.id) && this.visible(s.id)) out.push({ '@odata.type': '#microsoft.graph.servicePrincipal', ...clone(s) });
    const schema = cast ? `microsoft.graph.${cast.toLowerCase() === 'application' ? 'application' : 'servicePrincipal'}` : 'microsoft.graph.directoryObject';
    const ctxName = cast ? `directoryObjects/microsoft.graph.${cast}` : 'directoryObjects';
    return this.page(req, ctxName, out, schema, FILTERABLE.ownedObjects, 'DirectoryObject', !cast);
  }

  /** $filter, $select, $top, $skiptoken, $count, $orderby=displayName — with Graph's errors for what it refuses. */
  private page(req: Req, contextName: string, items: Record<string, unknown>[], schema: string, filterable: string[], resourceName: string, openSelect = false): Reply {
    const q = req.query;
    const eventual = String(req.headers.consistencylevel ?? '').toLowerCase() === 'eventual';
    let filtered = items;
    if (q.has('$search')) {
      if (!eventual) return graphError(400, 'Request_BadRequest', "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'");
      const match = compileSearch(q.get('$search') ?? '');
      if (typeof match === 'string') return graphError(400, 'Request_UnsupportedQuery', match);
      filtered = filtered.filter(match);
    }
    const filter = q.get('$filter');
    if (filter !== null) {
      try {
        const pred = compileFilter(filter, filterable);
        filtered = filtered.filter(pred);
      } catch (e) {
        if (e instanceof FilterError) {
          return e.kind === 'unsupported'
            ? graphError(400, 'Request_UnsupportedQuery', e.property ? `Unsupported or invalid query filter clause specified for property '${e.property}' of resource '${resourceName}'.` : e.message)
            : graphError(400, 'BadRequest', `Invalid filter clause: ${e.message}`);
        }
        throw e;
      }
    }
    const orderby = q.get('$orderby');
    if (orderby !== null) {
      const m = /^displayName(\s+(asc|desc))?$/i.exec(orderby.trim());
      if (!m) return graphError(400, 'Request_UnsupportedQuery', 'Sorting not supported for current query.');
      const desc = m[2]?.toLowerCase() === 'desc';
      filtered = [...filtered].sort((a, b) => String(a.displayName ?? '').localeCompare(String(b.displayName ?? '')) * (desc ? -1 : 1));
    }
    const countRaw = q.get('$count');
    if (countRaw !== null && countRaw !== 'true' && countRaw !== 'false') return graphError(400, 'BadRequest', `Invalid value '${countRaw}' for $count: true or false expected.`);
    const wantCount = countRaw === 'true';
    if (wantCount && !eventual) return graphError(400, 'Request_BadRequest', '$count is not currently supported.');
    const topRaw = q.get('$top');
    let top = 100;
    if (topRaw !== null) {
      if (!/^\d+$/.test(topRaw) || Number(topRaw) < 1 || Number(topRaw) > 999) {
        return graphError(400, 'Request_BadRequest', `Invalid page size specified: '${topRaw}'. Must be between 1 and 999 inclusive.`);
      }
      top = Number(topRaw);
    }
    let offset = 0;
    const skip = q.get('$skiptoken');
    if (skip !== null) {
      const decoded = /^o(\d+)$/.exec(Buffer.from(skip, 'base64url').toString('utf8'));
      if (!decoded) return graphError(400, 'Request_BadRequest', 'Invalid paging token.');
      offset = Number(decoded[1]);
    }
    let select: string[] | undefined;
    const rawSelect = q.get('$select');
    if (rawSelect !== null) {
      select = rawSelect.split(',').map((s) => s.trim()).filter(Boolean);
      const declared = declaredProperties(schema);
      const bad = select.find((p) => !declared.has(p) && !(openSelect && (declaredProperties('microsoft.graph.application').has(p) || declaredProperties('microsoft.graph.servicePrincipal').has(p))));
      if (bad) return graphError(400, 'BadRequest', `Parsing OData Select and Expand failed: Could not find a property named '${bad}' on type '${schema}'.`);
    }
    const pageItems = filtered.slice(offset, offset + top).map((o) => {
      const p = project(o, select);
      if (select && o['@odata.type']) p['@odata.type'] = o['@odata.type'];
      return p;
    });
    const body: Record<string, unknown> = { '@odata.context': `${this.base()}/$metadata#${contextName}${select ? `(${select.join(',')})` : ''}` };
    if (wantCount) body['@odata.count'] = filtered.length;
    if (offset + top < filtered.length) {
      const nq = new URLSearchParams(q);
      nq.set('$skiptoken', Buffer.from(`o${offset + top}`).toString('base64url'));
      body['@odata.nextLink'] = `${this.config.graphEndpoint}${req.path}?${nq.toString()}`;
    }
    body.value = pageItems;
    return json(200, body);
  }

  // ---- writes ------------------------------------------------------------------------------------------------

  /** Parses and checks a JSON write body: content type, JSON syntax, object shape, declared properties, types. */
  private readBody(req: Req, contractPath: string, schemaName: string | undefined): Record<string, unknown> | Reply {
    if (!req.body.trim()) return graphError(400, 'BadRequest', 'Empty Payload. JSON content expected.');
    if (contentType(req.headers) !== 'application/json') {
      return graphError(415, 'BadRequest', `The content type '${String(req.headers['content-type'] ?? '') || '(none)'}' is not supported. Use 'application/json'.`);
    }
    let body: unknown;
    try {
      body = JSON.parse(req.body);
    } catch {
      return graphError(400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
    }
    if (!isPlainObject(body)) return graphError(400, 'BadRequest', 'Invalid request body: a JSON object is expected.');
    if (schemaName) {
      const spec = graphContract().spec;
      const unknown = unknownProperties(spec, { $ref: `#/components/schemas/${schemaName}` }, body);
      if (unknown.length > 0) {
        const name = unknown[0]!.split('/').pop();
        return graphError(400, 'BadRequest', `Property '${name}' does not exist as a declared property or extension property.`);
      }
    }
    const result = graphContract().validateRequest(req.method, contractPath, body);
    if (result.covered && !result.valid) {
      return graphError(400, 'BadRequest', `Invalid request payload: ${result.errors[0] ?? 'the body does not match the type'}.`);
    }
    return body;
  }

  private create(req: Req, coll: Coll, ctx: Ctx): Reply {
    if (coll === 'applications') {
      const denied = this.requireScope(ctx, 'POST /applications');
      if (denied) return denied;
      if (!this.dir.mayRegisterApps(ctx.user)) return graphError(403, 'Authorization_RequestDenied', DENIED);
      const body = this.readBody(req, '/applications', SCHEMA.applications);
      if (isReply(body)) return body;
      return this.createApplication(body, ctx, undefined);
    }
    if (coll === 'servicePrincipals') {
      const denied = this.requireScope(ctx, 'POST /serviceprincipals');
      if (denied) return denied;
      const body = this.readBody(req, '/servicePrincipals', SCHEMA.servicePrincipals);
      if (isReply(body)) return body;
      return this.createServicePrincipal(body, ctx);
    }
    const denied = this.requireScope(ctx, 'POST /oauth2permissiongrants');
    if (denied) return denied;
    const body = this.readBody(req, '/oauth2PermissionGrants', SCHEMA.oauth2PermissionGrants);
    if (isReply(body)) return body;
    return this.createGrant(body, ctx);
  }

  private createApplication(body: Record<string, unknown>, ctx: Ctx, uniqueName: string | undefined): Reply {
    for (const ro of ['id', 'appId', 'publisherDomain', 'createdDateTime', 'passwordCredentials', 'keyCredentials', 'uniqueName']) {
      if (ro === 'uniqueName' && uniqueName !== undefined && (body.uniqueName === undefined || body.uniqueName === uniqueName)) continue;
      if (ro === 'passwordCredentials' || ro === 'keyCredentials') {
        if (Array.isArray(body[ro]) && (body[ro] as unknown[]).length === 0) continue;
      }
      if (body[ro] !== undefined && body[ro] !== null) return graphError(400, 'Request_BadRequest', `Property '${ro}' is read-only and cannot be set.`);
    }
    if (typeof body.displayName !== 'string' || !body.displayName.trim()) return badValue('displayName', 'Application');
    const id = randomUUID();
    const appId = randomUUID();
    const app: DirectoryObject = { id, appId, ...applicationDefaults() } as DirectoryObject;
    const invalid = this.applyApplication(app, body, undefined);
    if (invalid) return invalid;
    if (uniqueName !== undefined) app.uniqueName = uniqueName;
    app.id = id;
    app.appId = appId;
    this.dir.applications.set(id, app);
    this.dir.meta.set(id, { createdAt: Date.now(), owners: [ctx.user.id] });
    return json(201, { '@odata.context': `${this.base()}/$metadata#applications/$entity`, ...clone(app) }, { location: `${this.base()}/directoryObjects/${id}/Microsoft.DirectoryServices.Application` });
  }

  /** Validates `patch` against `app` (the stored object, or defaults for a create) and applies it. */
  private applyApplication(app: DirectoryObject, patch: Record<string, unknown>, existing: DirectoryObject | undefined): Reply | undefined {
    const next: Record<string, unknown> = clone(app);
    for (const [k, v] of Object.entries(patch)) {
      if (k.startsWith('@odata')) continue;
      if (isPlainObject(v) && isPlainObject(next[k])) next[k] = { ...(next[k] as Record<string, unknown>), ...v };
      else next[k] = v;
    }
    if (next.signInAudience !== undefined && !['AzureADMyOrg', 'AzureADMultipleOrgs', 'AzureADandPersonalMicrosoftAccount', 'PersonalMicrosoftAccount'].includes(String(next.signInAudience))) {
      return badValue('signInAudience', 'Application');
    }
    // redirect URIs: absolute; web and spa need https except on loopback.
    for (const platform of ['web', 'spa', 'publicClient'] as const) {
      const uris = ((next[platform] as Record<string, unknown> | null | undefined)?.redirectUris ?? []) as unknown[];
      if (!Array.isArray(uris)) return badValue('redirectUris', platform);
      for (const uri of uris) {
        let u: URL | undefined;
        try {
          u = typeof uri === 'string' ? new URL(uri) : undefined;
        } catch {
          u = undefined;
        }
        const loopback = u && (u.hostname === 'localhost' || u.hostname === '127.0.0.1');
        if (!u || (platform !== 'publicClient' && u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback))) return badValue('redirectUris', platform);
      }
    }
    // identifierUris
    const uris = (next.identifierUris as string[] | undefined) ?? [];
    const seen = new Set<string>();
    for (const uri of uris) {
      const lower = uri.toLowerCase().replace(/\/+$/, '');
      if (seen.has(lower)) return graphError(400, 'Request_BadRequest', 'Another object with the same value for property identifierUris already exists.', [{ code: 'ObjectConflict', message: 'Another object with the same value for property identifierUris already exists.', target: 'identifierUris' }]);
      seen.add(lower);
      const problem = this.identifierUriProblem(uri, String(next.appId), existing ? ((existing.identifierUris as string[]) ?? []) : []);
      if (problem) return problem;
      for (const other of this.dir.applications.values()) {
        if (other.id === app.id) continue;
        if (((other.identifierUris as string[] | undefined) ?? []).some((u) => u.toLowerCase().replace(/\/+$/, '') === lower)) {
          return graphError(400, 'Request_BadRequest', 'Another object with the same value for property identifierUris already exists.', [{ code: 'ObjectConflict', message: 'Another object with the same value for property identifierUris already exists.', target: 'identifierUris' }]);
        }
      }
    }
    // api.oauth2PermissionScopes
    const api = (next.api ?? {}) as Record<string, unknown>;
    const scopes = (api.oauth2PermissionScopes as Record<string, unknown>[] | undefined) ?? [];
    const ids = new Set<string>();
    const values = new Set<string>();
    for (const s of scopes) {
      if (typeof s.id !== 'string' || !GUID.test(s.id) || ids.has(s.id.toLowerCase())) return badValue('oauth2PermissionScopes', 'Application');
      ids.add(s.id.toLowerCase());
      if (s.isEnabled !== false) {
        if (typeof s.value !== 'string' || !/^[^\s.][^\s]*$/.test(s.value) || values.has(s.value.toLowerCase())) return badValue('value', 'PermissionScope');
        values.add(s.value.toLowerCase());
      }
      if (s.type !== undefined && s.type !== null && s.type !== 'User' && s.type !== 'Admin') return badValue('type', 'PermissionScope');
    }
    if (existing) {
      const before = ((existing.api as Record<string, unknown> | undefined)?.oauth2PermissionScopes as Record<string, unknown>[] | undefined) ?? [];
      for (const old of before) {
        if (old.isEnabled === false) continue;
        const now = scopes.find((s) => String(s.id).toLowerCase() === String(old.id).toLowerCase());
        const onlyDisabled = now && now.isEnabled === false && sameScope({ ...old, isEnabled: false }, now);
        if (!now || (!sameScope(old, now) && !onlyDisabled)) {
          return graphError(400, 'CannotDeleteOrUpdateEnabledEntitlement', 'Permission (scope or role) cannot be deleted or updated unless disabled first.');
        }
      }
    }
    for (const p of (api.preAuthorizedApplications as Record<string, unknown>[] | undefined) ?? []) {
      if (typeof p.appId !== 'string' || !GUID.test(p.appId)) return badValue('appId', 'PreAuthorizedApplication');
      for (const d of (p.delegatedPermissionIds as string[] | undefined) ?? []) {
        if (!ids.has(String(d).toLowerCase())) return badValue('delegatedPermissionIds', 'PreAuthorizedApplication');
      }
    }
    for (const k of (api.knownClientApplications as string[] | undefined) ?? []) if (!GUID.test(String(k))) return badValue('knownClientApplications', 'ApiApplication');
    // requiredResourceAccess
    for (const r of (next.requiredResourceAccess as Record<string, unknown>[] | undefined) ?? []) {
      const resourceAppId = String(r.resourceAppId ?? '');
      const selfRef = resourceAppId === next.appId;
      const sp = this.dir.spByAppId(resourceAppId);
      const resApp = this.dir.appByAppId(resourceAppId);
      if (!selfRef && !sp && !resApp) return badValue('resourceAppId', 'RequiredResourceAccess', 'InvalidResourceAppId');
      const published = selfRef ? scopes.map((s) => ({ id: String(s.id) })) : sp ? this.dir.publishedScopes(sp) : this.dir.publishedScopes(spFromApp('', resApp!, this.dir.tenantId));
      const roles = ((selfRef ? next.appRoles : (sp ?? resApp)?.appRoles) as { id: string }[] | undefined) ?? [];
      for (const a of (r.resourceAccess as Record<string, unknown>[] | undefined) ?? []) {
        const known = a.type === 'Scope' ? published.some((s) => s.id.toLowerCase() === String(a.id).toLowerCase()) : a.type === 'Role' ? roles.some((x) => x.id === a.id) : false;
        if (!known) return badValue('resourceAccess', 'RequiredResourceAccess', 'InvalidResourceAccessId');
      }
    }
    for (const k of Object.keys(app)) delete app[k];
    Object.assign(app, next);
    return undefined;
  }

  private identifierUriProblem(uri: string, appId: string, alreadyThere: string[]): Reply | undefined {
    if (alreadyThere.some((u) => u.toLowerCase() === uri.toLowerCase())) return undefined;
    let u: URL;
    try {
      u = new URL(uri);
    } catch {
      return badValue('identifierUris', 'Application');
    }
    // identifierUriConfiguration.nonDefaultUriAddition: only api://{appId} or api://{tenantId}/{appId} may be added.
    const normalised = uri.toLowerCase().replace(/\/+$/, '');
    const isDefault = normalised === `api://${appId}`.toLowerCase() || normalised === `api://${this.dir.tenantId}/${appId}`.toLowerCase();
    if (this.dir.policy.nonDefaultUriAddition && !isDefault) {
      return graphError(400, 'Request_BadRequest', `Failed to add identifier URI ${uri}. The tenant's app management policy blocks new identifier URIs unless they are the default format api://{appId} or api://{tenantId}/{appId}.`, [{ code: 'NonDefaultUriAdditionNotAllowed', message: 'Only api://{appId} or api://{tenantId}/{appId} may be added.', target: 'identifierUris' }]);
    }
    if (u.protocol === 'api:') return undefined;
    if (u.protocol === 'https:' || u.protocol === 'http:') {
      const host = u.hostname.toLowerCase();
      const verified = [TENANT_DOMAIN, 'contoso.onmicrosoft.example'];
      if (verified.some((d) => host === d || host.endsWith(`.${d}`))) return undefined;
      return graphError(400, 'HostNameNotOnVerifiedDomain', `Values of identifierUris property must use a verified domain of the organization or its subdomain: '${uri}'`);
    }
    if (u.protocol === 'urn:') return undefined;
    return badValue('identifierUris', 'Application');
  }

  private patch(req: Req, coll: Coll, key: Key, ctx: Ctx): Reply {
    const upsert = /create-if-missing/i.test(String(req.headers.prefer ?? ''));
    const callKey = coll === 'applications' ? (key.prop === 'appId' ? 'PATCH /applications(appid={value})' : 'PATCH /applications/{id}') : coll === 'servicePrincipals' ? 'PATCH /serviceprincipals(appid={value})' : 'PATCH /oauth2permissiongrants/{id}';
    const denied = this.requireScope(ctx, callKey);
    if (denied) return denied;
    const contractPath = coll === 'applications' ? (key.prop === 'id' ? `/applications/${key.value}` : `/applications(${key.prop}='x')`) : coll === 'servicePrincipals' ? (key.prop === 'id' ? `/servicePrincipals/${key.value}` : "/servicePrincipals(appId='x')") : `/oauth2PermissionGrants/${key.value}`;
    const body = this.readBody(req, contractPath, SCHEMA[coll]);
    if (isReply(body)) return body;
    // Upserts by alternate key go to the primary: they see objects still replicating.
    const master = upsert && key.prop !== 'id';
    const obj = this.lookup(coll, key, master);
    if (!obj) {
      if (upsert && coll === 'applications' && key.prop === 'uniqueName') {
        if (!this.dir.mayRegisterApps(ctx.user)) return graphError(403, 'Authorization_RequestDenied', DENIED);
        return this.createApplication(body, ctx, key.value);
      }
      if (upsert && coll === 'servicePrincipals' && key.prop === 'appId') return this.createServicePrincipal({ ...body, appId: key.value }, ctx);
      return notFound(key.value);
    }
    if (coll === 'applications') {
      if (!this.isAdmin(ctx.user) && !this.owns(ctx.user, obj.id)) return graphError(403, 'Authorization_RequestDenied', DENIED);
      for (const ro of ['id', 'appId', 'publisherDomain', 'createdDateTime', 'passwordCredentials', 'keyCredentials', 'uniqueName']) {
        if (body[ro] === undefined) continue;
        if (ro === 'uniqueName' && key.prop === 'uniqueName' && String(body.uniqueName).toLowerCase() === key.value.toLowerCase()) continue;
        if ((ro === 'id' || ro === 'appId') && body[ro] === obj[ro]) continue;
        return graphError(400, 'Request_BadRequest', `Property '${ro}' is read-only and cannot be set.`);
      }
      const invalid = this.applyApplication(obj, body, clone(obj));
      if (invalid) return invalid;
      this.syncServicePrincipal(obj);
      return this.updated(req, coll, obj);
    }
    if (coll === 'servicePrincipals') {
      const ownsApp = (() => {
        const app = this.dir.appByAppId(String(obj.appId));
        return !!app && this.owns(ctx.user, app.id);
      })();
      if (!this.isAdmin(ctx.user) && !this.owns(ctx.user, obj.id) && !ownsApp) return graphError(403, 'Authorization_RequestDenied', DENIED);
      for (const ro of ['id', 'appId', 'appOwnerOrganizationId', 'servicePrincipalType', 'oauth2PermissionScopes', 'passwordCredentials', 'keyCredentials']) {
        if (body[ro] !== undefined && body[ro] !== obj[ro] && JSON.stringify(body[ro]) !== JSON.stringify(obj[ro])) return graphError(400, 'Request_BadRequest', `Property '${ro}' is read-only and cannot be set.`);
      }
      Object.assign(obj, body);
      return this.updated(req, coll, obj);
    }
    // grant
    for (const k of Object.keys(body)) {
      if (k !== 'scope' && k !== 'expiryTime' && k !== 'startTime' && body[k] !== obj[k]) return graphError(400, 'Request_BadRequest', `Property '${k}' is read-only and cannot be set.`);
    }
    const grantDenied = this.mayManageGrant(ctx, obj);
    if (grantDenied) return grantDenied;
    if (body.scope !== undefined) {
      const resource = this.dir.servicePrincipals.get(String(obj.resourceId));
      const bad = resource ? this.unknownScope(resource, String(body.scope ?? '')) : undefined;
      if (bad) return badValue('scope', 'OAuth2PermissionGrant');
      obj.scope = body.scope;
    }
    return this.updated(req, coll, obj);
  }

  /** 204, or 200 with the object when the client asked for `Prefer: return=representation`. */
  private updated(req: Req, coll: Coll, obj: DirectoryObject): Reply {
    if (/return=representation/i.test(String(req.headers.prefer ?? ''))) {
      return json(200, { '@odata.context': `${this.base()}/$metadata#${coll}/$entity`, ...clone(obj) }, { 'preference-applied': 'return=representation' });
    }
    return { status: 204, headers: {} };
  }

  private syncServicePrincipal(app: DirectoryObject): void {
    const sp = this.dir.spByAppId(String(app.appId));
    if (!sp) return;
    sp.appDisplayName = app.displayName;
    sp.oauth2PermissionScopes = clone(((app.api as Record<string, unknown> | undefined)?.oauth2PermissionScopes as unknown[]) ?? []);
    sp.appRoles = clone(app.appRoles ?? []);
    sp.servicePrincipalNames = [String(app.appId), ...(((app.identifierUris as string[] | undefined) ?? []))];
  }

  private remove(coll: Coll, key: Key, ctx: Ctx): Reply {
    const call = coll === 'applications' ? 'DELETE /applications/{id}' : coll === 'servicePrincipals' ? 'PATCH /serviceprincipals(appid={value})' : 'DELETE /oauth2permissiongrants/{id}';
    const denied = this.requireScope(ctx, call);
    if (denied) return denied;
    const obj = this.lookup(coll, key);
    if (!obj) return notFound(key.value);
    if (coll === 'oauth2PermissionGrants') {
      const grantDenied = this.mayManageGrant(ctx, obj);
      if (grantDenied) return grantDenied;
      this.dir.grants.delete(obj.id);
      return { status: 204, headers: {} };
    }
    const ownsIt = this.owns(ctx.user, obj.id) || (coll === 'servicePrincipals' && (() => {
      const app = this.dir.appByAppId(String(obj.appId));
      return !!app && this.owns(ctx.user, app.id);
    })());
    if (!this.isAdmin(ctx.user) && !ownsIt) return graphError(403, 'Authorization_RequestDenied', DENIED);
    const deleteSp = (sp: DirectoryObject) => {
      this.dir.servicePrincipals.delete(sp.id);
      for (const g of [...this.dir.grants.values()]) if (g.clientId === sp.id || g.resourceId === sp.id) this.dir.grants.delete(g.id);
    };
    if (coll === 'applications') {
      this.dir.applications.delete(obj.id);
      const sp = this.dir.spByAppId(String(obj.appId));
      if (sp) deleteSp(sp);
    } else deleteSp(obj);
    return { status: 204, headers: {} };
  }

  // ---- service principals and grants -------------------------------------------------------------------------

  private createServicePrincipal(body: Record<string, unknown>, ctx: Ctx): Reply {
    const appId = body.appId;
    if (typeof appId !== 'string' || !appId) return badValue('appId', 'ServicePrincipal');
    const app = this.dir.appByAppId(appId);
    if (!app || !this.visible(app.id)) {
      const message = `The appId '${appId}' of the service principal does not reference a valid application object.`;
      return graphError(400, 'Request_BadRequest', message, [{ code: 'NoBackingApplicationObject', message: 'The appId of the service principal does not reference a valid application object.', target: 'appId' }]);
    }
    if (this.dir.spByAppId(appId)) {
      return graphError(409, 'Request_MultipleObjectsWithSameKeyValue', `The service principal cannot be created, updated, or restored because the service principal name ${appId} is already in use.`);
    }
    if (!this.isAdmin(ctx.user) && !this.owns(ctx.user, app.id)) return graphError(403, 'Authorization_RequestDenied', DENIED);
    for (const ro of ['id', 'appOwnerOrganizationId', 'servicePrincipalType', 'oauth2PermissionScopes', 'passwordCredentials', 'keyCredentials']) {
      if (body[ro] !== undefined && !(Array.isArray(body[ro]) && (body[ro] as unknown[]).length === 0)) return graphError(400, 'Request_BadRequest', `Property '${ro}' is read-only and cannot be set.`);
    }
    const id = randomUUID();
    const sp = spFromApp(id, app, this.dir.tenantId);
    for (const [k, v] of Object.entries(body)) if (!k.startsWith('@odata') && k !== 'appId') sp[k] = v;
    this.dir.servicePrincipals.set(id, sp);
    this.dir.meta.set(id, { createdAt: Date.now(), owners: [ctx.user.id] });
    return json(201, { '@odata.context': `${this.base()}/$metadata#servicePrincipals/$entity`, ...clone(sp) }, { location: `${this.base()}/directoryObjects/${id}/Microsoft.DirectoryServices.ServicePrincipal` });
  }

  private unknownScope(resource: DirectoryObject, scope: string): string | undefined {
    const published = this.dir.publishedScopes(resource).filter((s) => s.isEnabled !== false).map((s) => s.value.toLowerCase());
    return scope.split(' ').filter(Boolean).find((s) => !published.includes(s.toLowerCase()));
  }

  private mayManageGrant(ctx: Ctx, g: Record<string, unknown>): Reply | undefined {
    if (this.isAdmin(ctx.user)) return undefined;
    if (g.consentType === 'Principal' && g.principalId === ctx.user.id) return undefined;
    return graphError(403, 'Authorization_RequestDenied', DENIED);
  }

  private createGrant(body: Record<string, unknown>, ctx: Ctx): Reply {
    const { clientId, resourceId, consentType, scope } = body;
    const principalId = body.principalId ?? null;
    if (typeof clientId !== 'string' || !GUID.test(clientId)) return badValue('clientId', 'OAuth2PermissionGrant');
    if (typeof resourceId !== 'string' || !GUID.test(resourceId)) return badValue('resourceId', 'OAuth2PermissionGrant');
    if (consentType !== 'AllPrincipals' && consentType !== 'Principal') return badValue('consentType', 'OAuth2PermissionGrant');
    if (consentType === 'AllPrincipals' && principalId !== null) return badValue('principalId', 'OAuth2PermissionGrant');
    if (consentType === 'Principal' && (typeof principalId !== 'string' || !this.dir.userById(principalId))) return badValue('principalId', 'OAuth2PermissionGrant');
    if (typeof scope !== 'string' || !scope.trim()) return badValue('scope', 'OAuth2PermissionGrant');
    const client = this.dir.servicePrincipals.get(clientId);
    if (!client || !this.visible(clientId)) return notFound(clientId);
    const resource = this.dir.servicePrincipals.get(resourceId);
    if (!resource || !this.visible(resourceId)) return notFound(resourceId);
    if (this.unknownScope(resource, scope)) return badValue('scope', 'OAuth2PermissionGrant');
    const denied = this.mayManageGrant(ctx, { consentType, principalId });
    if (denied) return denied;
    for (const g of this.dir.grants.values()) {
      if (g.clientId === clientId && g.resourceId === resourceId && g.consentType === consentType && (g.principalId ?? null) === principalId) {
        return graphError(409, 'Request_MultipleObjectsWithSameKeyValue', 'Permission entry already exists.');
      }
    }
    const id = newGrantId();
    const grant: DirectoryObject = { id, clientId, consentType, principalId, resourceId, scope: scope.trim() };
    this.dir.grants.set(id, grant);
    this.dir.meta.set(id, { createdAt: Date.now(), owners: [] });
    return json(201, { '@odata.context': `${this.base()}/$metadata#oauth2PermissionGrants/$entity`, ...clone(grant) });
  }

  // ---- passwords ---------------------------------------------------------------------------------------------

  private credentialAction(req: Req, key: Key, action: string, ctx: Ctx): Reply {
    const denied = this.requireScope(ctx, `POST /applications/{id}/${action.toLowerCase()}`);
    if (denied) return denied;
    const contractPath = `/applications/x/${action === 'addpassword' ? 'addPassword' : 'removePassword'}`;
    const body = this.readBody(req, contractPath, undefined);
    if (isReply(body)) return body;
    const app = this.lookup('applications', key);
    if (!app) return notFound(key.value);
    if (!this.isAdmin(ctx.user) && !this.owns(ctx.user, app.id)) return graphError(403, 'Authorization_RequestDenied', DENIED);
    const creds = (app.passwordCredentials as Record<string, unknown>[] | undefined) ?? [];
    if (action === 'removepassword') {
      for (const k of Object.keys(body)) if (k !== 'keyId') return graphError(400, 'BadRequest', `Property '${k}' does not exist as a declared property or extension property.`);
      const keyId = String(body.keyId ?? '');
      if (!GUID.test(keyId)) return badValue('keyId', 'PasswordCredential');
      const idx = creds.findIndex((c) => c.keyId === keyId);
      if (idx < 0) return graphError(404, 'Request_ResourceNotFound', `No password credential found with keyId ${keyId}.`);
      creds.splice(idx, 1);
      app.passwordCredentials = creds;
      return { status: 204, headers: {} };
    }
    for (const k of Object.keys(body)) if (k !== 'passwordCredential') return graphError(400, 'BadRequest', `Property '${k}' does not exist as a declared property or extension property.`);
    const pc = (body.passwordCredential ?? {}) as Record<string, unknown>;
    const unknown = unknownProperties(graphContract().spec, { $ref: '#/components/schemas/microsoft.graph.passwordCredential' }, pc);
    if (unknown.length > 0) return graphError(400, 'BadRequest', `Property '${unknown[0]!.split('/').pop()}' does not exist as a declared property or extension property.`);
    if (!this.dir.policy.secretsAllowed) {
      return graphError(400, 'CredentialTypeNotAllowedAsPerAppPolicy', 'Password addition is not allowed as per the application management policy of the tenant.');
    }
    const start = pc.startDateTime ? new Date(String(pc.startDateTime)) : new Date();
    const end = pc.endDateTime ? new Date(String(pc.endDateTime)) : new Date(start.getTime() + 2 * 365.25 * 24 * 3600 * 1000);
    if (Number.isNaN(start.getTime())) return badValue('startDateTime', 'PasswordCredential');
    if (Number.isNaN(end.getTime()) || end <= start) return badValue('endDateTime', 'PasswordCredential');
    const max = this.dir.policy.maxSecretLifetimeDays;
    if (max !== null && end.getTime() - start.getTime() > max * 24 * 3600 * 1000 + 60_000) {
      return graphError(400, 'CredentialInvalidLifetimeAsPerAppPolicy', 'Credential lifetime exceeds the max value allowed as per assigned policy.');
    }
    const secret = makeSecret();
    this.config.onSecret?.(secret);
    const stored = {
      customKeyIdentifier: null,
      displayName: (pc.displayName as string | undefined) ?? null,
      endDateTime: end.toISOString(),
      hint: secret.slice(0, 3),
      keyId: randomUUID(),
      secretText: null,
      startDateTime: start.toISOString(),
    };
    creds.push(stored);
    app.passwordCredentials = creds;
    this.dir.secretHashes.set(stored.keyId, secretHash(secret));
    return json(200, { '@odata.context': `${this.base()}/$metadata#microsoft.graph.passwordCredential`, ...stored, secretText: secret });
  }

  // ---- $batch ------------------------------------------------------------------------------------------------

  private batch(req: Req, ctx: Ctx): Reply {
    if (contentType(req.headers) !== 'application/json') return graphError(415, 'BadRequest', 'The content type of a $batch request must be application/json.');
    let body: unknown;
    try {
      body = JSON.parse(req.body);
    } catch {
      return graphError(400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
    }
    const requests = isPlainObject(body) ? body.requests : undefined;
    if (!Array.isArray(requests) || requests.length === 0) return graphError(400, 'BadRequest', 'Invalid batch payload format.');
    if (requests.length > 20) return graphError(400, 'BadRequest', 'Number of requests in the batch cannot exceed 20.');
    const ids = new Set<string>();
    for (const r of requests) {
      if (!isPlainObject(r) || typeof r.id !== 'string' || typeof r.method !== 'string' || typeof r.url !== 'string') return graphError(400, 'BadRequest', 'Invalid batch payload format.');
      if (ids.has(r.id)) return graphError(400, 'BadRequest', `Batch request ids must be unique: '${r.id}' repeats.`);
      ids.add(r.id);
      if (r.body !== undefined && !Object.keys((r.headers as Record<string, string> | undefined) ?? {}).some((h) => h.toLowerCase() === 'content-type')) {
        return graphError(400, 'BadRequest', `Write request id : ${r.id} does not contain Content-Type header or body.`);
      }
    }
    for (const r of requests as Record<string, unknown>[]) {
      for (const d of (r.dependsOn as string[] | undefined) ?? []) if (!ids.has(d) || d === r.id) return graphError(400, 'BadRequest', `Request '${String(r.id)}' depends on an unknown request '${d}'.`);
    }
    const results = new Map<string, { id: string; status: number; headers: Record<string, string>; body?: unknown }>();
    const pending = [...(requests as Record<string, unknown>[])];
    let guard = 0;
    while (pending.length > 0 && guard++ < 100) {
      for (let i = 0; i < pending.length; i++) {
        const r = pending[i]!;
        const deps = (r.dependsOn as string[] | undefined) ?? [];
        if (!deps.every((d) => results.has(d))) continue;
        pending.splice(i--, 1);
        const id = String(r.id);
        if (deps.some((d) => results.get(d)!.status >= 400)) {
          results.set(id, { id, status: 424, headers: { 'content-type': 'application/json' }, body: { error: { code: 'FailedDependency', message: 'Failed Dependency' } } });
          continue;
        }
        results.set(id, this.inner(req, r, ctx));
      }
    }
    if (pending.length > 0) return graphError(400, 'BadRequest', 'The dependsOn references form a cycle.');
    return json(200, { responses: (requests as Record<string, unknown>[]).map((r) => results.get(String(r.id))!) });
  }

  private inner(outer: Req, r: Record<string, unknown>, ctx: Ctx): { id: string; status: number; headers: Record<string, string>; body?: unknown } {
    const id = String(r.id);
    const start = performance.now();
    const url = new URL(`/v1.0/${String(r.url).replace(/^\/+/, '').replace(/^v1\.0\//, '')}`, 'https://graph.invalid');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries((r.headers as Record<string, string> | undefined) ?? {})) headers[k.toLowerCase()] = String(v);
    headers.authorization = String(outer.headers.authorization ?? '');
    const method = String(r.method).toUpperCase();
    const path = url.pathname.slice('/v1.0'.length);
    const innerReq: Req = { method, path: url.pathname, query: url.searchParams, headers, body: r.body === undefined ? '' : JSON.stringify(r.body), origin: outer.origin };
    const reply = this.config.innerFault?.(method, url.pathname) ?? (path === '/$batch' ? graphError(400, 'BadRequest', 'Nested batch requests are not supported.') : this.route(innerReq, path, ctx));
    const end = performance.now();
    this.config.recordInner?.(method, url.pathname, reply.status, start, end);
    this.config.onExchange?.({ method, path: `${url.pathname}${url.search}`, requestBody: r.body, status: reply.status, responseBody: reply.body === '' ? undefined : reply.body });
    const out: { id: string; status: number; headers: Record<string, string>; body?: unknown } = { id, status: reply.status, headers: {} };
    for (const [k, v] of Object.entries(reply.headers ?? {})) if (k === 'content-type' || k === 'location' || k === 'retry-after') out.headers[k === 'content-type' ? 'Content-Type' : k === 'location' ? 'Location' : 'Retry-After'] = v;
    if (reply.body !== undefined && reply.body !== '') out.body = reply.body;
    return out;
  }
}

interface Key {
  prop: 'id' | 'appId' | 'uniqueName';
  value: string;
}

function parseKey(seg: string, coll: Coll): Key | Reply {
  let s = seg;
  try {
    s = decodeURIComponent(seg);
  } catch {
    return graphError(400, 'BadRequest', `Bad request: malformed key '${seg}'.`);
  }
  const alt = /^\((appId|uniqueName)='((?:[^']|'')*)'\)$/i.exec(s);
  if (alt) {
    const prop = alt[1]!.toLowerCase() === 'appid' ? 'appId' : 'uniqueName';
    if (coll === 'oauth2PermissionGrants' || (coll === 'servicePrincipals' && prop === 'uniqueName')) return graphError(400, 'BadRequest', `The key property '${alt[1]}' is not an alternate key of ${coll}.`);
    return { prop, value: alt[2]!.replace(/''/g, "'") };
  }
  const paren = /^\('([^']*)'\)$/.exec(s);
  const id = paren ? paren[1]! : s;
  if (coll !== 'oauth2PermissionGrants' && !GUID.test(id)) return graphError(400, 'Request_BadRequest', `Invalid object identifier '${id}'.`);
  if (coll === 'oauth2PermissionGrants' && !/^[A-Za-z0-9_-]{10,64}$/.test(id)) return graphError(400, 'Request_BadRequest', `Invalid object identifier '${id}'.`);
  return { prop: 'id', value: id };
}

function isReply(v: unknown): v is Reply {
  return isPlainObject(v) && typeof v.status === 'number' && ('headers' in v || 'body' in v) && Object.keys(v).every((k) => k === 'status' || k === 'headers' || k === 'body');
}

function sameScope(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const fields = ['adminConsentDescription', 'adminConsentDisplayName', 'type', 'userConsentDescription', 'userConsentDisplayName', 'value', 'isEnabled'];
  return fields.every((f) => (a[f] ?? null) === (b[f] ?? null));
}

function project(obj: Record<string, unknown>, select: string[] | undefined): Record<string, unknown> {
  if (!select) return obj;
  const out: Record<string, unknown> = {};
  for (const p of select) out[p] = obj[p] === undefined ? null : obj[p];
  return out;
}

function makeSecret(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789~._-';
  const bytes = randomBytes(40);
  let s = '';
  for (const b of bytes) s += alphabet[b % alphabet.length];
  return s;
}
