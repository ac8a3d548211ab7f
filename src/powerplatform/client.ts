/**
 * The Power Apps and Flow REST APIs that paconn and the Power Apps PowerShell modules use (api-version 2016-11-01):
 * environments, custom connectors, swagger validation, icon storage, connections and their consent links, and the
 * connector runtime. Over `fetch`, with the bearer from an injected token getter; errors as PowerPlatformFailure
 * values with a cause and a next step. Nothing here knows about VS Code. Sources: README.md in this folder.
 */
import { UserFailure } from '../errors';
import { networkCode, parseJsonBody } from '../http/policy';

export const POWER_PLATFORM_API_VERSION = '2016-11-01';

/** Signs in to the Power Apps / Flow APIs (paconn's scope; the Azure CLI client is pre-authorized for it). */
export const POWER_APPS_SCOPE = 'https://service.powerapps.com/.default';
/** Calls a connector through its runtime URL (the connections' API Hub). */
export const API_HUB_SCOPE = 'https://apihub.azure.com/.default';
/** The Azure CLI public client paconn signs in with. */
export const AZURE_CLI_CLIENT_ID = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';

export interface PowerPlatformEndpoints {
  /** e.g. `https://api.powerapps.com`. */
  readonly powerAppsEndpoint: string;
  /** e.g. `https://api.flow.microsoft.com`. */
  readonly flowEndpoint: string;
}

export interface PowerPlatformClientOptions extends PowerPlatformEndpoints {
  /** A token for the Power Apps API (`https://service.powerapps.com/.default`). */
  readonly powerAppsToken: () => Promise<string>;
  /** A token for the connector runtime (`https://apihub.azure.com/.default`); only test-connection needs it. */
  readonly apiHubToken?: () => Promise<string>;
  readonly fetch?: typeof fetch;
}

export interface Environment {
  readonly name: string;
  readonly displayName: string;
  readonly isDefault: boolean;
}

export interface ConnectorResource {
  readonly name: string;
  readonly properties: Record<string, unknown> & {
    displayName?: string;
    changedTime?: string;
    primaryRuntimeUrl?: string;
    connectionParameters?: Record<string, { oAuthSettings?: { clientId?: string; redirectUrl?: string; redirectMode?: string } }>;
  };
}

export interface ConnectionResource {
  readonly name: string;
  readonly properties: { statuses?: { status: string; target?: string; error?: { code?: string; message?: string } }[] };
}

/** A failed Power Platform call: what went wrong and what to do next. Never carries a token or a secret. */
export class PowerPlatformFailure extends UserFailure {
  constructor(code: string, status: number, message: string, next: string) {
    super({ code, message, next, status });
  }
}

function nextStepFor(status: number, code: string): string {
  if (status === 401) return 'Sign in again (the Power Platform token was refused), then retry.';
  if (status === 403 && /environment/i.test(code)) return 'Pick an environment you are a maker in (the default environment works for everyone), or ask its administrator for the Environment Maker role.';
  if (status === 403) return 'Ask the environment’s administrator for access, then retry.';
  if (status === 404) return 'Check the environment and the connector ID (settings.json); the connector may have been deleted in the maker portal.';
  if (status === 400) return 'Fix what the message names in apiProperties.json or the swagger, then deploy again.';
  if (status === 429 || status >= 500) return 'The service is busy or unavailable; retry in a minute.';
  return 'Retry; if it keeps failing, check the Power Platform endpoints of your cloud.';
}

export class PowerPlatformClient {
  private readonly doFetch: typeof fetch;
  private readonly powerApps: string;
  private readonly flow: string;

  constructor(private readonly options: PowerPlatformClientOptions) {
    this.doFetch = options.fetch ?? ((...args) => fetch(...args));
    this.powerApps = options.powerAppsEndpoint.replace(/\/+$/, '');
    this.flow = options.flowEndpoint.replace(/\/+$/, '');
  }

  /** Environments the signed-in user may use, the default first (Flow's list, as paconn reads it). */
  async listEnvironments(): Promise<Environment[]> {
    const page = await this.send<{ value?: { name: string; properties?: { displayName?: string; isDefault?: boolean } }[] }>('GET', `${this.flow}/providers/Microsoft.ProcessSimple/environments`);
    const list = (page?.value ?? []).map((e) => ({ name: e.name, displayName: e.properties?.displayName ?? e.name, isDefault: e.properties?.isDefault === true }));
    return [...list.filter((e) => e.isDefault), ...list.filter((e) => !e.isDefault)];
  }

