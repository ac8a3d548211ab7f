// Sign-in without a person, as Entra does it: the client credentials grant (client secret, certificate client
// assertion, federated assertion), app-only tokens carrying `roles`, an OIDC issuer standing in for GitHub Actions'
// (token.actions.githubusercontent.com), an App Service style managed-identity endpoint and the VM metadata endpoint
// (IMDS, served on its own plain-HTTP port as 169.254.169.254 is). Sources in README.md.
import { createHash, randomBytes, randomUUID, timingSafeEqual, verify, X509Certificate, type KeyObject } from 'node:crypto';
import type { Directory } from './directory';
import { json, oauthError, type Reply, type Req } from './http';
import { Signer, type Claims } from './jwt';
import type { DirectoryObject } from './types';

/** The audience Entra expects in a federated assertion (workload identity federation). */
export const FIC_AUDIENCE = 'api://AzureADTokenExchange';
export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Microsoft Graph application permissions (app roles) with their real ids (Microsoft Graph permissions reference). */
export const GRAPH_APP_ROLES: readonly { value: string; id: string; description: string }[] = [
  { value: 'Application.ReadWrite.OwnedBy', id: '18a4783c-866b-4cc7-a460-3d5e5662c884', description: 'Manage apps that this app creates or owns' },
  { value: 'Application.ReadWrite.All', id: '1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9', description: 'Read and write all applications' },
  { value: 'Application.Read.All', id: '9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30', description: 'Read all applications' },
  { value: 'AppRoleAssignment.ReadWrite.All', id: '06b708a9-e830-4db3-a914-8e69da51d44f', description: 'Manage app permission grants and app role assignments' },
  { value: 'Directory.Read.All', id: '7ab1d382-f21e-4acd-a863-ba3e13f7da61', description: 'Read directory data' },
];

export function graphAppRoles(): Record<string, unknown>[] {
  return GRAPH_APP_ROLES.map((r) => ({
    allowedMemberTypes: ['Application'],
    description: `Allows the app to ${r.description.toLowerCase()} without a signed-in user.`,
    displayName: r.description,
    id: r.id,
    isEnabled: true,
    origin: 'Application',
    value: r.value,
  }));
}

export interface WorkloadConfig {
  tokenLifetimeSeconds(): number;
  /** The v2.0 issuer of this tenant's tokens for a request origin. */
  issuer(origin: string): string;
  /** LoginService.resolveScopes: the resource service principal and token audience of a scope string. */
  resolve(scope: string): { ok: true; value: { resourceSp: DirectoryObject; audience: string; requested: string[] } } | { ok: false; reply: Reply };
  onIssue?(value: string): void;
}

interface ManagedIdentity {
  spId: string;
  header: string;
}

/** The identities assigned to the emulated VM: at most one system-assigned, any number of user-assigned. */
interface VmIdentities {
  system?: string;
  user: string[];
}

interface Runner {
  subject: string;
  requestToken: string;
  claims: Claims;
}

function decodeJwt(token: string): { raw: string; header: Record<string, unknown>; claims: Claims; signed: Buffer; signature: Buffer } | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as unknown;
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as unknown;
    if (!header || typeof header !== 'object' || !claims || typeof claims !== 'object' || Array.isArray(claims)) return undefined;
    return { raw: token, header: header as Record<string, unknown>, claims: claims as Claims, signed: Buffer.from(`${parts[0]}.${parts[1]}`), signature: Buffer.from(parts[2]!, 'base64url') };
  } catch {
    return undefined;
  }
}

