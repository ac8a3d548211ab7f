// The emulated tenant's HTTPS server: one loopback port, four path prefixes —
//   /{tenant}/…  and /devicelogin   Microsoft identity platform (loginEndpoint = the origin)
//   /graph/v1.0/…                    Microsoft Graph (graphEndpoint = origin/graph)
//   /arm/…                           Azure Resource Manager (armEndpoint = origin/arm; see arm/)
//   /admin/…                         test control API (adminEndpoint = origin/admin)
//   /powerapps/…, /flow/…            Power Apps and Flow resource providers (powerAppsEndpoint, flowEndpoint; see
//   /consent/…, /apim/…, /blob/…     powerplatform/): the consent host, the connector runtime, icon storage
// and, on a second, plain-HTTP port (imdsEndpoint), the VM metadata endpoint's managed-identity token path.
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GraphExchange } from '../../test/contract/graph-contract';
import { ensureTls } from './certs';
import { applicationDefaults, CLI_CLIENT_ID, Directory, newGrantId, spFromApp } from './directory';
import { criticalPath, FaultEngine, validateFaults } from './faults';
import { GraphService } from './graph';
import { armError, createArmHandler } from './arm';
import { createPowerPlatformHandler } from './powerplatform';
import { graphError, json, oauthError, type Reply, type Req } from './http';
import { Signer } from './jwt';
import { LoginService, v1Issuer } from './login';
import { WorkloadIdentity } from './workload';
import type { DirectoryObject, EmulatorOptions, Faults, FaultRule, RecordedRequest, RunningEmulator, TenantPolicy } from './types';

export interface InProcessOptions extends EmulatorOptions {
  /** In-process recording hook: every Graph exchange (including requests inside $batch), for contract checks. */
  onGraphExchange?: (ex: GraphExchange) => void;
}

type Service = RecordedRequest['service'];

const MAX_LOG = 50_000;

