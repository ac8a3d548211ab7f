// The emulated Microsoft identity platform (v2.0 endpoints): discovery, sign-in and consent pages, authorization
// code + PKCE, refresh tokens, device code, admin consent. Consent is checked the way Entra does it.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  API_CONNECTIONS_APP_ID, API_HUB_RESOURCE, ARM_APP_ID, ARM_RESOURCE, Directory, firstPartyClient, GRAPH_APP_ID, GRAPH_RESOURCE, POWER_APPS_APP_ID, POWER_APPS_RESOURCE, TENANT_DOMAIN,
} from './directory';
import { escapeHtml, html, json, oauthError, page, parseForm, type Reply, type Req } from './http';
import { b64url, type Signer } from './jwt';
import type { Account, DirectoryObject } from './types';

const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);
const TENANT_ALIASES = new Set(['common', 'organizations']);

export interface LoginConfig {
  graphEndpoint: string;
  armEndpoint: string;
  tokenLifetimeSeconds(): number;
  deviceCodeIntervalSeconds: number;
  /** Test observation hook (GET /admin/issued): every token and code this service hands out. In memory only. */
  onIssue?(kind: 'token' | 'code', value: string): void;
  /** `grant_type=client_credentials` (workload.ts: secret, certificate and federated assertions, app-only tokens). */
  clientCredentials?(req: Req, form: URLSearchParams, clientId: string): Reply;
}

interface ResolvedScopes {
  resourceSp: DirectoryObject;
  /** `aud` of the access token. */
  audience: string;
  /** The prefix the client used (echoed back in `scope`), '' for bare names. */
  prefix: string;
  /** Scope values requested on the resource ('.default' expanded later). */
  requested: string[];
  oidc: string[];
  /** The resource as the request named it (a v1 token's `aud` for the tenant's own APIs). */
  resourceName: string;
}

/** What pre-authorization decides for a request: not applicable (consent rules), granted, or AADSTS65002. */
type PreAuthorization = { kind: 'consent' } | { kind: 'preAuthorized'; scopes: string[] } | { kind: 'refused'; reply: Reply };

type Resolution = { ok: true; value: ResolvedScopes } | { ok: false; reply: Reply };

interface Txn {
  kind: 'authorize' | 'device' | 'adminconsent';
  tenant: string;
  clientId: string;
  scopeRaw: string;
  redirectUri?: string;
  responseMode?: string;
  state?: string;
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  deviceCode?: string;
  loginHint?: string;
  userId?: string;
  expires: number;
}

/** The v1 token issuer Entra uses for every cloud's v1 tokens in this emulator (public cloud: sts.windows.net). */
export function v1Issuer(tenantId: string): string {
  return `https://sts.windows.net/${tenantId}/`;
}

interface AuthCode {
  clientId: string;
  redirectUri: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  userId: string;
  scopeRaw: string;
  nonce?: string;
  expires: number;
}

interface DeviceCode {
  deviceCode: string;
  userCode: string;
  clientId: string;
  scopeRaw: string;
  status: 'pending' | 'approved' | 'declined' | 'consent_required' | 'preauthorization_required';
  userId?: string;
  expires: number;
}

interface RefreshToken {
  clientId: string;
  userId: string;
}

export class LoginService {
  private txns = new Map<string, Txn>();
  private codes = new Map<string, AuthCode>();
  private deviceCodes = new Map<string, DeviceCode>();
  private refreshTokens = new Map<string, RefreshToken>();

  constructor(
    private readonly dir: Directory,
    private readonly signer: Signer,
    private readonly config: LoginConfig,
  ) {}

  reset(): void {
    this.txns.clear();
    this.codes.clear();
    this.deviceCodes.clear();
    this.refreshTokens.clear();
  }

  issuer(origin: string): string {
    return `${origin}/${this.dir.tenantId}/v2.0`;
  }