  /** Problems the platform finds in the swagger: an empty list when it passes. */
  async validateSwagger(objectId: string, swagger: unknown): Promise<{ errors: string[]; warnings: string[] }> {
    try {
      const answer = await this.send<{ error?: { message?: string } } | undefined>('POST', this.objectUrl(objectId, 'validateApiSwagger'), swagger);
      return splitValidation(answer?.error?.message);
    } catch (error) {
      if (error instanceof PowerPlatformFailure && error.status === 400) return splitValidation(error.message);
      throw error;
    }
  }

  /** A container SAS URL the icon can be uploaded to. */
  async generateResourceStorage(objectId: string, environment: string): Promise<string> {
    const r = await this.send<{ sharedAccessSignature?: string }>('POST', this.objectUrl(objectId, 'generateResourceStorage'), { environment: { name: environment } });
    if (!r?.sharedAccessSignature) throw new PowerPlatformFailure('NoStorage', 0, 'Power Platform gave no storage for the icon.', 'Retry the deployment.');
    return r.sharedAccessSignature;
  }

  /** Uploads a file next to the SAS container; returns its URL (with the SAS), what becomes `iconUri`. */
  async uploadBlob(sasUrl: string, fileName: string, bytes: Uint8Array, contentType: string): Promise<string> {
    const sas = new URL(sasUrl);
    const url = `${sas.origin}${sas.pathname.replace(/\/+$/, '')}/${encodeURIComponent(fileName)}${sas.search}`;
    let response: Response;
    try {
      response = await this.doFetch(url, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob', 'content-type': contentType }, body: new Blob([new Uint8Array(bytes)]) });
    } catch (error) {
      throw new PowerPlatformFailure('NetworkError', 0, `The icon upload failed (${networkCode(error)}).`, 'Check your network connection and retry.');
    }
    if (!response.ok) {
      const text = await response.text();
      const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? String(response.status);
      throw new PowerPlatformFailure(code, response.status, `The icon upload was refused (${code}).`, 'Retry the deployment; the storage link may have expired.');
    }
    return url;
  }

  listConnectors(environment: string): Promise<ConnectorResource[]> {
    return this.send<{ value?: ConnectorResource[] }>('GET', this.apisUrl(environment)).then((r) => r?.value ?? []);
  }

  async getConnector(environment: string, connectorId: string): Promise<ConnectorResource | undefined> {
    try {
      return await this.send<ConnectorResource>('GET', this.apisUrl(environment, `/${encodeURIComponent(connectorId)}`));
    } catch (error) {
      if (error instanceof PowerPlatformFailure && error.status === 404) return undefined;
      throw error;
    }
  }

  /** POST: not safe to retry (a lost answer would make a second connector), so it never is. */
  createConnector(environment: string, body: unknown): Promise<ConnectorResource> {
    return this.send<ConnectorResource>('POST', this.apisUrl(environment), body);
  }

  updateConnector(environment: string, connectorId: string, body: unknown): Promise<ConnectorResource> {
    return this.send<ConnectorResource>('PATCH', this.apisUrl(environment, `/${encodeURIComponent(connectorId)}`), body);
  }

  createConnection(environment: string, connectorId: string, connectionName: string): Promise<ConnectionResource> {
    return this.send<ConnectionResource>('PUT', this.apisUrl(environment, `/${encodeURIComponent(connectorId)}/connections/${encodeURIComponent(connectionName)}`), {
      properties: { environment: { id: `/providers/Microsoft.PowerApps/environments/${environment}`, name: environment }, connectionParameters: {} },
    });
  }

  getConnection(environment: string, connectorId: string, connectionName: string): Promise<ConnectionResource> {
    return this.send<ConnectionResource>('GET', this.apisUrl(environment, `/${encodeURIComponent(connectorId)}/connections/${encodeURIComponent(connectionName)}`));
  }

  /** Deletes a connection of the signed-in user (as the Power Apps PowerShell module's Remove-PowerAppConnection). */
  async deleteConnection(environment: string, connectorId: string, connectionName: string): Promise<void> {
    await this.send('DELETE', this.apisUrl(environment, `/${encodeURIComponent(connectorId)}/connections/${encodeURIComponent(connectionName)}`));
  }

  async getConsentLink(environment: string, connectorId: string, connectionName: string, redirectUrl: string): Promise<string> {
    const r = await this.send<{ consentLink?: string }>('POST', this.apisUrl(environment, `/${encodeURIComponent(connectorId)}/connections/${encodeURIComponent(connectionName)}/getConsentLink`), { redirectUrl });
    if (!r?.consentLink) throw new PowerPlatformFailure('NoConsentLink', 0, 'Power Platform gave no sign-in link for the connection.', 'Retry; if it persists, create the connection in the maker portal.');
    return r.consentLink;
  }

  async confirmConsentCode(environment: string, connectorId: string, connectionName: string, code: string): Promise<void> {
    await this.send('POST', this.apisUrl(environment, `/${encodeURIComponent(connectorId)}/connections/${encodeURIComponent(connectionName)}/confirmConsentCode`), { code });
  }

  /**
   * Asks for the connector runtime's token now (e.g. while the user signs in to a connection), so that the call through
   * the connector does not wait for it; a failure here is reported by that call.
   */
  prepareRuntimeCall(): void {
    this.options.apiHubToken?.().catch(() => undefined);
  }

  /** A GET through the connector's runtime URL (the call an app or flow makes): status and the answer's first bytes. */
  async callThroughConnector(runtimeUrl: string, connectionName: string, path: string, maxBytes = 200): Promise<{ status: number; firstBytes: string }> {
    if (!this.options.apiHubToken) throw new PowerPlatformFailure('NoToken', 0, 'No sign-in for the connector runtime.', 'Sign in and retry.');
    const runtime = new URL(runtimeUrl);
    const powerApps = new URL(this.powerApps);
    // The bearer only goes to a runtime on the configured cloud's hosts (the emulator: the same origin).
    if (runtime.protocol !== 'https:' || !(runtime.origin === powerApps.origin || runtime.hostname.endsWith('.azure-apim.net') || runtime.hostname.endsWith('.azure-apim.us') || runtime.hostname.endsWith('.azure-apihub.cn'))) {
      throw new PowerPlatformFailure('UnexpectedRuntimeUrl', 0, `The connector's runtime URL ${runtime.origin} is not a Power Platform host.`, 'Check the Power Platform endpoints of your cloud.');
    }
    const url = `${runtimeUrl.replace(/\/+$/, '')}/${encodeURIComponent(connectionName)}${path.startsWith('/') ? '' : '/'}${path}`;
    let response: Response;
    try {
      response = await this.doFetch(url, { headers: { authorization: `Bearer ${await this.options.apiHubToken()}`, accept: 'application/json' } });
    } catch (error) {
      throw new PowerPlatformFailure('NetworkError', 0, `The call through the connector failed (${networkCode(error)}).`, 'Check your network connection and retry.');
    }
    const text = await response.text();
    return { status: response.status, firstBytes: text.slice(0, maxBytes) };
  }

  private objectUrl(objectId: string, action: string): string {
    return `${this.powerApps}/providers/Microsoft.PowerApps/objectIds/${encodeURIComponent(objectId)}/${action}?api-version=${POWER_PLATFORM_API_VERSION}`;
  }

  private apisUrl(environment: string, rest = ''): string {
    const u = new URL(`${this.powerApps}/providers/Microsoft.PowerApps/apis${rest}`);
    u.searchParams.set('api-version', POWER_PLATFORM_API_VERSION);
    u.searchParams.set('$filter', `environment eq '${environment}'`);
    return u.toString();
  }

  private async send<T>(method: string, url: string, body?: unknown): Promise<T> {
    const token = await this.options.powerAppsToken();
    let response: Response;
    try {
      response = await this.doFetch(url.includes('api-version=') ? url : `${url}?api-version=${POWER_PLATFORM_API_VERSION}`, {
        method,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new PowerPlatformFailure('NetworkError', 0, `The connection to Power Platform failed (${networkCode(error)}).`, 'Check your network connection and the Power Platform endpoints of your cloud, then retry.');
    }
    const text = await response.text();
    const parsed = parseJsonBody(text);
    if (!response.ok) {
      const err = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
      const code = err?.code ?? String(response.status);
      throw new PowerPlatformFailure(code, response.status, err?.message ?? `Power Platform answered ${response.status}.`, nextStepFor(response.status, code));
    }
    return parsed as T;
  }
}

/** paconn's reading of the validation answer: `error.message`, one "Error : …" / "Warning : …" per line. */
function splitValidation(message: string | undefined): { errors: string[]; warnings: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];
  for (const line of (message ?? '').split(/\r?\n/)) {
    const m = /(Error|Warning)\s*:\s*(.+)$/.exec(line);
    if (!m) continue;
    (m[1] === 'Error' ? errors : warnings).push(m[2]!.trim());
  }
  if (message && errors.length === 0 && warnings.length === 0 && /not valid/i.test(message)) errors.push(message);
  return { errors, warnings };
}
