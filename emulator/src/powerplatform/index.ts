// The emulated Power Platform (see README.md here): the Power Apps and Flow resource providers that paconn and the
// Power Apps PowerShell modules call (api-version 2016-11-01), the consent host that runs a connection's OAuth
// sign-in, the connector runtime (Azure API Management) that calls the API with the connection's token, and the
// blob storage icons are uploaded to. Self-contained: the server hands it the token verifier, the user lookup, the
// token endpoint and the emulated sites.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { escapeHtml, html, json, page, type Reply, type Req } from '../http';

export const API_VERSION = '2016-11-01';
/** Audiences the Power Apps and Flow resource providers accept: paconn uses its Power Apps token for both. */
export const POWER_APPS_AUDIENCES = ['https://service.powerapps.com/', 'https://service.powerapps.com'];
const FLOW_AUDIENCES = [...POWER_APPS_AUDIENCES, 'https://service.flow.microsoft.com/', 'https://service.flow.microsoft.com'];
/** The audience the connector runtime (API Hub) accepts. */
export const API_HUB_AUDIENCES = ['https://apihub.azure.com', 'https://apihub.azure.com/'];

export interface EnvironmentSeed {
  name: string;
  displayName: string;
  isDefault: boolean;
  /** Users (usernames) who may use it; undefined = everyone in the tenant (the default environment). */
  makers?: string[];
}

export interface PowerPlatformSeed {
  environments?: EnvironmentSeed[];
}

export interface PowerPlatformDeps {
  tenantId: string;
  verify(token: string): Record<string, unknown> | undefined;
  validIssuers(): string[];
  userById(id: string): { id: string; username: string } | undefined;
  /** Redeems an authorization code at the tenant's token endpoint (v1 form: resource, client_secret). */
  redeem(form: URLSearchParams, origin: string): Reply;
  /** A request to `https://{name}.azurewebsites.net{path}` (App Service with its Easy Auth and CORS). */
  serveSite(name: string, req: Req): Reply;
  seed?: PowerPlatformSeed;
}

interface ConnectorRecord {
  name: string;
  environment: string;
  createdBy: string;
  properties: Record<string, unknown>;
  /** The deployed client secret: kept by the platform, never returned by a read. */
  clientSecret?: string;
  created: string;
  changed: string;
}

interface ConnectionRecord {
  name: string;
  connector: string;
  environment: string;
  owner: string;
  status: { status: string; target?: string; error?: { code: string; message: string } };
  accessToken?: string;
  created: string;
}

interface ConsentSession {
  id: string;
  connection: ConnectionRecord;
  /** Where the consent host sends the browser when it is done (the caller's page). */
  returnUrl?: string;
  expires: number;
}

export interface PowerPlatformState {
  environments: EnvironmentSeed[];
  connectors: { name: string; environment: string; createdBy: string; displayName: unknown; redirectUrl: unknown; hasSecret: boolean; secretSha256?: string }[];
  connections: { name: string; connector: string; environment: string; owner: string; status: string; error?: string }[];
  blobs: string[];
}

export interface PowerPlatformHandler {
  /** `/powerapps/…`, `/flow/…`, `/consent/…`, `/apim/…` and `/blob/…` (the first path segment says which). */
  handle(req: Req): Reply;
  reset(): void;
  state(): PowerPlatformState;
}

export function defaultEnvironments(tenantId: string): EnvironmentSeed[] {
  return [
    { name: `Default-${tenantId}`, displayName: 'Contoso (default)', isDefault: true },
    { name: '7f3c2a10-5b1e-4c2d-9e8f-00000000e2e2', displayName: 'Contoso Production', isDefault: false, makers: ['admin@contoso.example'] },
  ];
}

