// Test-side helpers that talk to a running emulator over HTTPS with its CA trusted explicitly
// (so they work without NODE_EXTRA_CA_CERTS).
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import type { Endpoints, Faults, RecordedRequest, TenantPolicy } from './types';

export interface HttpsResponse<T = unknown> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON when the response is JSON, else the text ('' when empty). */
  body: T;
  text: string;
}

const caCache = new Map<string, string>();
function caFor(path: string): string {
  let ca = caCache.get(path);
  if (!ca) {
    ca = readFileSync(path, 'utf8');
    caCache.set(path, ca);
  }
  return ca;
}

export interface HttpsOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Objects are sent as JSON; strings as they are. */
  body?: unknown;
  /** CA PEM or path to it (endpoints.caCertPath). */
  ca: string;
}

/** One HTTPS request trusting the given CA. Never throws on HTTP errors; rejects on network errors. */
export function httpsJson<T = unknown>(url: string, options: HttpsOptions): Promise<HttpsResponse<T>> {
  const ca = options.ca.includes('-----BEGIN') ? options.ca : caFor(options.ca);
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  let payload: string | undefined;
  if (options.body !== undefined) {
    payload = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(payload));
  }
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? (payload === undefined ? 'GET' : 'POST'), headers, ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        if (String(res.headers['content-type'] ?? '').includes('json') && text) {
          try {
            body = JSON.parse(text);
          } catch {
            body = text;
          }
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: body as T, text });
      });
    });
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** The header every admin call carries (the emulator refuses admin calls without it). */
export function adminHeaders(endpoints: Pick<Endpoints, 'adminToken'>): Record<string, string> {
  return { authorization: `Bearer ${endpoints.adminToken}` };
}

async function admin<T>(endpoints: Endpoints, method: string, path: string, body?: unknown): Promise<T> {
  const res = await httpsJson<T>(`${endpoints.adminEndpoint}${path}`, { method, body, headers: adminHeaders(endpoints), ca: endpoints.caCertPath });
  if (res.status >= 400) throw new Error(`emulator admin ${method} ${path} → ${res.status}: ${res.text.slice(0, 500)}`);
  return res.body;
}

export const GRAPH_CLI_CLIENT_ID = '14d82eec-204b-4c2f-b7e8-296a70dab67e';

/**
 * A real signed access token for `user` without a browser (admin `POST /token`), under the same consent rules as a
 * sign-in. Scopes are resource-qualified, e.g. https://graph.microsoft.com/Application.ReadWrite.All.
 */
export const AZURE_CLI_CLIENT_ID = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';

/**
 * The Microsoft public client that can really get these scopes: Azure CLI for Resource Manager and Power Platform
 * (pre-authorized), Graph CLI Tools for Graph (consent), as the product signs in.
 */
export function clientFor(endpoints: Endpoints, scopes: readonly string[]): string {
  const azureCli = scopes.some((s) => s.startsWith(endpoints.armEndpoint) || /^https:\/\/(management\.|service\.powerapps\.com)/i.test(s));
  return azureCli ? AZURE_CLI_CLIENT_ID : GRAPH_CLI_CLIENT_ID;
}

export async function adminToken(endpoints: Endpoints, user: string, scopes: string[], clientId = clientFor(endpoints, scopes)): Promise<string> {
  const res = await httpsJson<{ access_token?: string; error_description?: string }>(`${endpoints.adminEndpoint}/token`, {
    method: 'POST',
    headers: adminHeaders(endpoints),
    body: { user, clientId, scopes },
    ca: endpoints.caCertPath,
  });
  if (res.status !== 200 || !res.body.access_token) throw new Error(`No token for ${user}: ${res.body.error_description ?? res.text.slice(0, 300)}`);
  return res.body.access_token;
}

/**
 * A `getAccessToken` for the product's Graph client in tests: tokens minted through the admin shortcut for `user`,
 * kept per scope set like MSAL's cache, and minted anew when the client asks for a fresh one (after a 401).
 */
export function adminTokenSource(
  endpoints: Endpoints,
  user: string,
  onIssued?: (token: string) => void,
): (scopes: string[], options?: { forceRefresh?: boolean }) => Promise<string> {
  const tokens = new Map<string, string>();
  return async (scopes, options) => {
    const key = scopes.join(' ');
    let token = tokens.get(key);
    if (options?.forceRefresh || token === undefined) {
      token = await adminToken(endpoints, user, scopes);
      tokens.set(key, token);
      onIssued?.(token);
    }
    return token;
  };
}

export interface EmulatorState {
  tenantId: string;
  policy: TenantPolicy;
  users: { id: string; username: string; displayName: string; roles: string[] }[];
  applications: (Record<string, unknown> & { id: string; owners: string[] })[];
  servicePrincipals: (Record<string, unknown> & { id: string; owners: string[] })[];
  oauth2PermissionGrants: (Record<string, unknown> & { id: string })[];
  faults: Faults;
  /** Azure Resource Manager state (subscriptions, sites with config/web and authsettingsV2, roles). */
  arm: { subscriptions: { subscriptionId: string; displayName: string }[]; sites: Record<string, unknown>[]; roles: Record<string, Record<string, string>> };
  /** Power Platform state (environments, connectors without secrets, connections, uploaded blobs). */
  powerPlatform: import('./powerplatform').PowerPlatformState;
  requests: RecordedRequest[];
  criticalPath: number;
}

export function getState(endpoints: Endpoints): Promise<EmulatorState> {
  return admin<EmulatorState>(endpoints, 'GET', '/state');
}

export async function setFaults(endpoints: Endpoints, faults: Faults): Promise<void> {
  await admin(endpoints, 'PUT', '/faults', faults);
}

export async function setPolicy(endpoints: Endpoints, policy: Partial<TenantPolicy>): Promise<void> {
  await admin(endpoints, 'PUT', '/policy', policy);
}

export async function resetEmulator(endpoints: Endpoints): Promise<void> {
  await admin(endpoints, 'POST', '/reset');
}

/** Every client secret and every token/code the tenant handed out since it started (a test observation hook). */
export function getIssued(endpoints: Endpoints): Promise<{ secrets: string[]; tokens: string[] }> {
  return admin(endpoints, 'GET', '/issued');
}

export async function clearRequests(endpoints: Endpoints): Promise<void> {
  await admin(endpoints, 'DELETE', '/requests');
}

export function approveDevice(endpoints: Endpoints, user: string, options: { userCode?: string; consentForOrg?: boolean; decline?: boolean } = {}): Promise<{ approved: number; consentRequired: number; declined: number }> {
  return admin(endpoints, 'POST', '/device/approve', { user, ...options });
}

/** Adds "existing" directory objects (already replicated). Returns them with their ids. */
export function seedObjects(endpoints: Endpoints, objects: { applications?: Record<string, unknown>[]; servicePrincipals?: Record<string, unknown>[]; oauth2PermissionGrants?: Record<string, unknown>[]; owner?: string }): Promise<{ applications: Record<string, unknown>[]; servicePrincipals: Record<string, unknown>[]; oauth2PermissionGrants: Record<string, unknown>[] }> {
  return admin(endpoints, 'POST', '/seed', objects);
}