export async function startEmulator(options: InProcessOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? '127.0.0.2';
  const tls = ensureTls(options.certDir);
  const signer = new Signer();
  const dir = new Directory(options.seed ?? {});
  const initialFaults: Faults = validateFaults({ ...(options.faults ?? {}), ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}) });
  const faults = new FaultEngine(initialFaults);
  const maxBody = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const log: RecordedRequest[] = [];
  let seq = 0;
  const record = (r: Omit<RecordedRequest, 'seq'>, s = ++seq): void => {
    log.push({ seq: s, ...r });
    if (log.length > MAX_LOG) log.splice(0, log.length - MAX_LOG);
  };

  const seedExisting = () => {
    if (options.seed?.objects) seedObjects(dir, options.seed.objects as unknown as Record<string, unknown>);
  };
  seedExisting();

  const server: Server = createServer({ key: tls.keyPem, cert: tls.certPem });
  // Idle keep-alive connections stay open 30 s (Node's default is 5 s). A client reuses an idle connection until
  // the timeout the server announces, less a second; on a busy machine its timer can fire late and send a request
  // on a connection the server is closing at that moment: ECONNRESET, which no Microsoft front end causes this way.
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `https://${host}:${port}`;
  // IMDS is plain HTTP at a link-local address; clients reach this stand-in through AZURE_POD_IDENTITY_AUTHORITY_HOST.
  const imds = createHttpServer();
  await new Promise<void>((resolveListen, reject) => {
    imds.once('error', reject);
    imds.listen(0, host, () => {
      imds.off('error', reject);
      resolveListen();
    });
  });
  // The admin API mints tokens for any user and rewrites the tenant: on a shared machine any local user could reach
  // the loopback port, so every admin call must carry this per-start secret (printed only in the ready line).
  const adminToken = randomBytes(32).toString('base64url');
  const endpoints = {
    loginEndpoint: origin,
    graphEndpoint: `${origin}/graph`,
    armEndpoint: `${origin}/arm`,
    adminEndpoint: `${origin}/admin`,
    adminToken,
    powerAppsEndpoint: `${origin}/powerapps`,
    flowEndpoint: `${origin}/flow`,
    imdsEndpoint: `http://${host}:${(imds.address() as AddressInfo).port}`,
    tenantId: dir.tenantId,
    caCertPath: tls.caCertPath,
    accounts: dir.users.map((u) => ({ username: u.username, roles: [...u.roles] })),
  };

  // Test observation hook (GET /admin/issued): every client secret, token and code handed out since start, so that
  // the test runners can search their files and logs for each one. Kept in memory only, never written anywhere, and
  // not cleared by POST /reset (a run's tests reset between cases; the scan at the end needs all of them).
  const issued = { secrets: new Set<string>(), tokens: new Set<string>() };

  let currentBatch: number | undefined;
  const login: LoginService = new LoginService(dir, signer, {
    graphEndpoint: endpoints.graphEndpoint,
    armEndpoint: endpoints.armEndpoint,
    tokenLifetimeSeconds: () => faults.tokenLifetimeSeconds(),
    deviceCodeIntervalSeconds: options.deviceCodeIntervalSeconds ?? 1,
    onIssue: (_kind, value) => issued.tokens.add(value),
    clientCredentials: (req, form, clientId): Reply => workload.clientCredentials(req, form, clientId),
  });
  const workload: WorkloadIdentity = new WorkloadIdentity(dir, signer, {
    tokenLifetimeSeconds: () => faults.tokenLifetimeSeconds(),
    issuer: (o): string => login.issuer(o),
    resolve: (scope) => login.resolveScopes(scope),
    onIssue: (value) => issued.tokens.add(value),
  });
  const graph = new GraphService(dir, signer, {
    graphEndpoint: endpoints.graphEndpoint,
    replicationLagMs: () => faults.replicationLagMs(),
    validIssuers: () => [login.issuer(origin), v1Issuer(dir.tenantId)],
    innerFault: (method, path) => {
      for (const rule of faults.take('graph', method, path)) {
        const reply = faultReply(rule, 'graph');
        if (reply && (rule.fault === 'throttle' || rule.fault === 'unavailable' || rule.fault === 'expireToken')) return reply;
      }
      return undefined;
    },
    recordInner: (method, path, status, start, end) => {
      record({ method, url: path, service: 'graph', path, status, start, end, batch: currentBatch });
    },
    onExchange: options.onGraphExchange,
    onSecret: (secretText) => issued.secrets.add(secretText),
  });

  const arm = createArmHandler({
    tenantId: dir.tenantId,
    verify: (t) => signer.verify(t),
    validIssuers: () => [login.issuer(origin), v1Issuer(dir.tenantId)],
    userById: (id) => dir.userById(id),
    servicePrincipalById: (id) => {
      const sp = dir.servicePrincipals.get(id);
      return sp && typeof sp.appId === 'string' ? { id: sp.id, appId: sp.appId } : undefined;
    },
    seed: options.seed?.arm,
  });

  const powerPlatform = createPowerPlatformHandler({
    tenantId: dir.tenantId,
    verify: (t) => signer.verify(t),
    validIssuers: () => [login.issuer(origin), v1Issuer(dir.tenantId)],
    userById: (id) => dir.userById(id),
    redeem: (form, reqOrigin) => login.handle({ method: 'POST', path: `/${dir.tenantId}/oauth2/token`, query: new URLSearchParams(), headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString(), origin: reqOrigin }),
    serveSite: (name, req) => arm.serveSite(name, req),
    seed: options.seed?.powerPlatform,
  });

  const admin = (req: Req): Reply => {
    const route = `${req.method} ${req.path}`;
    const body = (): Record<string, unknown> => {
      const parsed = req.body.trim() ? (JSON.parse(req.body) as unknown) : {};
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new AdminError('The body must be a JSON object.');
      return parsed as Record<string, unknown>;
    };
    switch (route) {
      case 'GET /state':
        return json(200, {
          tenantId: dir.tenantId,
          policy: dir.policy,
          users: dir.users,
          applications: [...dir.applications.values()].map((a) => ({ ...a, owners: dir.meta.get(a.id)?.owners ?? [] })),
          servicePrincipals: [...dir.servicePrincipals.values()].map((s) => ({ ...s, owners: dir.meta.get(s.id)?.owners ?? [] })),
          oauth2PermissionGrants: [...dir.grants.values()],
          faults: faults.get(),
          requests: log.filter((r) => r.service !== 'admin'),
          criticalPath: criticalPath(log.filter((r) => r.service === 'graph')),
          arm: arm.state(),
          powerPlatform: powerPlatform.state(),
        });
      case 'GET /issued':
        return json(200, { secrets: [...issued.secrets], tokens: [...issued.tokens] }, { 'cache-control': 'no-store' });
      case 'GET /requests':
        return json(200, { requests: log.filter((r) => r.service !== 'admin'), criticalPath: criticalPath(log.filter((r) => r.service === 'graph')) });
      case 'DELETE /requests':
        log.length = 0;
        return { status: 204 };
      case 'POST /reset':
        dir.reset();
        seedExisting();
        login.reset();
        workload.reset();
        arm.reset();
        powerPlatform.reset();
        faults.set(initialFaults);
        log.length = 0;
        return { status: 204 };
      case 'GET /faults':
        return json(200, faults.get());
      case 'PUT /faults':
        faults.set(body() as Faults);
        return { status: 204 };
      case 'PUT /policy': {
        const b = body();
        for (const [k, v] of Object.entries(b)) {
          if (!(k in dir.policy)) throw new AdminError(`Unknown policy '${k}'.`);
          const expected = k === 'maxSecretLifetimeDays' ? (v === null || typeof v === 'number') : typeof v === 'boolean';
          if (!expected) throw new AdminError(`Invalid value for policy '${k}'.`);
        }
        Object.assign(dir.policy, b as Partial<TenantPolicy>);
        return { status: 204 };
      }
      case 'POST /device/approve': {
        const b = body();
        const result = login.approveDevice(String(b.user ?? ''), { userCode: b.userCode as string | undefined, consentForOrg: b.consentForOrg === true, decline: b.decline === true });
        if (!result) return json(404, { error: `No such user '${String(b.user ?? '')}'.` });
        return json(200, result);
      }
      case 'POST /token': {
        const b = body();
        const scopes = b.scopes;
        if (!Array.isArray(scopes) || scopes.some((s) => typeof s !== 'string')) throw new AdminError('scopes must be an array of strings.');
        return login.mintForUser(origin, String(b.user ?? ''), String(b.clientId ?? CLI_CLIENT_ID), scopes as string[]);
      }
      case 'POST /seed':
        return json(200, seedObjects(dir, body()));
      case 'POST /oidc/token': {
        const b = body();
        if (typeof b.subject !== 'string' || !b.subject) throw new AdminError('subject must be a non-empty string.');
        const token = workload.mintOidc(origin, b.subject, {
          ...(typeof b.audience === 'string' ? { audience: b.audience } : {}),
          ...(typeof b.expiresInSeconds === 'number' ? { expiresInSeconds: b.expiresInSeconds } : {}),
        });
        return json(200, { token, issuer: workload.oidcIssuer(origin) }, { 'cache-control': 'no-store' });
      }
      case 'PUT /oidc/runner': {
        const b = body();
        if (typeof b.subject !== 'string' || !b.subject) throw new AdminError('subject must be a non-empty string.');
        const requestToken = workload.configureRunner(b.subject);
        return json(200, { requestUrl: `${origin}/oidc/runner/token?api-version=2.0`, requestToken }, { 'cache-control': 'no-store' });
      }
      case 'POST /managedIdentity': {
        const b = body();
        const displayName = typeof b.displayName === 'string' && b.displayName ? b.displayName : 'emulated-managed-identity';
        if (b.host === 'vm') {
          if (b.assignment !== 'system' && b.assignment !== 'user') throw new AdminError('assignment must be "system" or "user" for host "vm".');
          return json(200, { servicePrincipal: workload.assignVmIdentity(displayName, b.assignment), imdsEndpoint: endpoints.imdsEndpoint });
        }
        if (b.host !== undefined && b.host !== 'app-service') throw new AdminError('host must be "app-service" (default) or "vm".');
        const created = workload.configureManagedIdentity(displayName);
        return json(200, { ...created, identityEndpoint: `${origin}/msi/token` }, { 'cache-control': 'no-store' });
      }
      case 'PUT /arm/roleAssignment': {
        const b = body();
        const roles = ['Owner', 'Contributor', 'Website Contributor', 'Reader'] as const;
        const role = roles.find((r) => r === b.role);
        if (typeof b.principal !== 'string' || !b.principal || typeof b.subscriptionId !== 'string' || !role) throw new AdminError(`principal (a username or a service principal's object id), subscriptionId and role (${roles.join(', ')}) are required.`);
        arm.assignRole(b.principal, b.subscriptionId, role);
        return { status: 204 };
      }
      default:
        return json(404, { error: `No admin route ${route}.` });
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const start = performance.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const rawUrl = req.url ?? '/';
    const url = new URL(rawUrl, origin);
    const first = url.pathname.split('/')[1] ?? '';
    const service: Service = first === 'graph' ? 'graph' : first === 'arm' ? 'arm' : first === 'admin' ? 'admin' : first === 'favicon.ico' ? 'other' : POWER_PLATFORM_PREFIXES.has(first) ? 'powerplatform' : 'login';
    const path = service === 'login' || service === 'other' || service === 'powerplatform' ? url.pathname : url.pathname.slice(first.length + 1) || '/';
    let status = 0;
    let faultName: string | undefined;
    const mySeq = ++seq;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      record({ method, url: rawUrl, service, path, status, start, end: performance.now(), ...(faultName ? { fault: faultName } : {}) }, mySeq);
    };
    res.on('finish', finish);
    res.on('close', finish);

    const send = (reply: Reply) => {
      if (res.headersSent || res.destroyed) return;
      status = reply.status;
      const headers: Record<string, string> = { ...(reply.headers ?? {}) };
      let payload: string | Buffer = '';
      if (reply.body !== undefined && reply.body !== '') {
        payload = typeof reply.body === 'string' || Buffer.isBuffer(reply.body) ? reply.body : JSON.stringify(reply.body);
        headers['content-type'] ??= 'application/json; charset=utf-8';
      }
      headers['content-length'] = String(Buffer.byteLength(payload));
      res.writeHead(reply.status, headers);
      res.end(payload);
    };

    // Body, with a size limit.
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBody) {
      res.setHeader('connection', 'close');
      send(tooLarge(service, maxBody));
      req.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let overflow = false;
    await new Promise<void>((done) => {
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBody) {
          overflow = true;
          return;
        }
        chunks.push(c);
      });
      req.on('end', done);
      req.on('error', done);
      req.on('close', done);
    });
    if (overflow) {
      res.setHeader('connection', 'close');
      send(tooLarge(service, maxBody));
      return;
    }
    const raw = Buffer.concat(chunks);
    const request: Req = { method, path, query: url.searchParams, headers: req.headers, body: raw.toString('utf8'), raw, origin };

    // Faults.
    const rules = service === 'admin' ? [] : faults.take(service, method, path);
    let delay = service === 'admin' ? 0 : faults.latencyMs();
    for (const r of rules) if (r.fault === 'latency') delay += r.ms ?? 0;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    let resetAfter = false;
    for (const rule of rules) {
      if (rule.fault === 'resetAfterCommit') {
        resetAfter = true;
        faultName = 'resetAfterCommit';
        continue;
      }
      const reply = faultReply(rule, service);
      if (reply) {
        faultName = rule.fault;
        send(reply);
        return;
      }
    }

    let reply: Reply;
    try {
      if (service === 'graph') {
        currentBatch = path === '/v1.0/$batch' ? mySeq : undefined;
        reply = graph.handle(request);
        currentBatch = undefined;
        if (options.onGraphExchange) {
          let requestBody: unknown;
          try {
            requestBody = request.body ? JSON.parse(request.body) : undefined;
          } catch {
            requestBody = request.body;
          }
          options.onGraphExchange({ method, path: `${path}${url.search}`, requestBody, status: reply.status, responseBody: reply.body === '' ? undefined : reply.body });
        }
      } else if (service === 'login' && (first === 'oidc' || first === 'msi')) reply = workload.handle(request);
      else if (service === 'login') reply = login.handle(request);
      else if (service === 'admin') reply = hasAdminToken(request, adminToken) ? admin(request) : json(401, { error: 'The admin API needs Authorization: Bearer <adminToken> (the adminToken of the ready line).' }, { 'www-authenticate': 'Bearer' });
      else if (service === 'arm') reply = arm.handle(request);
      else if (service === 'powerplatform') reply = powerPlatform.handle(request);
      else reply = { status: 404 };
    } catch (e) {
      currentBatch = undefined;
      if (e instanceof AdminError) reply = json(400, { error: e.message });
      else if (service === 'admin' && e instanceof SyntaxError) reply = json(400, { error: 'The body is not valid JSON.' });
      else if (service === 'admin' && e instanceof Error && /faults/.test(e.message)) reply = json(400, { error: e.message });
      else {
        console.error(`emulator: ${method} ${rawUrl} failed:`, e);
        reply = service === 'graph' ? graphError(500, 'InternalServerError', 'An internal server error occurred in the emulated tenant.') : json(500, { error: 'server_error' });
      }
    }
    if (resetAfter) {
      // The write is committed; the client never hears about it.
      status = 0;
      res.socket?.destroy();
      res.destroy();
      return;
    }
    send(reply);
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((e: unknown) => {
      console.error('emulator: request failed', e);
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'InternalServerError', message: 'An internal server error occurred in the emulated tenant.' } }));
      } else res.destroy();
    });
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  imds.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const start = performance.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const rawUrl = req.url ?? '/';
    const url = new URL(rawUrl, endpoints.imdsEndpoint);
    // The token is the tenant's: issued for the HTTPS origin, as Entra issues the real IMDS's tokens.
    const reply = workload.imdsToken({ method, path: url.pathname, query: url.searchParams, headers: req.headers, body: '', raw: Buffer.alloc(0), origin });
    const payload = JSON.stringify(reply.body ?? {});
    res.writeHead(reply.status, { ...(reply.headers ?? {}), 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(payload)) });
    res.end(payload);
    record({ method, url: rawUrl, service: 'login', path: url.pathname, status: reply.status, start, end: performance.now() });
    req.resume();
  });
  imds.on('clientError', (_err, socket) => socket.destroy());

  return {
    endpoints,
    stop: () =>
      Promise.all([
        new Promise<void>((resolveStop) => {
          server.close(() => resolveStop());
          server.closeAllConnections();
        }),
        new Promise<void>((resolveStop) => {
          imds.close(() => resolveStop());
          imds.closeAllConnections();
        }),
      ]).then(() => undefined),
  };
}