/** The platform's escaping of a connector's internal name: space -20, `_` -5f, `-` -2d, other non-alphanumerics -{hex}. */
export function escapeConnectorName(title: string): string {
  return [...title.toLowerCase()].map((c) => (/[a-z0-9]/.test(c) ? c : `-${c.codePointAt(0)!.toString(16).padStart(2, '0')}`)).join('');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function requestIds(): Record<string, string> {
  const id = randomUUID();
  return { 'x-ms-request-id': id, 'x-ms-correlation-request-id': id };
}

/** The Power Apps / Flow error body: {"error":{"code","message"}} (the envelope ARM uses too). */
export function ppError(status: number, code: string, message: string, headers: Record<string, string> = {}): Reply {
  return json(status, { error: { code, message } }, { ...requestIds(), ...headers });
}

export function createPowerPlatformHandler(deps: PowerPlatformDeps): PowerPlatformHandler {
  const environments = deps.seed?.environments ?? defaultEnvironments(deps.tenantId);
  let connectors = new Map<string, ConnectorRecord>();
  let connections = new Map<string, ConnectionRecord>();
  let sessions = new Map<string, ConsentSession>();
  let blobs = new Map<string, { container: string; sig: string; files: Map<string, { type: string; body: Buffer }> }>();

  const reset = (): void => {
    connectors = new Map();
    connections = new Map();
    sessions = new Map();
    blobs = new Map();
  };

  const connectorKey = (env: string, name: string) => `${env.toLowerCase()}|${name.toLowerCase()}`;

  const authenticate = (req: Req, audiences: string[]): { username: string; oid: string } | Reply => {
    const header = String(req.headers.authorization ?? '');
    if (!/^Bearer\s+\S/i.test(header)) return ppError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.", { 'www-authenticate': 'Bearer' });
    const claims = deps.verify(header.replace(/^Bearer\s+/i, '').trim());
    if (!claims) return ppError(401, 'InvalidAuthenticationToken', 'The access token is invalid.');
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= Date.now()) return ppError(401, 'ExpiredAuthenticationToken', 'The access token has expired.');
    if (!audiences.includes(String(claims.aud))) {
      return ppError(401, 'InvalidAuthenticationTokenAudience', `The access token has been obtained for wrong audience or resource '${String(claims.aud)}'. It should exactly match with one of the allowed audiences '${audiences.join("','")}'.`);
    }
    if (!deps.validIssuers().includes(String(claims.iss)) || claims.tid !== deps.tenantId) return ppError(401, 'InvalidAuthenticationTokenTenant', `The access token is from the wrong issuer '${String(claims.iss)}'.`);
    const user = deps.userById(String(claims.oid ?? ''));
    if (!user) return ppError(401, 'InvalidAuthenticationToken', 'The access token is for a user that does not exist in the tenant.');
    return { username: user.username, oid: user.id };
  };

  const mayUse = (env: EnvironmentSeed, username: string) => !env.makers || env.makers.some((m) => m.toLowerCase() === username.toLowerCase());

  const environmentJson = (env: EnvironmentSeed, provider: 'Microsoft.ProcessSimple' | 'Microsoft.PowerApps') => ({
    name: env.name,
    id: `/providers/${provider}/environments/${env.name}`,
    type: `${provider}/environments`,
    location: 'europe',
    properties: {
      displayName: env.displayName,
      isDefault: env.isDefault,
      environmentSku: env.isDefault ? 'Default' : 'Production',
      azureRegionHint: 'westeurope',
      provisioningState: 'Succeeded',
    },
  });

  /** The environment a connector call names in `$filter=environment eq '…'`, or the error the platform answers. */
  const environmentOf = (req: Req, username: string, oid: string, required: boolean): EnvironmentSeed | Reply | undefined => {
    const filter = req.query.get('$filter');
    if (!filter) return required ? ppError(400, 'MissingEnvironmentFilter', "The request must name the environment: $filter=environment eq '{environmentName}'.") : undefined;
    const m = /^\s*environment\s+eq\s+'([^']+)'\s*$/i.exec(filter);
    if (!m) return ppError(400, 'InvalidFilter', `The filter '${filter}' is not supported. Use $filter=environment eq '{environmentName}'.`);
    const env = environments.find((e) => e.name.toLowerCase() === m[1]!.toLowerCase());
    if (!env) return ppError(404, 'EnvironmentNotFound', `The environment '${m[1]}' could not be found in the tenant '${deps.tenantId}'.`);
    if (!mayUse(env, username)) {
      return ppError(403, 'EnvironmentAccessDenied', `The user with object id '${oid}' does not have permission to access the environment '${env.name}'. Ask an administrator of the environment for the Environment Maker role.`);
    }
    return env;
  };

  const checkApiVersion = (req: Req): Reply | undefined => {
    const v = req.query.get('api-version');
    if (!v) return ppError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.");
    if (v !== API_VERSION && v !== '1') return ppError(400, 'InvalidApiVersionParameter', `The api-version '${v}' is invalid. The supported versions are '${API_VERSION}'.`);
    return undefined;
  };

  const consentBase = (origin: string) => `${origin}/consent`;
  const runtimeBase = (origin: string) => `${origin}/apim`;

  const redirectUrlOf = (rec: ConnectorRecord, origin: string): string | undefined => {
    const oauth = oauthSettings(rec.properties);
    if (!oauth) return undefined;
    return oauth.redirectMode === 'GlobalPerConnector' ? `${consentBase(origin)}/redirect/${rec.name.replace(/^shared_/, '')}` : `${consentBase(origin)}/redirect`;
  };

  const connectorJson = (rec: ConnectorRecord, origin: string): Record<string, unknown> => {
    const props = structuredClone(rec.properties);
    const oauth = oauthSettings(props);
    if (oauth) {
      delete oauth.clientSecret;
      oauth.redirectUrl = redirectUrlOf(rec, origin);
    }
    for (const set of connectionParameterSetValues(props)) {
      const token = isObject(set.parameters) && isObject(set.parameters.token) ? set.parameters.token : undefined;
      const settings = token && isObject(token.oAuthSettings) ? token.oAuthSettings : undefined;
      if (settings) delete settings.clientSecret;
    }
    const internal = rec.name.replace(/^shared_/, '');
    return {
      name: rec.name,
      id: `/providers/Microsoft.PowerApps/apis/${rec.name}`,
      type: 'Microsoft.PowerApps/apis',
      properties: {
        ...props,
        isCustomApi: true,
        createdBy: { id: rec.createdBy, type: 'User', tenantId: deps.tenantId },
        createdTime: rec.created,
        changedTime: rec.changed,
        environment: { id: `/providers/Microsoft.PowerApps/environments/${rec.environment}`, name: rec.environment },
        primaryRuntimeUrl: `${runtimeBase(origin)}/${internal}`,
        runtimeUrls: [`${runtimeBase(origin)}/${internal}`],
        tier: 'Premium',
      },
    };
  };

  const connectionJson = (c: ConnectionRecord): Record<string, unknown> => ({
    name: c.name,
    id: `/providers/Microsoft.PowerApps/apis/${c.connector}/connections/${c.name}`,
    type: 'Microsoft.PowerApps/apis/connections',
    properties: {
      apiId: `/providers/Microsoft.PowerApps/apis/${c.connector}`,
      displayName: c.owner,
      environment: { id: `/providers/Microsoft.PowerApps/environments/${c.environment}`, name: c.environment },
      createdBy: { id: c.owner, type: 'User' },
      createdTime: c.created,
      statuses: [structuredClone(c.status)],
      connectionParameters: {},
    },
  });

  // ---- Power Apps resource provider -------------------------------------------------------------------------

  const powerApps = (req: Req): Reply => {
    const auth = authenticate(req, POWER_APPS_AUDIENCES);
    if ('status' in auth) return auth;
    const bad = checkApiVersion(req);
    if (bad) return bad;
    const path = req.path.replace(/^\/powerapps/, '').replace(/\/+$/, '');

    if (/^\/providers\/Microsoft\.PowerApps\/environments$/i.test(path) && req.method === 'GET') {
      return json(200, { value: environments.filter((e) => mayUse(e, auth.username)).map((e) => environmentJson(e, 'Microsoft.PowerApps')) }, requestIds());
    }

    const objectMatch = /^\/providers\/Microsoft\.PowerApps\/objectIds\/([^/]+)\/(validateApiSwagger|generateResourceStorage)$/i.exec(path);
    if (objectMatch) {
      if (req.method !== 'POST') return ppError(405, 'MethodNotAllowed', `The requested resource does not support http method '${req.method}'.`);
      if (decodeURIComponent(objectMatch[1]!).toLowerCase() !== auth.oid.toLowerCase()) {
        return ppError(403, 'Forbidden', `The caller with object id '${auth.oid}' may not act for object id '${decodeURIComponent(objectMatch[1]!)}'.`);
      }
      const body = parse(req.body);
      if (!body) return ppError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.');
      if (objectMatch[2]!.toLowerCase() === 'validateapiswagger') {
        const problems = validateSwagger(body);
        // paconn reads `error.message` of the answer and splits it into "Error : …" / "Warning : …" lines.
        if (problems.errors.length > 0) {
          return ppError(400, 'InvalidSwagger', `The API definition is not valid: ${[...problems.errors.map((e) => `Error : ${e}`), ...problems.warnings.map((w) => `Warning : ${w}`)].join('\n')}`);
        }
        if (problems.warnings.length > 0) return ppError(200, 'SwaggerWarnings', `The API definition has warnings: ${problems.warnings.map((w) => `Warning : ${w}`).join('\n')}`);
        return { status: 200, headers: requestIds() };
      }
      const envName = isObject(body.environment) ? String(body.environment.name ?? '') : '';
      const env = environments.find((e) => e.name.toLowerCase() === envName.toLowerCase());
      if (!env) return ppError(404, 'EnvironmentNotFound', `The environment '${envName}' could not be found in the tenant '${deps.tenantId}'.`);
      if (!mayUse(env, auth.username)) return ppError(403, 'EnvironmentAccessDenied', `The user with object id '${auth.oid}' does not have permission to access the environment '${env.name}'.`);
      const container = `icons-${randomBytes(8).toString('hex')}`;
      const sig = randomBytes(24).toString('base64url');
      blobs.set(container, { container, sig, files: new Map() });
      const expiry = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      return json(200, { sharedAccessSignature: `${req.origin}/blob/${container}?sv=2018-03-28&sr=c&sp=rcwl&se=${encodeURIComponent(expiry)}&sig=${encodeURIComponent(sig)}` }, requestIds());
    }

    const apiMatch = /^\/providers\/Microsoft\.PowerApps\/apis(?:\/([^/]+))?(?:\/connections(?:\/([^/]+)(?:\/(getConsentLink|confirmConsentCode))?)?)?$/i.exec(path);
    if (!apiMatch) return ppError(404, 'NotFound', `The route '${path}' is not served by the emulated Power Apps resource provider.`);
    const [, apiName, connName, action] = apiMatch as unknown as [string, string | undefined, string | undefined, string | undefined];
    const isConnections = /\/connections(\/|$)/i.test(path);
    const env = environmentOf(req, auth.username, auth.oid, true);
    if (env && 'status' in env) return env;
    const environment = env as EnvironmentSeed;

    if (!apiName) {
      if (req.method === 'GET') {
        const list = [...connectors.values()].filter((c) => c.environment.toLowerCase() === environment.name.toLowerCase()).map((c) => connectorJson(c, req.origin));
        return json(200, { value: list }, requestIds());
      }
      if (req.method === 'POST') return createConnector(req, environment, auth);
      return ppError(405, 'MethodNotAllowed', `The requested resource does not support http method '${req.method}'.`);
    }
    const rec = connectors.get(connectorKey(environment.name, decodeURIComponent(apiName)));
    if (!rec) return ppError(404, 'ApiNotFound', `The API '${decodeURIComponent(apiName)}' could not be found in environment '${environment.name}'.`);

    if (!isConnections) {
      if (req.method === 'GET') return json(200, connectorJson(rec, req.origin), requestIds());
      if (req.method === 'PATCH') return updateConnector(req, rec);
      if (req.method === 'DELETE') {
        connectors.delete(connectorKey(rec.environment, rec.name));
        return { status: 200, headers: requestIds() };
      }
      return ppError(405, 'MethodNotAllowed', `The requested resource does not support http method '${req.method}'.`);
    }
    if (!connName) {
      if (req.method !== 'GET') return ppError(405, 'MethodNotAllowed', `The requested resource does not support http method '${req.method}'.`);
      const mine = [...connections.values()].filter((c) => c.connector === rec.name && c.environment === rec.environment && c.owner === auth.oid);
      return json(200, { value: mine.map(connectionJson) }, requestIds());
    }
    const name = decodeURIComponent(connName);
    const existing = connections.get(name);
    if (existing && existing.owner !== auth.oid) return ppError(403, 'Forbidden', `The connection '${name}' belongs to another user.`);
    if (!action) {
      if (req.method === 'PUT') {
        const body = parse(req.body);
        if (!body || !isObject(body.properties)) return ppError(400, 'InvalidRequestContent', "The request content was invalid: 'properties' is required.");
        const bodyEnv = isObject(body.properties.environment) ? String(body.properties.environment.name ?? '') : '';
        if (bodyEnv.toLowerCase() !== environment.name.toLowerCase()) return ppError(400, 'InvalidRequestContent', "The request content was invalid: 'properties.environment.name' must name the environment of the filter.");
        if (existing) return json(200, connectionJson(existing), requestIds());
        const c: ConnectionRecord = {
          name,
          connector: rec.name,
          environment: rec.environment,
          owner: auth.oid,
          status: { status: 'Error', target: 'token', error: { code: 'Unauthenticated', message: 'This connection is not authenticated.' } },
          created: new Date().toISOString(),
        };
        connections.set(name, c);
        return json(201, connectionJson(c), requestIds());
      }
      if (!existing) return ppError(404, 'ConnectionNotFound', `The connection '${name}' could not be found.`);
      if (req.method === 'GET') return json(200, connectionJson(existing), requestIds());
      if (req.method === 'DELETE') {
        connections.delete(name);
        return { status: 200, headers: requestIds() };
      }
      return ppError(405, 'MethodNotAllowed', `The requested resource does not support http method '${req.method}'.`);
    }
    if (!existing) return ppError(404, 'ConnectionNotFound', `The connection '${name}' could not be found.`);
    if (req.method !== 'POST') return ppError(405, 'MethodNotAllowed', `The requested resource does not support http method '${req.method}'.`);
    const body = parse(req.body) ?? {};
    if (action.toLowerCase() === 'getconsentlink') {
      const returnUrl = typeof body.redirectUrl === 'string' ? body.redirectUrl : undefined;
      if (!returnUrl || !/^https?:\/\//i.test(returnUrl)) return ppError(400, 'InvalidRequestContent', "The request content was invalid: 'redirectUrl' is required.");
      const id = randomBytes(18).toString('base64url');
      sessions.set(id, { id, connection: existing, returnUrl, expires: Date.now() + 900_000 });
      return json(200, { consentLink: `${consentBase(req.origin)}/login?data=${id}`, principalType: 'User', redirectUrl: returnUrl }, requestIds());
    }
    // confirmConsentCode: bookkeeping after the consent host delivered the code; the connection is already connected.
    if (typeof body.code !== 'string' || !body.code) return ppError(400, 'InvalidRequestContent', "The request content was invalid: 'code' is required.");
    return json(200, connectionJson(existing), requestIds());
  };

  const createConnector = (req: Req, env: EnvironmentSeed, auth: { oid: string }): Reply => {
    const body = parse(req.body);
    const props = body && isObject(body.properties) ? body.properties : undefined;
    if (!props) return ppError(400, 'InvalidRequestContent', "The request content was invalid: 'properties' is required.");
    const invalid = validateConnectorProperties(props, env, true);
    if (invalid) return invalid;
    const swagger = props.openApiDefinition as Record<string, unknown>;
    const title = String(props.displayName ?? (isObject(swagger.info) ? swagger.info.title : '') ?? '');
    const name = `shared_${escapeConnectorName(title)}-5f${randomBytes(9).toString('hex')}-${randomBytes(8).toString('hex')}`;
    const { secret, stored } = takeSecret(props);
    const now = new Date().toISOString();
    const rec: ConnectorRecord = { name, environment: env.name, createdBy: auth.oid, properties: stored, clientSecret: secret, created: now, changed: now };
    connectors.set(connectorKey(env.name, name), rec);
    return json(201, connectorJson(rec, req.origin), requestIds());
  };

  const updateConnector = (req: Req, rec: ConnectorRecord): Reply => {
    const body = parse(req.body);
    const props = body && isObject(body.properties) ? body.properties : undefined;
    if (!props) return ppError(400, 'InvalidRequestContent', "The request content was invalid: 'properties' is required.");
    const env = environments.find((e) => e.name === rec.environment)!;
    const invalid = validateConnectorProperties(props, env, false);
    if (invalid) return invalid;
    const { secret, stored } = takeSecret(props);
    // An update without a secret keeps the deployed one (paconn's `update` without --secret).
    rec.properties = { ...rec.properties, ...stored, displayName: rec.properties.displayName };
    if (secret) rec.clientSecret = secret;
    rec.changed = new Date().toISOString();
    return json(200, connectorJson(rec, req.origin), requestIds());
  };

  const validateConnectorProperties = (props: Record<string, unknown>, env: EnvironmentSeed, create: boolean): Reply | undefined => {
    const swagger = props.openApiDefinition;
    if (!isObject(swagger)) return ppError(400, 'InvalidRequestContent', "The request content was invalid: 'properties.openApiDefinition' is required.");
    const problems = validateSwagger(swagger);
    if (problems.errors.length > 0) return ppError(400, 'InvalidSwagger', `The API definition is not valid: ${problems.errors.map((e) => `Error : ${e}`).join('\n')}`);
    const envName = isObject(props.environment) ? String(props.environment.name ?? '') : '';
    if (envName.toLowerCase() !== env.name.toLowerCase()) return ppError(400, 'InvalidRequestContent', "The request content was invalid: 'properties.environment.name' must name the environment of the filter.");
    const backend = isObject(props.backendService) ? String(props.backendService.serviceUrl ?? '') : '';
    if (!/^https?:\/\/[^/\s]+/i.test(backend)) return ppError(400, 'InvalidRequestContent', "The request content was invalid: 'properties.backendService.serviceUrl' must be the API's URL.");
    const oauth = oauthSettings(props);
    if (oauth) {
      if (typeof oauth.clientId !== 'string' || !oauth.clientId) return ppError(400, 'InvalidOAuthSetting', "The OAuth setting 'clientId' of connection parameter 'token' is required.");
      if (create && (typeof oauth.clientSecret !== 'string' || !oauth.clientSecret)) {
        return ppError(400, 'InvalidOAuthSetting', "The OAuth setting 'clientSecret' of connection parameter 'token' is required.");
      }
    }
    if (create && typeof props.displayName !== 'string') return ppError(400, 'InvalidRequestContent', "The request content was invalid: 'properties.displayName' is required.");
    return undefined;
  };

  // ---- Flow resource provider (environments) ----------------------------------------------------------------

  const flow = (req: Req): Reply => {
    const auth = authenticate(req, FLOW_AUDIENCES);
    if ('status' in auth) return auth;
    const bad = checkApiVersion(req);
    if (bad) return bad;
    const path = req.path.replace(/^\/flow/, '').replace(/\/+$/, '');
    if (/^\/providers\/Microsoft\.ProcessSimple\/environments$/i.test(path) && req.method === 'GET') {
      return json(200, { value: environments.filter((e) => mayUse(e, auth.username)).map((e) => environmentJson(e, 'Microsoft.ProcessSimple')) }, requestIds());
    }
    const one = /^\/providers\/Microsoft\.ProcessSimple\/environments\/([^/]+)$/i.exec(path);
    if (one && req.method === 'GET') {
      const env = environments.find((e) => e.name.toLowerCase() === decodeURIComponent(one[1]!).toLowerCase());
      if (!env) return ppError(404, 'EnvironmentNotFound', `The environment '${decodeURIComponent(one[1]!)}' could not be found in the tenant '${deps.tenantId}'.`);
      if (!mayUse(env, auth.username)) return ppError(403, 'EnvironmentAccessDenied', `The user with object id '${auth.oid}' does not have permission to access the environment '${env.name}'.`);
      return json(200, environmentJson(env, 'Microsoft.ProcessSimple'), requestIds());
    }
    return ppError(404, 'NotFound', `The route '${path}' is not served by the emulated Flow resource provider.`);
  };

  // ---- blob storage (icons) ---------------------------------------------------------------------------------

  const blob = (req: Req): Reply => {
    const m = /^\/blob\/([^/]+)(?:\/(.+))?$/.exec(req.path);
    const store = m ? blobs.get(m[1]!) : undefined;
    if (!m || !store) return blobError(404, 'ContainerNotFound', 'The specified container does not exist.');
    if (req.method === 'GET' && m[2]) {
      const file = store.files.get(decodeURIComponent(m[2]));
      return file ? { status: 200, headers: { 'content-type': file.type }, body: file.body } : blobError(404, 'BlobNotFound', 'The specified blob does not exist.');
    }
    if (req.query.get('sig') !== store.sig) return blobError(403, 'AuthenticationFailed', 'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.');
    if (req.method !== 'PUT' || !m[2]) return blobError(405, 'UnsupportedHttpVerb', 'The resource doesn\'t support specified Http Verb.');
    if (String(req.headers['x-ms-blob-type'] ?? '') !== 'BlockBlob') return blobError(400, 'MissingRequiredHeader', 'An HTTP header that\'s mandatory for this request is not specified. x-ms-blob-type');
    store.files.set(decodeURIComponent(m[2]), { type: String(req.headers['content-type'] ?? 'application/octet-stream'), body: req.raw ?? Buffer.from(req.body) });
    return { status: 201, headers: { ...requestIds(), 'content-md5': createHash('md5').update(req.raw ?? req.body).digest('base64') } };
  };

  // ---- consent host ----------------------------------------------------------------------------------------

  const consent = (req: Req): Reply => {
    const path = req.path.replace(/^\/consent/, '');
    if (path === '/login' && req.method === 'GET') {
      const s = sessions.get(req.query.get('data') ?? '');
      if (!s || s.expires < Date.now()) return html(400, page('Consent', '<h1>This sign-in link has expired</h1><p>Create the connection again.</p>'));
      const rec = [...connectors.values()].find((c) => c.name === s.connection.connector && c.environment === s.connection.environment);
      const oauth = rec ? oauthSettings(rec.properties) : undefined;
      if (!rec || !oauth) return html(400, page('Consent', '<h1>This connector has no OAuth sign-in</h1>'));
      const custom = isObject(oauth.customParameters) ? oauth.customParameters : {};
      const value = (k: string) => {
        const key = Object.keys(custom).find((x) => x.toLowerCase() === k.toLowerCase());
        const v = key ? custom[key] : undefined;
        return isObject(v) && typeof v.value === 'string' ? v.value : undefined;
      };
      // The platform sends the browser to the connector's own sign-in settings: loginUri, tenantId and resourceUri
      // (identity provider "aad": the v1 authorize endpoint with `resource`), its client ID and its redirect URL.
      const loginUri = (value('loginUri') ?? 'https://login.microsoftonline.com').replace(/\/+$/, '');
      const authorize = new URL(`${loginUri}/${encodeURIComponent(value('tenantId') ?? 'common')}/oauth2/authorize`);
      authorize.searchParams.set('client_id', String(oauth.clientId ?? ''));
      authorize.searchParams.set('response_type', 'code');
      authorize.searchParams.set('redirect_uri', redirectUrlOf(rec, req.origin)!);
      authorize.searchParams.set('resource', value('resourceUri') ?? '');
      authorize.searchParams.set('state', s.id);
      return { status: 302, headers: { location: authorize.toString(), 'cache-control': 'no-store' }, body: '' };
    }
    if (/^\/redirect(\/[^/]+)?$/.test(path) && req.method === 'GET') {
      const s = sessions.get(req.query.get('state') ?? '');
      if (!s || s.expires < Date.now()) return html(400, page('Consent', '<h1>This sign-in has expired</h1><p>Start the connection again.</p>'));
      sessions.delete(s.id);
      const c = s.connection;
      const rec = [...connectors.values()].find((x) => x.name === c.connector && x.environment === c.environment);
      const oauth = rec ? oauthSettings(rec.properties) : undefined;
      const fail = (code: string, message: string): Reply => {
        c.status = { status: 'Error', target: 'token', error: { code, message } };
        c.accessToken = undefined;
        if (s.returnUrl) return redirect(s.returnUrl, { error: code, error_description: message });
        return html(400, page('Connection failed', `<h1>The connection could not be created</h1><p class="error" id="error">${escapeHtml(message)}</p>`));
      };
      if (!rec || !oauth) return fail('ConnectorNotFound', 'The connector of this connection no longer exists.');
      const error = req.query.get('error');
      if (error) return fail('Unauthorized', req.query.get('error_description') ?? error);
      const form = new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: String(oauth.clientId ?? ''),
        code: req.query.get('code') ?? '',
        redirect_uri: redirectUrlOf(rec, req.origin)!,
        resource: customValue(oauth, 'resourceUri') ?? '',
      });
      if (rec.clientSecret) form.set('client_secret', rec.clientSecret);
      const answer = deps.redeem(form, req.origin);
      const b = (answer.body ?? {}) as { access_token?: string; error?: string; error_description?: string };
      if (answer.status !== 200 || !b.access_token) return fail('Unauthorized', b.error_description ?? b.error ?? `The token endpoint answered ${answer.status}.`);
      c.accessToken = b.access_token;
      c.status = { status: 'Connected' };
      if (s.returnUrl) return redirect(s.returnUrl, { code: randomBytes(16).toString('base64url') });
      return html(200, page('Connected', '<h1>Connected</h1><p>You can close this window.</p>'));
    }
    return html(404, page('Not found', '<h1>Not found</h1>'));
  };

  // ---- connector runtime (API Hub / API Management) --------------------------------------------------------

  const apim = (req: Req): Reply => {
    const m = /^\/apim\/([^/]+)\/([^/]+)(\/.*)?$/.exec(req.path);
    if (!m) return ppError(404, 'NotFound', 'The connector runtime needs /apim/{connector}/{connection}/{operation path}.');
    const auth = authenticate(req, API_HUB_AUDIENCES);
    if ('status' in auth) return auth;
    const c = connections.get(decodeURIComponent(m[2]!));
    const rec = c ? [...connectors.values()].find((x) => x.name === c.connector && x.environment === c.environment) : undefined;
    if (!c || !rec || rec.name.replace(/^shared_/, '') !== decodeURIComponent(m[1]!)) return ppError(404, 'ConnectionNotFound', `The connection '${decodeURIComponent(m[2]!)}' could not be found for this connector.`);
    if (c.owner !== auth.oid) return ppError(403, 'Forbidden', `The connection '${c.name}' is not shared with the caller.`);
    if (c.status.status !== 'Connected' || !c.accessToken) {
      return ppError(401, 'Unauthorized', `The connection '${c.name}' is not authenticated${c.status.error ? `: ${c.status.error.message}` : '.'} Sign in to the connection again.`);
    }
    const backend = new URL(String((rec.properties.backendService as Record<string, unknown>).serviceUrl));
    const site = /^([^.]+)\.azurewebsites\.net$/i.exec(backend.hostname);
    if (!site) return ppError(502, 'BadGateway', `The backend '${backend.origin}' cannot be reached from the emulated connector runtime (only *.azurewebsites.net sites are emulated).`);
    const forwarded: Req = {
      ...req,
      path: `${backend.pathname.replace(/\/+$/, '')}${m[3] ?? '/'}`,
      headers: { ...req.headers, authorization: `Bearer ${c.accessToken}`, origin: undefined, host: backend.host },
    };
    return deps.serveSite(site[1]!, forwarded);
  };

  const handle = (req: Req): Reply => {
    const first = req.path.split('/')[1] ?? '';
    switch (first) {
      case 'powerapps':
        return powerApps(req);
      case 'flow':
        return flow(req);
      case 'consent':
        return consent(req);
      case 'apim':
        return apim(req);
      case 'blob':
        return blob(req);
      default:
        return ppError(404, 'NotFound', 'Not found.');
    }
  };

  return {
    handle,
    reset,
    state: () => ({
      environments: structuredClone(environments),
      connectors: [...connectors.values()].map((c) => ({
        name: c.name,
        environment: c.environment,
        createdBy: c.createdBy,
        displayName: c.properties.displayName,
        redirectUrl: oauthSettings(c.properties)?.redirectMode === 'GlobalPerConnector' ? `/consent/redirect/${c.name.replace(/^shared_/, '')}` : '/consent/redirect',
        hasSecret: !!c.clientSecret,
        // A digest, so tests can tell which secret is deployed without the state ever holding one.
        ...(c.clientSecret ? { secretSha256: createHash('sha256').update(c.clientSecret).digest('hex') } : {}),
      })),
      connections: [...connections.values()].map((c) => ({ name: c.name, connector: c.connector, environment: c.environment, owner: c.owner, status: c.status.status, ...(c.status.error ? { error: c.status.error.message } : {}) })),
      blobs: [...blobs.values()].flatMap((b) => [...b.files.keys()].map((f) => `${b.container}/${f}`)),
    }),
  };
}