  /** Handles everything under the login endpoint. `path` starts with the tenant segment. */
  handle(req: Req): Reply {
    if (req.path === '/devicelogin') return this.deviceLoginPage(req);
    const m = /^\/([^/]+)(\/.*)$/.exec(req.path);
    if (!m) return notFound();
    let tenant: string;
    try {
      tenant = decodeURIComponent(m[1]!);
    } catch {
      return notFound();
    }
    const rest = m[2]!;
    if (!this.knownTenant(tenant)) {
      return oauthError(400, 'invalid_tenant', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
    }
    const route = `${req.method} ${rest}`;
    switch (route) {
      case 'GET /v2.0/.well-known/openid-configuration':
        return json(200, this.openIdConfiguration(req.origin, tenant));
      case 'GET /discovery/v2.0/keys':
        return json(200, this.signer.jwks());
      case 'GET /oauth2/v2.0/authorize':
      case 'POST /oauth2/v2.0/authorize':
        return this.authorize(req, tenant);
      case 'POST /oauth2/v2.0/authorize/signin':
        return this.signInPost(req);
      case 'POST /oauth2/v2.0/authorize/consent':
        return this.consentPost(req);
      case 'POST /oauth2/v2.0/token':
        return this.token(req);
      case 'POST /oauth2/v2.0/devicecode':
        return this.deviceCodeRequest(req);
      case 'GET /v2.0/adminconsent':
        return this.adminConsent(req, tenant);
      case 'GET /oauth2/authorize':
      case 'POST /oauth2/authorize':
        return this.v1Authorize(req, tenant);
      case 'POST /oauth2/token':
        return this.v1Token(req);
      case 'POST /oauth2/devicecode':
        return this.v1DeviceCodeRequest(req);
      case 'GET /.well-known/openid-configuration':
        return json(200, { ...this.openIdConfiguration(req.origin, tenant), issuer: TENANT_ALIASES.has(tenant.toLowerCase()) ? 'https://sts.windows.net/{tenantid}/' : v1Issuer(this.dir.tenantId), token_endpoint: `${req.origin}/${tenant}/oauth2/token`, authorization_endpoint: `${req.origin}/${tenant}/oauth2/authorize`, device_authorization_endpoint: `${req.origin}/${tenant}/oauth2/devicecode` });
      case 'GET /oauth2/v2.0/logout':
        return html(200, page('Signed out', '<h1>You signed out of your account</h1>'));
      default:
        return notFound();
    }
  }

  private knownTenant(t: string): boolean {
    return TENANT_ALIASES.has(t.toLowerCase()) || t.toLowerCase() === this.dir.tenantId || t.toLowerCase() === TENANT_DOMAIN;
  }

  openIdConfiguration(origin: string, tenant: string): Record<string, unknown> {
    const t = TENANT_ALIASES.has(tenant.toLowerCase()) ? tenant : this.dir.tenantId;
    const base = `${origin}/${t}`;
    return {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${origin}/${t}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: TENANT_ALIASES.has(tenant.toLowerCase()) ? `${origin}/{tenantid}/v2.0` : this.issuer(origin),
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${this.config.graphEndpoint}/oidc/userinfo`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
      kerberos_endpoint: `${base}/kerberos`,
      tenant_region_scope: 'EU',
      cloud_instance_name: new URL(origin).host,
      cloud_graph_host_name: new URL(this.config.graphEndpoint).host,
      msgraph_host: new URL(this.config.graphEndpoint).host,
      rbac_url: this.config.armEndpoint,
    };
  }

  // ---- scopes and consent ----------------------------------------------------------------------------------

  /** Splits a space-separated scope string into one resource and the OIDC scopes, as Entra does. */
  resolveScopes(scopeRaw: string): Resolution {
    const parts = scopeRaw.split(/\s+/).filter(Boolean);
    const oidc: string[] = [];
    let resourceKey: string | undefined;
    let resourceSp: DirectoryObject | undefined;
    let prefix = '';
    let resourceName = GRAPH_RESOURCE;
    const requested: string[] = [];
    for (const p of parts) {
      if (OIDC_SCOPES.has(p)) {
        oidc.push(p);
        continue;
      }
      const slash = p.lastIndexOf('/');
      const hasResource = slash > 0 && (/^[a-z][a-z0-9+.-]*:\/\//i.test(p) || /^[0-9a-f-]{36}\//i.test(p));
      const res = hasResource ? p.slice(0, slash) : GRAPH_RESOURCE;
      const name = hasResource ? p.slice(slash + 1) : p;
      const sp = this.resourceFor(res);
      if (!sp) {
        return { ok: false, reply: oauthError(400, 'invalid_resource', 500011, `The resource principal named ${res} was not found in the tenant named Contoso. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`) };
      }
      if (resourceKey !== undefined && resourceSp !== sp) {
        return { ok: false, reply: oauthError(400, 'invalid_scope', 28000, 'Provided value for the input parameter scope is not valid because it contains more than one resource. Scope ' + scopeRaw + ' is not valid.') };
      }
      resourceKey = res;
      resourceName = res.replace(/\/+$/, '');
      resourceSp = sp;
      prefix = hasResource ? `${res}/` : '';
      if (name !== '.default' && !this.dir.publishedScopes(sp).some((s) => s.value === name)) {
        return { ok: false, reply: oauthError(400, 'invalid_scope', 70011, `The provided value for the input parameter 'scope' is not valid. The scope '${p}' does not exist.`) };
      }
      if (!requested.includes(name)) requested.push(name);
    }
    if (!resourceSp) {
      resourceSp = this.dir.spByAppId(GRAPH_APP_ID)!;
      prefix = '';
    }
    return { ok: true, value: { resourceSp, audience: this.audienceFor(resourceSp), prefix, requested, oidc, resourceName } };
  }

  private resourceFor(res: string): DirectoryObject | undefined {
    const r = res.replace(/\/+$/, '').toLowerCase();
    const graph = [GRAPH_RESOURCE, GRAPH_APP_ID, this.config.graphEndpoint, new URL(this.config.graphEndpoint).origin].map((x) => x.toLowerCase());
    if (graph.includes(r)) return this.dir.spByAppId(GRAPH_APP_ID);
    const arm = [ARM_RESOURCE, ARM_APP_ID, 'https://management.core.windows.net', this.config.armEndpoint].map((x) => x.toLowerCase());
    if (arm.includes(r)) return this.dir.spByAppId(ARM_APP_ID);
    return this.dir.resourceSp(res);
  }

  private audienceFor(sp: DirectoryObject): string {
    if (sp.appId === GRAPH_APP_ID) return GRAPH_RESOURCE;
    if (sp.appId === ARM_APP_ID) return ARM_RESOURCE;
    if (sp.appId === POWER_APPS_APP_ID) return POWER_APPS_RESOURCE;
    if (sp.appId === API_CONNECTIONS_APP_ID) return API_HUB_RESOURCE;
    return String(sp.appId);
  }

  /** Scopes of the request that are not consented yet, and whether this user may consent to all of them. */
  private consentGap(clientId: string, user: Account, r: ResolvedScopes): { missing: string[]; adminOnly: string[]; consented: Set<string> } {
    const clientSp = this.dir.ensureClientSp(clientId);
    const consented = clientSp ? this.dir.consentedScopes(clientSp.id, r.resourceSp.id, user.id) : new Set<string>();
    const wanted = r.requested.filter((s) => s !== '.default');
    const missing = wanted.filter((s) => !consented.has(s));
    if (r.requested.includes('.default') && consented.size === 0 && missing.length === 0) {
      // `.default` with nothing consented: the statically configured permissions would need consent.
      missing.push(...this.staticScopes(clientId, r.resourceSp));
    }
    const defs = this.dir.publishedScopes(r.resourceSp);
    const adminOnly = missing.filter((s) => defs.find((d) => d.value === s)?.type === 'Admin');
    return { missing, adminOnly, consented };
  }

  /** The client's requiredResourceAccess scopes on a resource (what `.default` stands for). */
  private staticScopes(clientId: string, resourceSp: DirectoryObject): string[] {
    const app = this.dir.appByAppId(clientId);
    const rra = (app?.requiredResourceAccess as { resourceAppId: string; resourceAccess: { id: string; type: string }[] }[] | undefined) ?? [];
    const defs = this.dir.publishedScopes(resourceSp);
    const out: string[] = [];
    for (const r of rra) {
      if (r.resourceAppId !== resourceSp.appId) continue;
      for (const a of r.resourceAccess ?? []) {
        const d = defs.find((x) => x.id === a.id);
        if (a.type === 'Scope' && d) out.push(d.value);
      }
    }
    return out;
  }

  private clientName(clientId: string): string {
    const sp = this.dir.spByAppId(clientId);
    const app = this.dir.appByAppId(clientId);
    return String(sp?.displayName ?? app?.displayName ?? clientId);
  }

  private consentRequired(clientId: string): Reply {
    return oauthError(400, 'invalid_grant', 65001, `The user or administrator has not consented to use the application with ID '${clientId}' named '${this.clientName(clientId)}'. Send an interactive authorization request for this user and resource.`, { suberror: 'consent_required' });
  }

  /**
   * Microsoft's first-party public clients get Microsoft's resources only through pre-authorization: `.default` yields
   * exactly the pre-authorized scopes, a named scope outside them is AADSTS65002 (no consent can fix it). Resources
   * where the client asks for consent (Graph CLI Tools on Graph) and the tenant's own APIs follow the consent rules.
   */
  private preAuthorization(clientId: string, r: ResolvedScopes): PreAuthorization {
    const client = firstPartyClient(clientId);
    const resourceAppId = String(r.resourceSp.appId);
    if (!client || !this.dir.isFirstParty(r.resourceSp) || client.dynamicConsent.includes(resourceAppId)) return { kind: 'consent' };
    if (r.requested.length === 0) return { kind: 'preAuthorized', scopes: [] };
    const pre = client.preAuthorized[resourceAppId] ?? [];
    const named = r.requested.filter((s) => s !== '.default');
    if (pre.length === 0 || named.some((s) => !pre.includes(s))) return { kind: 'refused', reply: this.preAuthorizationRequired(clientId, resourceAppId) };
    return { kind: 'preAuthorized', scopes: r.requested.includes('.default') ? [...pre] : named };
  }

  private preAuthorizationRequired(clientId: string, resourceAppId: string): Reply {
    return oauthError(400, 'invalid_request', 65002, `Consent between first party application '${clientId}' and first party resource '${resourceAppId}' must be configured via preauthorization - applications owned and operated by Microsoft must get approval from the API owner before requesting tokens for that API.`);
  }

  /** Version of the access tokens a resource gets: its `api.requestedAccessTokenVersion` (null → 1); Microsoft's APIs 1. */
  private tokenVersion(resourceSp: DirectoryObject): 1 | 2 {
    const app = this.dir.appByAppId(String(resourceSp.appId));
    return (app?.api as { requestedAccessTokenVersion?: number | null } | undefined)?.requestedAccessTokenVersion === 2 ? 2 : 1;
  }

  private knownClient(clientId: string): boolean {
    return !!(this.dir.spByAppId(clientId) || this.dir.appByAppId(clientId));
  }

  private unknownClient(clientId: string): Reply {
    return oauthError(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory 'Contoso'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`);
  }

  // ---- tokens ------------------------------------------------------------------------------------------------

  /** Mints an access token for an already consented request, or returns Entra's error. Used by every grant. */
  private issue(clientId: string, user: Account, scopeRaw: string, opts: { origin: string; nonce?: string; idToken: boolean; refresh: boolean }): Reply {
    const res = this.resolveScopes(scopeRaw);
    if (!res.ok) return res.reply;
    const r = res.value;
    const pre = this.preAuthorization(clientId, r);
    if (pre.kind === 'refused') return pre.reply;
    let granted: string[];
    if (pre.kind === 'preAuthorized') {
      granted = pre.scopes;
    } else {
      const gap = this.consentGap(clientId, user, r);
      if (gap.missing.length > 0) return this.consentRequired(clientId);
      granted = [...gap.consented];
    }
    const now = Math.floor(Date.now() / 1000);
    const lifetime = this.config.tokenLifetimeSeconds();
    const iss = this.issuer(opts.origin);
    const v1 = this.tokenVersion(r.resourceSp) === 1;
    const accessToken = this.signer.sign({
      aud: v1 && !this.dir.isFirstParty(r.resourceSp) ? r.resourceName : r.audience,
      iss: v1 ? v1Issuer(this.dir.tenantId) : iss,
      iat: now,
      nbf: now,
      exp: now + lifetime,
      appid: clientId,
      ...(v1 ? {} : { azp: clientId }),
      idtyp: 'user',
      name: user.displayName,
      oid: user.id,
      sub: user.id,
      preferred_username: user.username,
      upn: user.username,
      unique_name: user.username,
      scp: granted.join(' '),
      tid: this.dir.tenantId,
      uti: randomBytes(16).toString('base64url'),
      ver: v1 ? '1.0' : '2.0',
      wids: user.roles.map(roleTemplateId).filter(Boolean),
    });
    const body: Record<string, unknown> = {
      token_type: 'Bearer',
      // A `{resource}/.default` request is answered with the scopes it stands for and `{resource}/.default` itself, as
      // Microsoft Entra answers (MSAL caches the token under these scopes, so the next `.default` request is a cache hit).
      scope: [...granted.map((s) => `${r.prefix}${s}`), ...(r.prefix && r.requested.includes('.default') ? [`${r.prefix}.default`] : []), ...r.oidc.filter((s) => s !== 'offline_access')].join(' '),
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: accessToken,
    };
    this.config.onIssue?.('token', accessToken);
    if (opts.refresh && r.oidc.includes('offline_access')) {
      const rt = `1.${randomBytes(48).toString('base64url')}`;
      this.refreshTokens.set(rt, { clientId, userId: user.id });
      this.config.onIssue?.('token', rt);
      body.refresh_token = rt;
    }
    if (opts.idToken && r.oidc.includes('openid')) {
      const claims: Record<string, unknown> = {
        aud: clientId,
        iss,
        iat: now,
        nbf: now,
        exp: now + 3600,
        name: user.displayName,
        oid: user.id,
        preferred_username: user.username,
        sub: createHash('sha256').update(`${user.id}:${clientId}`).digest('base64url'),
        tid: this.dir.tenantId,
        ver: '2.0',
      };
      if (opts.nonce) claims.nonce = opts.nonce;
      body.id_token = this.signer.sign(claims);
      this.config.onIssue?.('token', body.id_token as string);
    }
    body.client_info = b64url(JSON.stringify({ uid: user.id, utid: this.dir.tenantId }));
    return json(200, body, { 'cache-control': 'no-store', pragma: 'no-cache' });
  }

  /** The admin-API shortcut: a real token for a user without a browser, under the same consent rules. */
  mintForUser(origin: string, username: string, clientId: string, scopes: string[]): Reply {
    const user = this.dir.user(username);
    if (!user) return oauthError(400, 'invalid_grant', 50034, `The user account ${username} does not exist in the Contoso directory.`);
    if (!this.knownClient(clientId)) return this.unknownClient(clientId);
    // Like a browser sign-in where the user accepts the prompt: user-consentable scopes get consented, admin-only
    // scopes only by an administrator; otherwise `issue` answers AADSTS65001.
    this.consentAs(user, clientId, scopes.join(' '), false);
    const reply = this.issue(clientId, user, scopes.join(' '), { origin, idToken: false, refresh: false });
    if (reply.status !== 200) return reply;
    const body = reply.body as { access_token: string; expires_in: number; scope: string };
    return json(200, { access_token: body.access_token, expires_in: body.expires_in, scope: body.scope, token_type: 'Bearer' });
  }

  private token(req: Req): Reply {
    const f = parseForm(req.body);
    const grant = f.get('grant_type') ?? '';
    const clientId = f.get('client_id') ?? '';
    if (!clientId) return oauthError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
    if (!this.knownClient(clientId)) return this.unknownClient(clientId);
    switch (grant) {
      case 'authorization_code':
        return this.redeemCode(req, f, clientId);
      case 'refresh_token': {
        const rt = this.refreshTokens.get(f.get('refresh_token') ?? '');
        if (!rt || rt.clientId !== clientId) return oauthError(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.');
        const user = this.dir.userById(rt.userId);
        if (!user) return oauthError(400, 'invalid_grant', 50057, 'The user account is disabled.');
        return this.issue(clientId, user, f.get('scope') ?? '', { origin: req.origin, idToken: true, refresh: true });
      }
      case 'device_code':
      case 'urn:ietf:params:oauth:grant-type:device_code':
        return this.redeemDeviceCode(req, f, clientId);
      case 'client_credentials':
        if (this.config.clientCredentials) return this.config.clientCredentials(req, f, clientId);
        return oauthError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant}'.`);
      case '':
        return oauthError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");
      default:
        return oauthError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant}'.`);
    }
  }