function sameSecret(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

export function secretHash(secret: string): string {
  return createHash('sha256').update(secret).digest('base64');
}

/**
 * The workload side of the emulated identity platform. The OIDC issuer (GitHub's stand-in) lives at `{origin}/oidc`
 * with its own signing key; the managed-identity endpoint at `{origin}/msi/token`.
 */
export class WorkloadIdentity {
  readonly oidcSigner = new Signer();
  private managed: ManagedIdentity | undefined;
  private vm: VmIdentities = { user: [] };
  private runner: Runner | undefined;

  constructor(
    private readonly dir: Directory,
    private readonly signer: Signer,
    private readonly config: WorkloadConfig,
  ) {}

  reset(): void {
    this.managed = undefined;
    this.vm = { user: [] };
    this.runner = undefined;
  }

  oidcIssuer(origin: string): string {
    return `${origin}/oidc`;
  }

  // ---- the token endpoint: grant_type=client_credentials ----------------------------------------------------

  clientCredentials(req: Req, form: URLSearchParams, clientId: string): Reply {
    const app = this.dir.appByAppId(clientId);
    if (!app) return oauthError(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory 'Contoso'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`);
    const scope = (form.get('scope') ?? '').trim();
    if (!/^\S+\/\.default$/.test(scope)) {
      return oauthError(400, 'invalid_scope', 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
    }
    const secret = form.get('client_secret');
    const assertion = form.get('client_assertion');
    let authenticated: Reply | undefined;
    if (secret !== null && assertion !== null) return oauthError(400, 'invalid_request', 90023, 'The request contains both client_secret and client_assertion. Send only one client credential.');
    if (secret !== null) authenticated = this.checkSecret(app, secret);
    else if (assertion !== null) {
      if (form.get('client_assertion_type') !== ASSERTION_TYPE) return oauthError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_assertion_type'.");
      const decoded = decodeJwt(assertion);
      if (!decoded) return oauthError(400, 'invalid_client', 50027, 'Invalid JWT token. Token format not valid.');
      authenticated = decoded.claims.iss === clientId ? this.checkCertificate(req, app, decoded) : this.checkFederated(req, app, decoded);
    } else {
      return oauthError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    }
    if (authenticated) return authenticated;
    const sp = this.dir.spByAppId(clientId);
    if (!sp) return oauthError(401, 'invalid_client', 7000229, `The client application ${clientId} is missing service principal in the tenant ${this.dir.tenantId}.`);
    const resolved = this.config.resolve(scope);
    if (!resolved.ok) return resolved.reply;
    return this.issueAppToken(req.origin, sp, resolved.value.resourceSp, resolved.value.audience, (token, lifetime) =>
      json(200, { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: token }, { 'cache-control': 'no-store', pragma: 'no-cache' }),
    );
  }

  /** The application permissions `sp` holds on `resource`: its app role assignments, by value. */
  rolesOf(sp: DirectoryObject, resource: DirectoryObject): string[] {
    const defined = (resource.appRoles as { id: string; value: string }[] | undefined) ?? [];
    const out = new Set<string>();
    for (const a of this.dir.appRoleAssignments.values()) {
      if (a.principalId !== sp.id || a.resourceId !== resource.id) continue;
      const role = defined.find((r) => r.id === a.appRoleId);
      if (role) out.add(role.value);
    }
    return [...out];
  }

  private issueAppToken(origin: string, sp: DirectoryObject, resource: DirectoryObject, audience: string, reply: (token: string, lifetime: number) => Reply): Reply {
    const now = Math.floor(Date.now() / 1000);
    const lifetime = this.config.tokenLifetimeSeconds();
    const roles = this.rolesOf(sp, resource);
    const claims: Claims = {
      aud: audience,
      iss: this.config.issuer(origin),
      iat: now,
      nbf: now,
      exp: now + lifetime,
      appid: sp.appId,
      azp: sp.appId,
      app_displayname: sp.displayName,
      idtyp: 'app',
      oid: sp.id,
      sub: sp.id,
      tid: this.dir.tenantId,
      uti: randomBytes(16).toString('base64url'),
      ver: '2.0',
    };
    if (roles.length > 0) claims.roles = roles;
    const token = this.signer.sign(claims);
    this.config.onIssue?.(token);
    return reply(token, lifetime);
  }

  private checkSecret(app: DirectoryObject, secret: string): Reply | undefined {
    const creds = (app.passwordCredentials as { keyId: string; endDateTime?: string }[] | undefined) ?? [];
    const matching = creds.filter((c) => {
      const hash = this.dir.secretHashes.get(c.keyId);
      return hash !== undefined && sameSecret(hash, secretHash(secret));
    });
    if (matching.length === 0) {
      return oauthError(401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${String(app.appId)}'.`);
    }
    if (matching.every((c) => c.endDateTime && Date.parse(c.endDateTime) <= Date.now())) {
      return oauthError(401, 'invalid_client', 7000222, `The provided client secret keys for app '${String(app.appId)}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`);
    }
    return undefined;
  }

  /** A client assertion the app signed itself: its key must be one of the app's keyCredentials (x5t / x5t#S256). */
  private checkCertificate(req: Req, app: DirectoryObject, jwt: NonNullable<ReturnType<typeof decodeJwt>>): Reply | undefined {
    const { header, claims } = jwt;
    const sha1 = typeof header.x5t === 'string' ? Buffer.from(header.x5t, 'base64url').toString('hex') : undefined;
    const sha256 = typeof header['x5t#S256'] === 'string' ? Buffer.from(header['x5t#S256'], 'base64url').toString('hex') : undefined;
    const keys = (app.keyCredentials as { key?: string | null; type?: string; usage?: string; endDateTime?: string }[] | undefined) ?? [];
    let found: { key: KeyObject; end?: string } | undefined;
    for (const k of keys) {
      if (!k.key || k.usage !== 'Verify') continue;
      let cert: X509Certificate;
      try {
        cert = new X509Certificate(Buffer.from(k.key, 'base64'));
      } catch {
        continue;
      }
      const der = cert.raw;
      const t1 = createHash('sha1').update(der).digest('hex');
      const t256 = createHash('sha256').update(der).digest('hex');
      if ((sha1 && sha1 === t1) || (sha256 && sha256 === t256)) found = { key: cert.publicKey, ...(k.endDateTime ? { end: k.endDateTime } : {}) };
    }
    const thumb = (sha256 ?? sha1 ?? '').toUpperCase();
    if (!found) {
      return oauthError(401, 'invalid_client', 700027, `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${thumb}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${String(app.appId)}'.]`);
    }
    if (found.end && Date.parse(found.end) <= Date.now()) {
      return oauthError(401, 'invalid_client', 700027, `Client assertion failed signature validation: the certificate with thumbprint '${thumb}' has expired.`);
    }
    const alg = header.alg;
    const ok =
      alg === 'RS256' ? verify('sha256', jwt.signed, found.key, jwt.signature)
      : alg === 'PS256' ? verify('sha256', jwt.signed, { key: found.key, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: 32 }, jwt.signature)
      : false;
    if (!ok) return oauthError(401, 'invalid_client', 700027, 'Client assertion contains an invalid signature.');
    const tokenEndpoint = `${req.origin}${req.path}`;
    const aud = String(claims.aud ?? '');
    if (aud !== tokenEndpoint && aud !== `${req.origin}/${this.dir.tenantId}/oauth2/v2.0/token`) {
      return oauthError(401, 'invalid_client', 700212, `Client assertion audience claim does not match Realm issuer. Review the documentation at https://aka.ms/certCreds.`);
    }
    if (claims.sub !== app.appId) return oauthError(401, 'invalid_client', 700021, "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://aka.ms/certCreds.");
    return this.checkLifetime(claims);
  }

  private checkLifetime(claims: Claims): Reply | undefined {
    const now = Date.now() / 1000;
    if (typeof claims.exp !== 'number' || claims.exp <= now - 300 || (typeof claims.nbf === 'number' && claims.nbf > now + 300)) {
      return oauthError(400, 'invalid_client', 700024, 'Client assertion is not within its valid time range.');
    }
    return undefined;
  }

  /** A token from an external issuer: a federated identity credential of the app must match issuer, subject, audience. */
  private checkFederated(req: Req, app: DirectoryObject, jwt: NonNullable<ReturnType<typeof decodeJwt>>): Reply | undefined {
    const { claims } = jwt;
    const iss = String(claims.iss ?? '');
    const sub = String(claims.sub ?? '');
    const audiences = Array.isArray(claims.aud) ? claims.aud.map(String) : [String(claims.aud ?? '')];
    const records = this.dir.federatedCredentials.get(app.id) ?? [];
    if (!records.some((r) => r.issuer === iss)) {
      return oauthError(400, 'invalid_client', 700211, `No matching federated identity record found for presented assertion issuer '${iss}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation`);
    }
    // The only issuer whose keys the emulated tenant can fetch is its own stand-in for GitHub's.
    if (iss !== this.oidcIssuer(req.origin) || !this.oidcSigner.verify(jwt.raw)) {
      return oauthError(400, 'invalid_client', 700212, `AADSTS50166: Request to External OIDC endpoint failed or the assertion signature could not be validated with the issuer's keys (issuer '${iss}').`);
    }
    const lifetime = this.checkLifetime(claims);
    if (lifetime) return lifetime;
    // Matching is exact and case-sensitive (Microsoft Learn, "Federated identity credentials now use case-sensitive matching").
    const match = records.some((r) => r.issuer === iss && r.subject === sub && ((r.audiences as string[] | undefined) ?? []).some((a) => audiences.includes(a)));
    if (!match) {
      return oauthError(400, 'invalid_request', 70021, `No matching federated identity record found for presented assertion. Assertion Issuer: '${iss}'. Assertion Subject: '${sub}'. Assertion Audience: '${audiences.join(',')}'. https://learn.microsoft.com/entra/workload-id/workload-identity-federation`);
    }
    return undefined;
  }

  // ---- the OIDC issuer (GitHub Actions' stand-in) ----------------------------------------------------------

  /** A token from the stand-in issuer, as a GitHub Actions job gets it (`sub` e.g. `repo:owner/name:ref:refs/heads/main`). */
  mintOidc(origin: string, subject: string, options: { audience?: string; expiresInSeconds?: number; claims?: Claims } = {}): string {
    const now = Math.floor(Date.now() / 1000);
    const token = this.oidcSigner.sign({
      ...(options.claims ?? {}),
      jti: randomUUID(),
      sub: subject,
      aud: options.audience ?? FIC_AUDIENCE,
      iss: this.oidcIssuer(origin),
      nbf: now - 5,
      iat: now,
      exp: now + (options.expiresInSeconds ?? 300),
    });
    this.config.onIssue?.(token);
    return token;
  }

  /** Configures the runner endpoint (`ACTIONS_ID_TOKEN_REQUEST_URL` stand-in) for one job subject; returns its request token. */
  configureRunner(subject: string, claims: Claims = {}): string {
    const requestToken = randomBytes(24).toString('base64url');
    this.runner = { subject, requestToken, claims };
    this.config.onIssue?.(requestToken);
    return requestToken;
  }

  /** A managed identity: a service principal without an app (servicePrincipalType ManagedIdentity). */
  private createManagedIdentitySp(displayName: string): DirectoryObject {
    const id = randomUUID();
    const appId = randomUUID();
    const sp: DirectoryObject = {
      id,
      appId,
      displayName,
      appDisplayName: displayName,
      accountEnabled: true,
      alternativeNames: [],
      appRoles: [],
      oauth2PermissionScopes: [],
      servicePrincipalNames: [appId],
      servicePrincipalType: 'ManagedIdentity',
      tags: [],
      keyCredentials: [],
      passwordCredentials: [],
      deletedDateTime: null,
    };
    this.dir.servicePrincipals.set(id, sp);
    this.dir.meta.set(id, { createdAt: 0, owners: [] });
    return sp;
  }

  /** Creates (or replaces) the managed identity the `/msi/token` endpoint serves. */
  configureManagedIdentity(displayName: string): { servicePrincipal: DirectoryObject; identityHeader: string } {
    const sp = this.createManagedIdentitySp(displayName);
    const header = randomBytes(24).toString('base64url');
    this.config.onIssue?.(header);
    this.managed = { spId: sp.id, header };
    return { servicePrincipal: sp, identityHeader: header };
  }

  /** Assigns a new managed identity to the emulated VM: its system-assigned one (replacing it) or another user-assigned one. */
  assignVmIdentity(displayName: string, assignment: 'system' | 'user'): DirectoryObject {
    const sp = this.createManagedIdentitySp(displayName);
    if (assignment === 'system') this.vm.system = sp.id;
    else this.vm.user.push(sp.id);
    return sp;
  }

  /** `/oidc/...` and `/msi/...` (the service path, starting with `/oidc` or `/msi`). */
  handle(req: Req): Reply {
    const route = `${req.method} ${req.path}`;
    const issuer = this.oidcIssuer(req.origin);
    switch (route) {
      case 'GET /oidc/.well-known/openid-configuration':
        return json(200, {
          issuer,
          jwks_uri: `${issuer}/.well-known/jwks`,
          subject_types_supported: ['public', 'pairwise'],
          response_types_supported: ['id_token'],
          claims_supported: ['sub', 'aud', 'exp', 'iat', 'iss', 'jti', 'nbf', 'ref', 'repository', 'repository_owner', 'environment', 'workflow', 'event_name'],
          id_token_signing_alg_values_supported: ['RS256'],
          scopes_supported: ['openid'],
        });
      case 'GET /oidc/.well-known/jwks':
        return json(200, this.oidcSigner.jwks());
      case 'GET /oidc/runner/token':
        return this.runnerToken(req);
      case 'GET /msi/token':
        return this.managedIdentityToken(req);
      default:
        return json(404, { error: 'not_found' });
    }
  }

  /**
   * The VM metadata endpoint's token path, `GET /metadata/identity/oauth2/token?api-version=…&resource=…` with
   * `Metadata: true`, and `client_id` | `object_id` | `msi_res_id` for a user-assigned identity (Microsoft Learn, "How
   * to use managed identities for Azure resources on an Azure VM to acquire an access token").
   */
  imdsToken(req: Req): Reply {
    // MSAL Node's URL normalization adds a trailing slash; IMDS answers both.
    if (req.method !== 'GET' || req.path.replace(/\/$/, '') !== '/metadata/identity/oauth2/token') return json(404, { error: 'not_found', error_description: 'The requested path was not found.' });
    // The header is the SSRF mitigation: exactly "true", in lower case.
    if (req.headers.metadata !== 'true') return json(400, { error: 'bad_request_102', error_description: 'Required metadata header not specified' });
    if (!req.query.get('api-version')) {
      return json(400, { error: 'Bad request. api-version was not specified in the request. For more information refer to aka.ms/azureimds', 'newest-versions': ['2018-02-01'] });
    }
    const resource = req.query.get('resource') ?? '';
    if (!resource) return json(400, { error: 'invalid_request', error_description: 'Required query variable \'resource\' is missing' });
    const clientId = req.query.get('client_id');
    const objectId = req.query.get('object_id');
    const resId = req.query.get('msi_res_id');
    const userAssigned = this.vm.user.map((id) => this.dir.servicePrincipals.get(id)).filter((sp): sp is DirectoryObject => !!sp);
    // Strict side: without an identity parameter only the system-assigned identity answers (Microsoft Learn's FAQ says a
    // lone user-assigned one is the default, but MicrosoftDocs/azure-docs#81232 reports that it is not).
    const sp =
      clientId ? userAssigned.find((u) => u.appId === clientId)
      : objectId ? userAssigned.find((u) => u.id === objectId)
      : resId ? undefined
      : this.vm.system ? this.dir.servicePrincipals.get(this.vm.system)
      : undefined;
    if (!sp) return json(400, { error: 'invalid_request', error_description: 'Identity not found' });
    const resolved = this.config.resolve(`${resource.replace(/\/+$/, '')}/.default`);
    if (!resolved.ok) {
      return json(400, { error: 'invalid_resource', error_description: `AADSTS500011: The resource principal named ${resource} was not found in the tenant named ${this.dir.tenantId}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.` });
    }
    return this.issueAppToken(req.origin, sp, resolved.value.resourceSp, resolved.value.audience, (token, lifetime) => {
      const now = Math.floor(Date.now() / 1000);
      // IMDS answers numbers as strings.
      return json(200, { access_token: token, client_id: sp.appId, expires_in: String(lifetime), expires_on: String(now + lifetime), ext_expires_in: String(lifetime), not_before: String(now), resource, token_type: 'Bearer' });
    });
  }

  /** GitHub's runner endpoint: `Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN`, `&audience=` → `{value}`. */
  private runnerToken(req: Req): Reply {
    const auth = String(req.headers.authorization ?? '');
    const given = /^bearer\s+(\S+)$/i.exec(auth)?.[1];
    if (!this.runner || !given || !sameSecret(given, this.runner.requestToken)) return json(401, { message: 'Bad credentials' });
    const audience = req.query.get('audience') ?? undefined;
    return json(200, { count: 1, value: this.mintOidc(req.origin, this.runner.subject, { ...(audience ? { audience } : {}), claims: this.runner.claims }) });
  }

  /** App Service / Functions: `GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=…` with `X-IDENTITY-HEADER`. */
  private managedIdentityToken(req: Req): Reply {
    const header = req.headers['x-identity-header'];
    if (!this.managed || typeof header !== 'string' || !sameSecret(header, this.managed.header)) {
      return json(401, { statusCode: 401, message: 'Unauthorized: the X-IDENTITY-HEADER header is missing or wrong.' });
    }
    if (req.query.get('api-version') !== '2019-08-01') return json(400, { statusCode: 400, message: "The 'api-version' parameter must be 2019-08-01." });
    const resource = req.query.get('resource') ?? '';
    if (!resource) return json(400, { statusCode: 400, message: "The 'resource' parameter is required." });
    const sp = this.dir.servicePrincipals.get(this.managed.spId);
    if (!sp) return json(400, { statusCode: 400, message: 'No managed identity is assigned to this resource.' });
    const resolved = this.config.resolve(`${resource.replace(/\/+$/, '')}/.default`);
    if (!resolved.ok) return json(400, { statusCode: 400, message: `The resource '${resource}' is not known in the tenant.` });
    return this.issueAppToken(req.origin, sp, resolved.value.resourceSp, resolved.value.audience, (token, lifetime) =>
      json(200, { access_token: token, expires_on: String(Math.floor(Date.now() / 1000) + lifetime), resource, token_type: 'Bearer', client_id: sp.appId }),
    );
  }
}