class AdminError extends Error {}

const POWER_PLATFORM_PREFIXES = new Set(['powerapps', 'flow', 'consent', 'apim', 'blob']);

function tooLarge(service: Service, max: number): Reply {
  return service === 'graph'
    ? graphError(413, 'Request_EntityTooLarge', `The request body is larger than the ${max} bytes the service accepts.`)
    : json(413, { error: 'request_entity_too_large', error_description: `The request body is larger than ${max} bytes.` });
}

/** The response a client sees for a fault (undefined for faults that do not answer by themselves). */
function faultReply(rule: FaultRule, service: Service): Reply | undefined {
  const retryAfter = String(rule.retryAfter ?? 1);
  // Power Platform's resource providers answer with ARM's error envelope.
  if (service === 'arm' || service === 'powerplatform') {
    switch (rule.fault) {
      case 'throttle':
        return armError(429, 'TooManyRequests', 'The request is being throttled. Retry after the number of seconds in the Retry-After header.', { 'retry-after': retryAfter });
      case 'unavailable':
        return armError(503, 'ServiceUnavailable', 'The service is temporarily unavailable. Please retry later.', { 'retry-after': retryAfter });
      case 'expireToken':
        return armError(401, 'ExpiredAuthenticationToken', `The access token expiry UTC time '${new Date(Date.now() - 1000).toISOString()}' is earlier than current UTC time '${new Date().toISOString()}'.`, { 'www-authenticate': 'Bearer error="invalid_token", error_description="The access token has expired."' });
      default:
        return undefined;
    }
  }
  switch (rule.fault) {
    case 'throttle':
      return service === 'login'
        ? { ...oauthError(429, 'temporarily_unavailable', 50196, 'The server terminated an operation because it encountered a client request loop. Please contact your app vendor.'), headers: { 'content-type': 'application/json; charset=utf-8', 'retry-after': retryAfter } }
        : graphError(429, 'TooManyRequests', 'Too many requests.', undefined, { 'retry-after': retryAfter });
    case 'unavailable':
      return service === 'login'
        ? { ...oauthError(503, 'temporarily_unavailable', 90000, 'The service is temporarily unavailable.'), headers: { 'content-type': 'application/json; charset=utf-8', 'retry-after': retryAfter } }
        : graphError(503, 'serviceNotAvailable', 'Service unavailable.', undefined, { 'retry-after': retryAfter });
    case 'expireToken':
      return service === 'graph'
        ? graphError(401, 'InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.', undefined, { 'www-authenticate': 'Bearer error="invalid_token", error_description="The token is expired"' })
        : undefined;
    default:
      return undefined;
  }
}