  private redeemCode(req: Req, f: URLSearchParams, clientId: string): Reply {
    const codeValue = f.get('code') ?? '';
    const code = this.codes.get(codeValue);
    this.codes.delete(codeValue);
    if (!code || code.expires < Date.now()) return oauthError(400, 'invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.');
    if (code.clientId !== clientId) return oauthError(400, 'invalid_grant', 70000, 'Provided grant is invalid or malformed.');
    if ((f.get('redirect_uri') ?? '') !== code.redirectUri) return oauthError(400, 'invalid_grant', 50011, `The redirect URI '${f.get('redirect_uri') ?? ''}' specified in the request does not match the redirect URI used to obtain the authorization code.`);
    const clientAuth = this.authenticateClient(f, clientId, code.redirectUri);
    if (clientAuth) return clientAuth;
    if (code.codeChallenge) {
      const verifier = f.get('code_verifier') ?? '';
      if (!verifier) return oauthError(400, 'invalid_grant', 50148, 'The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.');
      const computed = code.codeChallengeMethod === 'plain' ? verifier : createHash('sha256').update(verifier).digest('base64url');
      if (computed !== code.codeChallenge) return oauthError(400, 'invalid_grant', 501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.');
    }
    const user = this.dir.userById(code.userId)!;
    return this.issue(clientId, user, f.get('scope') ?? code.scopeRaw, { origin: req.origin, nonce: code.nonce, idToken: true, refresh: true });
  }

  /**
   * A confidential client proves itself with its secret: Entra asks for one when the code was issued to a Web
   * redirect URI, and refuses a wrong one (7000215, often the secret's ID pasted instead of its value) or an expired
   * one (7000222).
   */
  private authenticateClient(f: URLSearchParams, clientId: string, redirectUri: string): Reply | undefined {
    const secret = f.get('client_secret');
    const app = this.dir.appByAppId(clientId);
    if (secret === null) {
      const web = ((app?.web as { redirectUris?: string[] } | undefined)?.redirectUris) ?? [];
      return web.includes(redirectUri) ? oauthError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.") : undefined;
    }
    const result = this.dir.checkClientSecret(clientId, secret);
    if (result === 'expired') return oauthError(401, 'invalid_client', 7000222, `The provided client secret keys for app '${clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`);
    if (result === 'invalid') return oauthError(401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`);
    return undefined;
  }

  private redeemDeviceCode(req: Req, f: URLSearchParams, clientId: string): Reply {
    const dc = this.deviceCodes.get(f.get('device_code') ?? f.get('code') ?? '');
    if (!dc || dc.clientId !== clientId) return oauthError(400, 'invalid_grant', 70000, 'Provided grant is invalid or malformed.');
    if (dc.expires < Date.now()) {
      this.deviceCodes.delete(dc.deviceCode);
      return oauthError(400, 'expired_token', 70020, 'The provided value for the input parameter \'device_code\' is not valid. This device code has expired.');
    }
    switch (dc.status) {
      case 'pending':
        return oauthError(400, 'authorization_pending', 70016, 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.');
      case 'declined':
        this.deviceCodes.delete(dc.deviceCode);
        return oauthError(400, 'authorization_declined', 70000, 'The user declined to authorize the application.');
      case 'consent_required':
        this.deviceCodes.delete(dc.deviceCode);
        return this.consentRequired(clientId);
      case 'preauthorization_required': {
        this.deviceCodes.delete(dc.deviceCode);
        const res = this.resolveScopes(dc.scopeRaw);
        return this.preAuthorizationRequired(clientId, res.ok ? String(res.value.resourceSp.appId) : '');
      }
      case 'approved': {
        this.deviceCodes.delete(dc.deviceCode);
        const user = this.dir.userById(dc.userId!)!;
        return this.issue(clientId, user, dc.scopeRaw, { origin: req.origin, idToken: true, refresh: true });
      }
    }
  }

  // ---- device code -------------------------------------------------------------------------------------------

  private deviceCodeRequest(req: Req): Reply {
    const f = parseForm(req.body);
    const clientId = f.get('client_id') ?? '';
    if (!clientId) return oauthError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
    if (!this.knownClient(clientId)) return this.unknownClient(clientId);
    const scopeRaw = f.get('scope') ?? '';
    const res = this.resolveScopes(scopeRaw);
    if (!res.ok) return res.reply;
    const deviceCode = randomBytes(40).toString('base64url');
    const userCode = randomBytes(6).toString('hex').toUpperCase().replace(/[^A-Z0-9]/g, '').slice(0, 9);
    const expiresIn = 900;
    this.deviceCodes.set(deviceCode, { deviceCode, userCode, clientId, scopeRaw, status: 'pending', expires: Date.now() + expiresIn * 1000 });
    // The device code only: the user code is meant to be shown to the user.
    this.config.onIssue?.('code', deviceCode);
    const verificationUri = `${req.origin}/devicelogin`;
    return json(200, {
      user_code: userCode,
      device_code: deviceCode,
      verification_uri: verificationUri,
      expires_in: expiresIn,
      interval: this.config.deviceCodeIntervalSeconds,
      message: `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${userCode} to authenticate.`,
    });
  }

  /** Admin API: the user finishes every pending device sign-in (consenting for themself where they may). */
  approveDevice(username: string, opts: { userCode?: string; consentForOrg?: boolean; decline?: boolean }): { approved: number; consentRequired: number; declined: number } | undefined {
    const user = this.dir.user(username);
    if (!user) return undefined;
    const out = { approved: 0, consentRequired: 0, declined: 0 };
    for (const dc of this.deviceCodes.values()) {
      if (dc.status !== 'pending' || dc.expires < Date.now()) continue;
      if (opts.userCode && dc.userCode !== opts.userCode.toUpperCase()) continue;
      dc.userId = user.id;
      if (opts.decline) {
        dc.status = 'declined';
        out.declined++;
        continue;
      }
      const res = this.resolveScopes(dc.scopeRaw);
      const pre = res.ok ? this.preAuthorization(dc.clientId, res.value) : undefined;
      if (pre?.kind === 'refused') {
        dc.status = 'preauthorization_required';
        out.consentRequired++;
        continue;
      }
      dc.status = pre?.kind === 'preAuthorized' || this.consentAs(user, dc.clientId, dc.scopeRaw, !!opts.consentForOrg) ? 'approved' : 'consent_required';
      if (dc.status === 'approved') out.approved++;
      else out.consentRequired++;
    }
    return out;
  }

  /** The user accepts the consent prompt. False when an admin-only scope is missing and the user is no admin. */
  private consentAs(user: Account, clientId: string, scopeRaw: string, forOrg: boolean): boolean {
    const res = this.resolveScopes(scopeRaw);
    if (!res.ok) return false;
    if (this.preAuthorization(clientId, res.value).kind !== 'consent') return true;
    const gap = this.consentGap(clientId, user, res.value);
    if (gap.missing.length === 0) return true;
    const admin = this.dir.isAppAdmin(user);
    if (gap.adminOnly.length > 0 && !admin) return false;
    const clientSp = this.dir.ensureClientSp(clientId);
    if (!clientSp) return false;
    this.dir.addConsent(clientSp.id, res.value.resourceSp.id, gap.missing, forOrg && admin ? null : user.id);
    return true;
  }

  private deviceLoginPage(req: Req): Reply {
    if (req.method === 'GET') {
      return html(200, page('Enter code', `<h1>Enter code</h1><p>Enter the code displayed on your app or device.</p>
<form method="POST" action="/devicelogin"><label>Code <input name="otc" autocomplete="off" autofocus></label><button type="submit">Next</button></form>`));
    }
    if (req.method !== 'POST') return notFound();
    const code = (parseForm(req.body).get('otc') ?? '').trim().toUpperCase();
    const dc = [...this.deviceCodes.values()].find((d) => d.userCode === code && d.status === 'pending' && d.expires > Date.now());
    if (!dc) {
      return html(400, page('Enter code', `<h1>Enter code</h1><p class="error">That code didn't work. Check the code and try again.</p>
<form method="POST" action="/devicelogin"><label>Code <input name="otc" autocomplete="off"></label><button type="submit">Next</button></form>`));
    }
    const txnId = this.newTxn({ kind: 'device', tenant: 'organizations', clientId: dc.clientId, scopeRaw: dc.scopeRaw, deviceCode: dc.deviceCode, expires: Date.now() + 600_000 });
    return this.accountPicker(txnId, 'organizations');
  }

  // ---- authorize, sign-in and consent pages ------------------------------------------------------------------

  private newTxn(t: Txn): string {
    const id = randomBytes(24).toString('base64url');
    this.txns.set(id, t);
    return id;
  }

  private redirectAllowed(clientId: string, redirectUri: string): boolean {
    let u: URL;
    try {
      u = new URL(redirectUri);
    } catch {
      return false;
    }
    const loopback = u.protocol === 'http:' && (u.hostname === 'localhost' || u.hostname === '127.0.0.1');
    const sameIgnoringPort = (registered: string) => {
      try {
        const r = new URL(registered);
        if (loopback && r.protocol === 'http:' && (r.hostname === 'localhost' || r.hostname === '127.0.0.1')) {
          return r.hostname === u.hostname && r.pathname === u.pathname;
        }
        return registered === redirectUri;
      } catch {
        return false;
      }
    };
    if (firstPartyClient(clientId)) return loopback || redirectUri === 'https://login.microsoftonline.com/common/oauth2/nativeclient';
    const app = this.dir.appByAppId(clientId);
    if (!app) return false;
    const uris = [
      ...(((app.publicClient as { redirectUris?: string[] } | undefined)?.redirectUris) ?? []),
      ...(((app.web as { redirectUris?: string[] } | undefined)?.redirectUris) ?? []),
      ...(((app.spa as { redirectUris?: string[] } | undefined)?.redirectUris) ?? []),
    ];
    return uris.some(sameIgnoringPort);
  }

  private authorize(req: Req, tenant: string): Reply {
    const q = req.method === 'POST' ? parseForm(req.body) : req.query;
    const clientId = q.get('client_id') ?? '';
    if (!this.knownClient(clientId)) return errorPage(700016, `Application with identifier '${clientId}' was not found in the directory 'Contoso'.`);
    const redirectUri = q.get('redirect_uri') ?? '';
    if (!this.redirectAllowed(clientId, redirectUri)) {
      return errorPage(50011, `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal.`);
    }
    const responseMode = q.get('response_mode') ?? 'query';
    const state = q.get('state') ?? undefined;
    const fail = (error: string, description: string) => redirectWith(redirectUri, responseMode, { error, error_description: description, state });
    if (q.get('response_type') !== 'code') return fail('unsupported_response_type', 'AADSTS700054: response_type is not supported for the application.');
    const scopeRaw = q.get('scope') ?? '';
    const res = this.resolveScopes(scopeRaw);
    if (!res.ok) {
      const b = res.reply.body as { error: string; error_description: string };
      return fail(b.error, b.error_description);
    }
    const method = q.get('code_challenge_method') ?? (q.get('code_challenge') ? 'plain' : undefined);
    if (method && method !== 'S256' && method !== 'plain') return fail('invalid_request', 'AADSTS501491: Invalid code_challenge_method.');
    if (q.get('prompt') === 'none') return fail('login_required', 'AADSTS50058: A silent sign-in request was sent but no user is signed in.');
    const txnId = this.newTxn({
      kind: 'authorize',
      tenant,
      clientId,
      scopeRaw,
      redirectUri,
      responseMode,
      state,
      nonce: q.get('nonce') ?? undefined,
      codeChallenge: q.get('code_challenge') ?? undefined,
      codeChallengeMethod: method,
      loginHint: q.get('login_hint') ?? undefined,
      expires: Date.now() + 600_000,
    });
    return this.accountPicker(txnId, tenant);
  }

  private adminConsent(req: Req, tenant: string): Reply {
    const q = req.query;
    const clientId = q.get('client_id') ?? '';
    if (!this.knownClient(clientId)) return errorPage(700016, `Application with identifier '${clientId}' was not found in the directory 'Contoso'.`);
    if (this.replyUrls(clientId).length === 0) return errorPage(500113, 'No reply address is registered for the application.');
    const redirectUri = q.get('redirect_uri') ?? this.replyUrls(clientId)[0]!;
    if (!this.redirectAllowed(clientId, redirectUri)) return errorPage(50011, `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'.`);
    const scopeRaw = q.get('scope') ?? '';
    const res = this.resolveScopes(scopeRaw);
    if (!res.ok) {
      const b = res.reply.body as { error: string; error_description: string };
      return redirectWith(redirectUri, 'query', { error: b.error, error_description: b.error_description, state: q.get('state') ?? undefined });
    }
    const txnId = this.newTxn({ kind: 'adminconsent', tenant, clientId, scopeRaw, redirectUri, responseMode: 'query', state: q.get('state') ?? undefined, expires: Date.now() + 600_000 });
    return this.accountPicker(txnId, tenant);
  }

  /** The redirect URIs registered on a tenant's own app (every platform). */
  private replyUrls(clientId: string): string[] {
    const app = this.dir.appByAppId(clientId);
    if (!app) return firstPartyClient(clientId) ? ['https://login.microsoftonline.com/common/oauth2/nativeclient'] : [];
    return [
      ...(((app.web as { redirectUris?: string[] } | undefined)?.redirectUris) ?? []),
      ...(((app.publicClient as { redirectUris?: string[] } | undefined)?.redirectUris) ?? []),
      ...(((app.spa as { redirectUris?: string[] } | undefined)?.redirectUris) ?? []),
    ];
  }

  /** Entra ends a sign-in that pre-authorization refuses after the user signed in: the error goes to the client. */
  private refuseAfterSignIn(txnId: string, t: Txn, reply: Reply): Reply {
    this.txns.delete(txnId);
    const b = reply.body as { error: string; error_description: string };
    if (t.kind === 'device') {
      const dc = this.deviceCodes.get(t.deviceCode!);
      if (dc && dc.status === 'pending') dc.status = 'preauthorization_required';
      return errorPage(65002, b.error_description.replace(/^AADSTS65002: /, ''));
    }
    return redirectWith(t.redirectUri!, t.responseMode ?? 'query', { error: b.error, error_description: b.error_description, state: t.state });
  }

  // ---- v1 endpoints (resource=, Azure AD v1 protocol) ----------------------------------------------------------

  /** A v1 request's `resource` as the v2 scope it stands for: `{resource}/.default` plus the OIDC scopes. */
  private v1Scope(resource: string | null, extra: string | null = null): string {
    const oidc = (extra ?? '').split(/\s+/).filter((x) => ['openid', 'profile', 'offline_access', 'email'].includes(x));
    return [`${resource || GRAPH_RESOURCE}/.default`, 'offline_access', ...oidc].join(' ');
  }

  private v1Authorize(req: Req, tenant: string): Reply {
    const q = new URLSearchParams(req.method === 'POST' ? parseForm(req.body) : req.query);
    q.set('scope', this.v1Scope(q.get('resource'), `openid ${q.get('scope') ?? ''}`));
    return this.authorize({ ...req, method: 'GET', query: q }, tenant);
  }

  private v1DeviceCodeRequest(req: Req): Reply {
    const f = parseForm(req.body);
    const resource = f.get('resource');
    if (!resource) return oauthError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'resource'.");
    f.set('scope', this.v1Scope(resource, 'openid'));
    const reply = this.deviceCodeRequest({ ...req, body: f.toString() });
    if (reply.status !== 200) return reply;
    const { verification_uri: verificationUrl, ...rest } = reply.body as Record<string, unknown>;
    return json(200, { ...rest, verification_url: verificationUrl });
  }

  /** The v1 token endpoint: the same grants, `resource=` instead of scopes, and the v1 answer's shape. */
  private v1Token(req: Req): Reply {
    const f = parseForm(req.body);
    const resource = f.get('resource');
    if (f.get('grant_type') === 'device_code' && !f.get('device_code') && f.get('code')) f.set('device_code', f.get('code')!);
    if (resource) f.set('scope', this.v1Scope(resource, 'openid'));
    else f.delete('scope');
    const reply = this.token({ ...req, body: f.toString() });
    if (reply.status !== 200) return reply;
    const body = reply.body as Record<string, unknown>;
    const claims = this.signer.verify(String(body.access_token)) ?? {};
    const scope = String(body.scope ?? '').split(' ').filter(Boolean).map((s) => s.slice(s.lastIndexOf('/') + 1)).filter((s) => !['openid', 'profile', 'email'].includes(s));
    return json(200, {
      token_type: 'Bearer',
      scope: scope.join(' '),
      expires_in: String(body.expires_in),
      ext_expires_in: String(body.ext_expires_in),
      expires_on: String(claims.exp ?? ''),
      not_before: String(claims.nbf ?? ''),
      resource: resource ?? String(claims.aud ?? ''),
      access_token: body.access_token,
      ...(body.refresh_token ? { refresh_token: body.refresh_token } : {}),
      ...(body.id_token ? { id_token: body.id_token } : {}),
    }, reply.headers);
  }

  private accountPicker(txnId: string, tenant: string): Reply {
    const t = this.txns.get(txnId)!;
    const hint = t.loginHint?.toLowerCase();
    const accounts = this.dir.users
      .map((u, i) => {
        const checked = hint ? u.username.toLowerCase() === hint : i === 0;
        return `<label><input type="radio" name="username" value="${escapeHtml(u.username)}"${checked ? ' checked' : ''}> ${escapeHtml(u.displayName)} &lt;${escapeHtml(u.username)}&gt;${u.roles.length ? ` <span class="muted">(${escapeHtml(u.roles.join(', '))})</span>` : ''}</label>`;
      })
      .join('\n');
    return html(200, page('Sign in to your account', `<h1>Pick an account</h1>
<p><b>${escapeHtml(this.clientName(t.clientId))}</b> wants to sign you in${t.kind === 'adminconsent' ? ' as an administrator' : ''}.</p>
<p class="muted">Requested: ${escapeHtml(t.scopeRaw)}</p>
<form method="POST" action="/${escapeHtml(encodeURIComponent(tenant))}/oauth2/v2.0/authorize/signin">
<input type="hidden" name="txn" value="${txnId}">
${accounts}
<button type="submit">Sign in</button>
</form>`));
  }

  private signInPost(req: Req): Reply {
    const f = parseForm(req.body);
    const txnId = f.get('txn') ?? '';
    const t = this.txns.get(txnId);
    if (!t || t.expires < Date.now()) return errorPage(90014, 'The sign-in session has expired. Start the sign-in again.');
    const user = this.dir.user(f.get('username') ?? '');
    if (!user) return errorPage(50034, `The user account ${f.get('username') ?? ''} does not exist in the Contoso directory.`);
    t.userId = user.id;
    if (t.kind === 'adminconsent') {
      if (!this.dir.isAppAdmin(user)) {
        this.txns.delete(txnId);
        return redirectWith(t.redirectUri!, 'query', { error: 'access_denied', error_description: `AADSTS90093: ${this.clientName(t.clientId)} needs permission to access resources in your organization that only an admin can grant. Please ask an admin to grant permission to this app before you can use it.`, state: t.state });
      }
      return this.consentPage(txnId, t, user, this.scopesForAdminConsent(t), true);
    }
    const res = this.resolveScopes(t.scopeRaw);
    if (!res.ok) return errorPage(70011, 'The requested scopes are not valid.');
    const pre = this.preAuthorization(t.clientId, res.value);
    if (pre.kind === 'refused') return this.refuseAfterSignIn(txnId, t, pre.reply);
    if (pre.kind === 'preAuthorized') return this.complete(txnId, t, user);
    const gap = this.consentGap(t.clientId, user, res.value);
    if (gap.missing.length === 0) return this.complete(txnId, t, user);
    if (gap.adminOnly.length > 0 && !this.dir.isAppAdmin(user)) {
      return html(200, page('Need admin approval', `<h1>Need admin approval</h1>
<p><b>${escapeHtml(this.clientName(t.clientId))}</b> needs permission to access resources in your organization that only an admin can grant. Please ask an admin to grant permission to this app before you can use it.</p>
<p class="muted">Admin-only permissions requested: ${escapeHtml(gap.adminOnly.join(', '))}</p>
<form method="POST" action="/${escapeHtml(encodeURIComponent(t.tenant))}/oauth2/v2.0/authorize/consent">
<input type="hidden" name="txn" value="${txnId}">
<button type="submit" name="decision" value="cancel">Return to the application without granting consent</button>
</form>`));
    }
    return this.consentPage(txnId, t, user, gap.missing, this.dir.isAppAdmin(user));
  }

  private scopesForAdminConsent(t: Txn): string[] {
    const res = this.resolveScopes(t.scopeRaw);
    if (!res.ok) return [];
    const explicit = res.value.requested.filter((s) => s !== '.default');
    return res.value.requested.includes('.default') ? [...new Set([...explicit, ...this.staticScopes(t.clientId, res.value.resourceSp)])] : explicit;
  }

  private consentPage(txnId: string, t: Txn, user: Account, scopes: string[], mayConsentForOrg: boolean): Reply {
    const list = scopes.map((s) => `<li>${escapeHtml(s)}</li>`).join('');
    const orgBox = t.kind === 'adminconsent'
      ? '<input type="hidden" name="consent_org" value="1"><p>Accepting grants these permissions for everyone in your organization.</p>'
      : mayConsentForOrg ? '<label><input type="checkbox" name="consent_org" value="1"> Consent on behalf of your organization</label>' : '';
    return html(200, page('Permissions requested', `<h1>Permissions requested</h1>
<p>Signed in as ${escapeHtml(user.username)}.</p>
<p><b>${escapeHtml(this.clientName(t.clientId))}</b> needs permission to:</p><ul>${list}</ul>
<form method="POST" action="/${escapeHtml(encodeURIComponent(t.tenant))}/oauth2/v2.0/authorize/consent">
<input type="hidden" name="txn" value="${txnId}">
${orgBox}
<button type="submit" name="decision" value="accept">Accept</button>
<button type="submit" name="decision" value="cancel">Cancel</button>
</form>`));
  }

  private consentPost(req: Req): Reply {
    const f = parseForm(req.body);
    const txnId = f.get('txn') ?? '';
    const t = this.txns.get(txnId);
    if (!t || t.expires < Date.now() || !t.userId) return errorPage(90014, 'The sign-in session has expired. Start the sign-in again.');
    const user = this.dir.userById(t.userId)!;
    if (f.get('decision') !== 'accept') {
      this.txns.delete(txnId);
      if (t.kind === 'device') {
        const dc = this.deviceCodes.get(t.deviceCode!);
        if (dc) dc.status = 'declined';
        return html(200, page('Sign-in cancelled', '<h1>Sign-in cancelled</h1><p>You can close this window.</p>'));
      }
      return redirectWith(t.redirectUri!, t.responseMode ?? 'query', { error: 'access_denied', error_subcode: 'cancel', error_description: 'AADSTS65004: User declined to consent to access the app.', state: t.state });
    }
    const forOrg = f.get('consent_org') === '1';
    if (t.kind === 'adminconsent') {
      if (!this.dir.isAppAdmin(user)) return errorPage(90093, 'Only an administrator can grant this consent.');
      const res = this.resolveScopes(t.scopeRaw);
      const clientSp = this.dir.ensureClientSp(t.clientId);
      if (!res.ok || !clientSp) return errorPage(65005, 'The application requested permissions that are not valid.');
      const scopes = this.scopesForAdminConsent(t);
      this.dir.addConsent(clientSp.id, res.value.resourceSp.id, scopes, null);
      this.txns.delete(txnId);
      return redirectWith(t.redirectUri!, 'query', { admin_consent: 'True', tenant: this.dir.tenantId, scope: scopes.map((s) => `${res.value.prefix}${s}`).join(' '), state: t.state });
    }
    if (!this.consentAs(user, t.clientId, t.scopeRaw, forOrg)) {
      return errorPage(65001, `The user or administrator has not consented to use the application with ID '${t.clientId}'.`);
    }
    return this.complete(txnId, t, user);
  }

  private complete(txnId: string, t: Txn, user: Account): Reply {
    this.txns.delete(txnId);
    if (t.kind === 'device') {
      const dc = this.deviceCodes.get(t.deviceCode!);
      if (dc && dc.status === 'pending') {
        dc.status = 'approved';
        dc.userId = user.id;
      }
      return html(200, page('Signed in', `<h1>You have signed in</h1><p>You have signed in to ${escapeHtml(this.clientName(t.clientId))} on your device. You may now close this window.</p>`));
    }
    const code = `1.${randomBytes(48).toString('base64url')}`;
    this.config.onIssue?.('code', code);
    this.codes.set(code, {
      clientId: t.clientId,
      redirectUri: t.redirectUri!,
      codeChallenge: t.codeChallenge,
      codeChallengeMethod: t.codeChallengeMethod,
      userId: user.id,
      scopeRaw: t.scopeRaw,
      nonce: t.nonce,
      expires: Date.now() + 600_000,
    });
    return redirectWith(t.redirectUri!, t.responseMode ?? 'query', {
      code,
      client_info: b64url(JSON.stringify({ uid: user.id, utid: this.dir.tenantId })),
      state: t.state,
      session_state: randomUUID(),
    });
  }
}

function roleTemplateId(role: string): string {
  return ({
    'Global Administrator': '62e90394-69f5-4237-9190-012177145e10',
    'Application Administrator': '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3',
    'Cloud Application Administrator': '158c047a-c907-4556-b7ef-446551a6b5f7',
    'Application Developer': 'cf1c38e5-3621-4004-a7cb-879624dced7c',
  } as Record<string, string>)[role] ?? '';
}

function notFound(): Reply {
  return html(404, page('Not found', '<h1>Not found</h1>'));
}

function errorPage(aadsts: number, message: string): Reply {
  return html(400, page('Sign in', `<h1>Sorry, but we're having trouble signing you in.</h1><p class="error" id="error">AADSTS${aadsts}: ${escapeHtml(message)}</p>`));
}

/** Sends the authorization response to the client the way the request asked: `form_post` (auto-submitting page) or `query`. */
function redirectWith(redirectUri: string, responseMode: string, params: Record<string, string | undefined>): Reply {
  const entries = Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined);
  if (responseMode === 'form_post') {
    const inputs = entries.map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`).join('\n');
    return html(200, `<!DOCTYPE html><html><head><title>Working...</title></head><body>
<form method="POST" name="hiddenform" action="${escapeHtml(redirectUri)}">
${inputs}
<noscript><p>Script is disabled. Click Submit to continue.</p><input type="submit" value="Submit"></noscript>
</form>
<script>document.forms[0].submit();</script>
</body></html>`);
  }
  const u = new URL(redirectUri);
  for (const [k, v] of entries) u.searchParams.set(k, v);
  return { status: 302, headers: { location: u.toString(), 'cache-control': 'no-store' }, body: '' };
}
