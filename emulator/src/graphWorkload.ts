// Microsoft Graph for workload identities: the application permissions app-only calls need (least privileged first,
// from each API's Microsoft Learn page), and the endpoints `entra-connector automate` uses —
// applications/{id}/federatedIdentityCredentials, applications/{id}/owners, servicePrincipals/{id}/appRoleAssignedTo.
import { randomUUID } from 'node:crypto';
import type { Directory } from './directory';
import { contentType, graphError, json, type Reply, type Req } from './http';
import type { Account, DirectoryObject } from './types';

const DENIED = 'Insufficient privileges to complete the operation.';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const OWNED_BY = 'Application.ReadWrite.OwnedBy';
const APPS_ALL = 'Application.ReadWrite.All';
const READ = ['Application.Read.All', OWNED_BY, APPS_ALL, 'Directory.Read.All'];
const WRITE = [OWNED_BY, APPS_ALL];

/** Application permissions per call (the keys of graph-permissions.json, lower-cased). */
export const APP_PERMISSIONS: Readonly<Record<string, readonly string[]>> = {
  'post /applications': WRITE,
  'get /applications': READ,
  'get /applications/{id}': READ,
  'patch /applications/{id}': WRITE,
  'patch /applications(uniquename={value})': WRITE,
  'patch /applications(appid={value})': WRITE,
  'delete /applications/{id}': WRITE,
  'post /applications/{id}/addpassword': WRITE,
  'post /applications/{id}/removepassword': WRITE,
  'post /serviceprincipals': WRITE,
  'get /serviceprincipals': READ,
  'get /serviceprincipals(appid={value})': READ,
  'patch /serviceprincipals(appid={value})': WRITE,
  'post /oauth2permissiongrants': ['DelegatedPermissionGrant.ReadWrite.All', 'Directory.ReadWrite.All'],
  'get /oauth2permissiongrants': ['Directory.Read.All', 'DelegatedPermissionGrant.ReadWrite.All', 'Directory.ReadWrite.All'],
  'patch /oauth2permissiongrants/{id}': ['DelegatedPermissionGrant.ReadWrite.All', 'Directory.ReadWrite.All'],
  'delete /oauth2permissiongrants/{id}': ['DelegatedPermissionGrant.ReadWrite.All', 'Directory.ReadWrite.All'],
  'get /organization': ['Organization.Read.All', 'Directory.Read.All', 'Organization.ReadWrite.All'],
};

/** Delegated and application permissions of the workload endpoints (Microsoft Learn, each API's Permissions table). */
const ROUTE_PERMISSIONS = {
  ficRead: { delegated: ['Application.Read.All', APPS_ALL], application: READ },
  ficWrite: { delegated: [APPS_ALL], application: WRITE },
  ownersWrite: { delegated: [APPS_ALL, 'Directory.ReadWrite.All'], application: WRITE },
  roleRead: { delegated: ['Application.Read.All', APPS_ALL, 'Directory.Read.All'], application: ['Application.Read.All', APPS_ALL, 'Directory.Read.All'] },
  // "AppRoleAssignment.ReadWrite.All and Application.Read.All" (or Directory.Read.All, or a higher one).
  roleWrite: { delegated: ['AppRoleAssignment.ReadWrite.All'], application: ['AppRoleAssignment.ReadWrite.All'], and: ['Application.Read.All', APPS_ALL, 'Directory.Read.All'] },
} as const;

/** Directory roles that may assign Microsoft Graph's app roles (others may assign only other APIs' roles). */
const GRAPH_ROLE_ASSIGNERS = ['Global Administrator', 'Privileged Role Administrator'];

export interface WorkloadCtx {
  readonly user: Account;
  readonly scp: Set<string>;
  readonly app?: { readonly sp: DirectoryObject; readonly roles: Set<string> };
}

/** What the workload routes need from GraphService. */
export interface GraphHost {
  readonly dir: Directory;
  base(): string;
  visible(id: string): boolean;
  owns(user: Account, id: string): boolean;
  isAdmin(user: Account): boolean;
}

/** True when an app-only caller may touch only the apps it owns (it holds OwnedBy and nothing broader). */
export function ownedOnly(ctx: WorkloadCtx): boolean {
  if (!ctx.app) return false;
  const r = ctx.app.roles;
  return r.has(OWNED_BY) && !r.has(APPS_ALL) && !r.has('Application.Read.All') && !r.has('Directory.Read.All');
}