/** Admin API `POST /seed`: adds "existing" directory objects directly (already replicated, owned by `owner`). */
function hasAdminToken(req: Req, token: string): boolean {
  const given = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function seedObjects(dir: Directory, body: Record<string, unknown>): Record<string, DirectoryObject[]> {
  const ownerName = body.owner as string | undefined;
  const owner = ownerName ? dir.user(ownerName) : undefined;
  if (ownerName && !owner) throw new AdminError(`No such user '${ownerName}'.`);
  const owners = owner ? [owner.id] : [];
  const out: Record<string, DirectoryObject[]> = { applications: [], servicePrincipals: [], oauth2PermissionGrants: [] };
  for (const key of Object.keys(body)) if (!['applications', 'servicePrincipals', 'oauth2PermissionGrants', 'owner'].includes(key)) throw new AdminError(`Unknown seed property '${key}'.`);
  const list = (k: string) => {
    const v = body[k] ?? [];
    if (!Array.isArray(v)) throw new AdminError(`${k} must be an array.`);
    return v as Record<string, unknown>[];
  };
  for (const a of list('applications')) {
    const id = typeof a.id === 'string' ? a.id : randomUUID();
    const app = { ...applicationDefaults(), ...a, id, appId: typeof a.appId === 'string' ? a.appId : randomUUID() } as DirectoryObject;
    dir.applications.set(id, app);
    dir.meta.set(id, { createdAt: 0, owners });
    out.applications!.push(app);
  }
  for (const s of list('servicePrincipals')) {
    const app = dir.appByAppId(String(s.appId ?? ''));
    // Another organization's multi-tenant app: its application lives in its own tenant, only the SP is here.
    const foreign = typeof s.appOwnerOrganizationId === 'string' && s.appOwnerOrganizationId !== dir.tenantId;
    if (!app && !foreign) throw new AdminError(`No application with appId '${String(s.appId ?? '')}' to back the service principal.`);
    const id = typeof s.id === 'string' ? s.id : randomUUID();
    const base = app ? spFromApp(id, app, dir.tenantId) : spFromApp(id, { id: '', appId: s.appId, displayName: s.displayName, signInAudience: 'AzureADMultipleOrgs' }, String(s.appOwnerOrganizationId));
    const sp = { ...base, ...s, id } as DirectoryObject;
    dir.servicePrincipals.set(id, sp);
    dir.meta.set(id, { createdAt: 0, owners });
    out.servicePrincipals!.push(sp);
  }
  for (const g of list('oauth2PermissionGrants')) {
    const id = typeof g.id === 'string' ? g.id : newGrantId();
    const grant = { principalId: null, ...g, id } as DirectoryObject;
    dir.grants.set(id, grant);
    dir.meta.set(id, { createdAt: 0, owners: [] });
    out.oauth2PermissionGrants!.push(grant);
  }
  return out;
}