function parse(text: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return isObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function blobError(status: number, code: string, message: string): Reply {
  return { status, headers: { 'content-type': 'application/xml', 'x-ms-error-code': code }, body: `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${escapeHtml(message)}</Message></Error>` };
}

function redirect(url: string, params: Record<string, string>): Reply {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return { status: 302, headers: { location: u.toString(), 'cache-control': 'no-store' }, body: '' };
}

/** `connectionParameters.token.oAuthSettings` (the only place paconn puts the secret), or undefined. */
function oauthSettings(props: Record<string, unknown>): Record<string, unknown> | undefined {
  const cp = isObject(props.connectionParameters) ? props.connectionParameters : undefined;
  const token = cp && isObject(cp.token) ? cp.token : undefined;
  return token && isObject(token.oAuthSettings) ? token.oAuthSettings : undefined;
}

function connectionParameterSetValues(props: Record<string, unknown>): Record<string, unknown>[] {
  const sets = isObject(props.connectionParameterSets) ? props.connectionParameterSets : undefined;
  return Array.isArray(sets?.values) ? (sets.values as unknown[]).filter(isObject) : [];
}

function customValue(oauth: Record<string, unknown>, k: string): string | undefined {
  const custom = isObject(oauth.customParameters) ? oauth.customParameters : {};
  const key = Object.keys(custom).find((x) => x.toLowerCase() === k.toLowerCase());
  const v = key ? custom[key] : undefined;
  return isObject(v) && typeof v.value === 'string' ? v.value : undefined;
}

/** Splits the secret out of the properties: the platform keeps it apart and never returns it. */
function takeSecret(props: Record<string, unknown>): { secret?: string; stored: Record<string, unknown> } {
  const stored = structuredClone(props);
  const oauth = oauthSettings(stored);
  const secret = oauth && typeof oauth.clientSecret === 'string' && oauth.clientSecret ? oauth.clientSecret : undefined;
  if (oauth) delete oauth.clientSecret;
  for (const set of connectionParameterSetValues(stored)) {
    const token = isObject(set.parameters) && isObject(set.parameters.token) ? set.parameters.token : undefined;
    if (token && isObject(token.oAuthSettings)) delete token.oAuthSettings.clientSecret;
  }
  return { secret, stored };
}

/** What the platform's swagger validation refuses (errors) or flags (warnings), in its words where known. */
export function validateSwagger(swagger: Record<string, unknown>): { errors: string[]; warnings: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];
  if (swagger.swagger !== '2.0') errors.push(`'swagger' must be '2.0' (OpenAPI 2.0); found '${String(swagger.swagger ?? swagger.openapi ?? '')}'.`);
  if (!isObject(swagger.info) || typeof swagger.info.title !== 'string' || !swagger.info.title.trim()) errors.push("'info.title' is required.");
  else if (swagger.info.title.length > 30) warnings.push("'info.title' is longer than 30 characters.");
  if (typeof swagger.host !== 'string' || !swagger.host.trim()) errors.push("'host' is required.");
  if (!isObject(swagger.paths) || Object.keys(swagger.paths).length === 0) errors.push("'paths' must define at least one operation.");
  else {
    const seen = new Set<string>();
    for (const [p, item] of Object.entries(swagger.paths)) {
      if (!p.startsWith('/')) errors.push(`Path '${p}' must start with '/'.`);
      if (!isObject(item)) continue;
      for (const [method, op] of Object.entries(item)) {
        if (!isObject(op)) continue;
        const id = op.operationId;
        if (typeof id !== 'string' || !id) errors.push(`Operation '${method.toUpperCase()} ${p}' has no operationId.`);
        else if (seen.has(id)) errors.push(`operationId '${id}' is used more than once.`);
        else seen.add(id);
        if (!isObject(op.responses)) errors.push(`Operation '${method.toUpperCase()} ${p}' has no responses.`);
        if (typeof op.summary !== 'string') warnings.push(`Operation '${String(id ?? p)}' has no summary.`);
      }
    }
  }
  return { errors, warnings };
}