function allowed(ctx: WorkloadCtx, need: { delegated: readonly string[]; application: readonly string[]; and?: readonly string[] }): boolean {
  const held = ctx.app ? ctx.app.roles : ctx.scp;
  return (ctx.app ? need.application : need.delegated).some((p) => held.has(p)) && (!need.and || need.and.some((p) => held.has(p)));
}

function denied(): Reply {
  return graphError(403, 'Authorization_RequestDenied', DENIED);
}

function notFound(id: string): Reply {
  return graphError(404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);
}

type Body = { body: Record<string, unknown> } | { reply: Reply };

function readJson(req: Req): Body {
  if (contentType(req.headers) !== 'application/json') return { reply: graphError(415, 'BadRequest', "The content type is not supported. Use 'application/json'.") };
  try {
    const body = JSON.parse(req.body) as unknown;
    if (!body || typeof body !== 'object' || Array.isArray(body)) return { reply: graphError(400, 'BadRequest', 'Invalid request body: a JSON object is expected.') };
    return { body: body as Record<string, unknown> };
  } catch {
    return { reply: graphError(400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.') };
  }
}

const ROUTE = /^\/(applications|servicePrincipals)\/([^/()]+)\/(federatedIdentityCredentials|owners|appRoleAssignedTo|appRoleAssignments)(?:\/(\$ref|[^/]+))?$/i;

/** Handles the workload endpoints; undefined when the path is not one of them. */
export function workloadRoute(host: GraphHost, req: Req, path: string, ctx: WorkloadCtx): Reply | undefined {
  const m = ROUTE.exec(path);
  if (!m) return undefined;
  const coll = m[1]!.toLowerCase();
  const id = m[2]!;
  const nav = m[3]!.toLowerCase();
  const rest = m[4];
  if (!GUID.test(id)) return graphError(400, 'Request_BadRequest', `Invalid object identifier '${id}'.`);
  if (coll === 'applications' && nav === 'federatedidentitycredentials') return fic(host, req, id, rest, ctx);
  // GET …/owners is GraphService's own route; the reference (owners/$ref) is served here.
  if (coll === 'applications' && nav === 'owners' && rest === undefined && req.method === 'GET') return undefined;
  if (coll === 'applications' && nav === 'owners') return owners(host, req, id, rest, ctx);
  if (coll === 'serviceprincipals' && (nav === 'approleassignedto' || nav === 'approleassignments') && rest === undefined) return roleAssignments(host, req, id, nav, ctx);
  return graphError(400, 'BadRequest', `Resource not found for the segment '${m[3]}'.`);
}

function app(host: GraphHost, id: string): DirectoryObject | undefined {
  const found = host.dir.applications.get(id);
  return found && host.visible(found.id) ? found : undefined;
}

function mayWrite(host: GraphHost, ctx: WorkloadCtx, appObj: DirectoryObject): boolean {
  return host.isAdmin(ctx.user) || host.owns(ctx.user, appObj.id);
}

function mayRead(host: GraphHost, ctx: WorkloadCtx, appObj: DirectoryObject): boolean {
  return !ownedOnly(ctx) || host.owns(ctx.user, appObj.id);
}

function fic(host: GraphHost, req: Req, id: string, rest: string | undefined, ctx: WorkloadCtx): Reply {
  const a = app(host, id);
  const write = req.method !== 'GET';
  if (!allowed(ctx, write ? ROUTE_PERMISSIONS.ficWrite : ROUTE_PERMISSIONS.ficRead)) return denied();
  if (!a) return notFound(id);
  if (write ? !mayWrite(host, ctx, a) : !mayRead(host, ctx, a)) return denied();
  const list = host.dir.federatedCredentials.get(a.id) ?? [];
  const context = `${host.base()}/$metadata#applications('${a.id}')/federatedIdentityCredentials`;
  if (rest === undefined) {
    if (req.method === 'GET') return json(200, { '@odata.context': context, value: structuredClone(list) });
    if (req.method !== 'POST') return graphError(405, 'Request_BadRequest', `The HTTP method '${req.method}' is not allowed.`);
    const read = readJson(req);
    if ('reply' in read) return read.reply;
    const { body } = read;
    const { name, issuer, subject, audiences, description } = body;
    for (const k of Object.keys(body)) {
      if (!['name', 'issuer', 'subject', 'audiences', 'description', 'claimsMatchingExpression'].includes(k)) return graphError(400, 'BadRequest', `Property '${k}' does not exist as a declared property or extension property.`);
    }
    if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_-]{0,119}$/.test(name)) return badFic('name');
    if (typeof issuer !== 'string' || !/^https:\/\//.test(issuer)) return badFic('issuer');
    if (typeof subject !== 'string' || !subject || subject.length > 600) return badFic('subject');
    if (!Array.isArray(audiences) || audiences.length !== 1 || typeof audiences[0] !== 'string') return badFic('audiences');
    if (list.some((f) => f.name === name)) return graphError(409, 'Request_MultipleObjectsWithSameKeyValue', `FederatedIdentityCredential with name ${name} already exists.`);
    if (list.some((f) => f.issuer === issuer && f.subject === subject)) return graphError(409, 'Request_MultipleObjectsWithSameKeyValue', 'FederatedIdentityCredential with the same issuer and subject already exists.');
    if (list.length >= 20) return graphError(400, 'Request_BadRequest', 'An application can have at most 20 federated identity credentials.');
    const created: DirectoryObject = { id: randomUUID(), name, issuer, subject, audiences: [...audiences], description: typeof description === 'string' ? description : null };
    host.dir.federatedCredentials.set(a.id, [...list, created]);
    return json(201, { '@odata.context': `${context}/$entity`, ...structuredClone(created) });
  }
  const found = list.find((f) => f.id === rest || f.name === rest);
  if (!found) return notFound(rest);
  if (req.method === 'GET') return json(200, { '@odata.context': `${context}/$entity`, ...structuredClone(found) });
  if (req.method === 'DELETE') {
    host.dir.federatedCredentials.set(a.id, list.filter((f) => f !== found));
    return { status: 204, headers: {} };
  }
  return graphError(405, 'Request_BadRequest', `The HTTP method '${req.method}' is not allowed.`);
}

function badFic(prop: string): Reply {
  return graphError(400, 'Request_BadRequest', `Invalid value specified for property '${prop}' of resource 'FederatedIdentityCredential'.`, [{ code: 'InvalidValue', message: `Invalid value specified for property '${prop}' of resource 'FederatedIdentityCredential'.`, target: prop }]);
}

function directoryObject(host: GraphHost, id: string): Record<string, unknown> | undefined {
  const user = host.dir.userById(id);
  if (user) return { '@odata.type': '#microsoft.graph.user', id: user.id, displayName: user.displayName, userPrincipalName: user.username };
  const sp = host.dir.servicePrincipals.get(id);
  if (sp) return { '@odata.type': '#microsoft.graph.servicePrincipal', id: sp.id, appId: sp.appId, displayName: sp.displayName, servicePrincipalType: sp.servicePrincipalType };
  return undefined;
}

function owners(host: GraphHost, req: Req, id: string, rest: string | undefined, ctx: WorkloadCtx): Reply {
  const a = app(host, id);
  if (!allowed(ctx, ROUTE_PERMISSIONS.ownersWrite)) return denied();
  if (!a) return notFound(id);
  const meta = host.dir.meta.get(a.id);
  if (!meta) return notFound(id);
  if (req.method === 'POST' && rest === '$ref') {
    if (!mayWrite(host, ctx, a)) return denied();
    const read = readJson(req);
    if ('reply' in read) return read.reply;
    const { body } = read;
    const ref = typeof body['@odata.id'] === 'string' ? body['@odata.id'] : '';
    const ownerId = /\/directoryObjects\/([0-9a-f-]{36})$/i.exec(ref)?.[1];
    if (!ownerId || Object.keys(body).length !== 1) return graphError(400, 'Request_BadRequest', "Invalid '@odata.id': a reference such as https://graph.microsoft.com/v1.0/directoryObjects/{id} is expected.");
    if (!directoryObject(host, ownerId)) return notFound(ownerId);
    if (meta.owners.includes(ownerId)) return graphError(400, 'Request_BadRequest', 'One or more added object references already exist for the following modified properties: \'owners\'.');
    meta.owners.push(ownerId);
    return { status: 204, headers: {} };
  }
  if (req.method === 'DELETE' && rest && GUID.test(rest)) return graphError(400, 'Request_BadRequest', 'Removing owners is not served by the emulated tenant.');
  return graphError(405, 'Request_BadRequest', `The HTTP method '${req.method}' is not allowed.`);
}

function roleAssignments(host: GraphHost, req: Req, spId: string, nav: string, ctx: WorkloadCtx): Reply {
  const sp = host.dir.servicePrincipals.get(spId);
  const write = req.method !== 'GET';
  if (!allowed(ctx, write ? ROUTE_PERMISSIONS.roleWrite : ROUTE_PERMISSIONS.roleRead)) return denied();
  if (!sp || !host.visible(sp.id)) return notFound(spId);
  const assignments = [...host.dir.appRoleAssignments.values()];
  if (req.method === 'GET') {
    const value = assignments.filter((a) => (nav === 'approleassignedto' ? a.resourceId === sp.id : a.principalId === sp.id));
    return json(200, { '@odata.context': `${host.base()}/$metadata#servicePrincipals('${sp.id}')/${nav === 'approleassignedto' ? 'appRoleAssignedTo' : 'appRoleAssignments'}`, value: structuredClone(value) });
  }
  if (req.method !== 'POST') return graphError(405, 'Request_BadRequest', `The HTTP method '${req.method}' is not allowed.`);
  const read = readJson(req);
  if ('reply' in read) return read.reply;
  const { body } = read;
  const { principalId, resourceId, appRoleId } = body;
  if (typeof principalId !== 'string' || !GUID.test(principalId)) return graphError(400, 'Request_BadRequest', "Invalid value specified for property 'principalId' of resource 'AppRoleAssignment'.");
  if (typeof resourceId !== 'string' || !GUID.test(resourceId)) return graphError(400, 'Request_BadRequest', "Invalid value specified for property 'resourceId' of resource 'AppRoleAssignment'.");
  if (typeof appRoleId !== 'string' || !GUID.test(appRoleId)) return graphError(400, 'Request_BadRequest', "Invalid value specified for property 'appRoleId' of resource 'AppRoleAssignment'.");
  const resource = nav === 'approleassignedto' ? sp : host.dir.servicePrincipals.get(resourceId);
  if (!resource || resource.id !== resourceId) return graphError(400, 'Request_BadRequest', 'The resourceId of the assignment does not match the service principal in the request URL.');
  const principal = host.dir.servicePrincipals.get(principalId);
  if (!principal) return notFound(principalId);
  if (nav === 'approleassignments' && principal.id !== sp.id) return graphError(400, 'Request_BadRequest', 'The principalId of the assignment does not match the service principal in the request URL.');
  const role = ((resource.appRoles as { id: string; value: string; allowedMemberTypes?: string[] }[] | undefined) ?? []).find((r) => r.id === appRoleId);
  if (!role || !(role.allowedMemberTypes ?? []).includes('Application')) {
    return graphError(400, 'Request_BadRequest', `Permission being assigned was not found on application '${String(resource.appId)}'.`, [{ code: 'InvalidAppRole', message: 'The app role does not exist on the resource service principal.', target: 'appRoleId' }]);
  }
  // Granting Microsoft Graph's app roles takes a privileged role; an Application Administrator is refused.
  const firstParty = resource.appOwnerOrganizationId !== host.dir.tenantId;
  const user = ctx.user;
  const mayAssign = ctx.app ? true : firstParty ? user.roles.some((r) => GRAPH_ROLE_ASSIGNERS.includes(r)) : host.isAdmin(user) || user.roles.some((r) => GRAPH_ROLE_ASSIGNERS.includes(r));
  if (!mayAssign) return denied();
  if (assignments.some((a) => a.principalId === principalId && a.resourceId === resourceId && a.appRoleId === appRoleId)) {
    return graphError(400, 'Request_BadRequest', 'Permission being assigned already exists on the object.', [{ code: 'InvalidUpdate', message: 'Permission being assigned already exists on the object.', target: 'appRoleId' }]);
  }
  const created: DirectoryObject = {
    id: randomUUID().replace(/-/g, '').slice(0, 22),
    appRoleId,
    createdDateTime: new Date().toISOString(),
    deletedDateTime: null,
    principalDisplayName: principal.displayName ?? null,
    principalId,
    principalType: 'ServicePrincipal',
    resourceDisplayName: resource.displayName ?? null,
    resourceId,
  };
  host.dir.appRoleAssignments.set(created.id, created);
  return json(201, { '@odata.context': `${host.base()}/$metadata#appRoleAssignments/$entity`, ...structuredClone(created) });
}
