/**
 * A small Azure Resource Manager client over `fetch`: bearer from the sign-in service (scope
 * `{armEndpoint}/user_impersonation`, asked for when first needed), the same bounded retry policy and log entry as
 * the Graph client (src/http/policy.ts), errors as `UserFailure` values. See README.md for why not `@azure/arm-appservice`.
 */
import { asAuthFailure } from '../auth/errors';
import { UserFailure } from '../errors';
import { DEFAULT_RETRY, isIdempotent, isRetryableAnswer, networkCode, parseJsonBody, retryDelay, type RequestLog, type RetryPolicy } from '../http/policy';
import { armErrorFrom } from './errors';

export interface ArmClientOptions {
  /** e.g. `https://management.azure.com` or `https://127.0.0.2:PORT/arm`. */
  readonly armEndpoint: string;
  /** A token for exactly these (resource-qualified) scopes; `forceRefresh` after a 401. */
  getAccessToken(scopes: string[], options?: { forceRefresh?: boolean }): Promise<string>;
  readonly fetch?: typeof fetch;
  readonly log?: RequestLog;
  readonly retry?: Partial<RetryPolicy>;
  readonly sleep?: (ms: number) => Promise<void>;
}

export const WEB_API_VERSION = '2022-03-01';
export const SUBSCRIPTIONS_API_VERSION = '2022-12-01';

/** The delegated ARM scope for a cloud: `https://management.azure.com/user_impersonation` in the public cloud. */
export function armScope(armEndpoint: string): string {
  return `${armEndpoint.replace(/\/+$/, '')}/user_impersonation`;
}

export class ArmClient {
  private readonly endpoint: string;
  private readonly retry: RetryPolicy;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly doFetch: typeof fetch;

  constructor(private readonly options: ArmClientOptions) {
    this.endpoint = options.armEndpoint.replace(/\/+$/, '');
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.doFetch = options.fetch ?? ((...args) => fetch(...args));
  }

  /** The scope this client asks tokens for. */
  get scope(): string {
    return armScope(this.endpoint);
  }

  get<T>(path: string, apiVersion: string): Promise<T> {
    return this.request<T>('GET', path, apiVersion);
  }

  patch<T>(path: string, apiVersion: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, apiVersion, body);
  }

  put<T>(path: string, apiVersion: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, apiVersion, body);
  }

  /** Every item of a list, following `nextLink` (which ARM gives as an absolute URL on its own host). */
  async list<T>(path: string, apiVersion: string): Promise<T[]> {
    const out: T[] = [];
    let url: string | undefined = this.url(path, apiVersion);
    for (let pages = 0; url && pages < 1000; pages++) {
      const page: { value?: T[]; nextLink?: string } = await this.send('GET', url);
      out.push(...(page.value ?? []));
      url = page.nextLink ? this.ownUrl(page.nextLink) : undefined;
    }
    return out;
  }

  async request<T>(method: string, path: string, apiVersion: string, body?: unknown): Promise<T> {
    return this.send<T>(method, this.url(path, apiVersion), body);
  }

  private url(path: string, apiVersion: string): string {
    const u = new URL(`${this.endpoint}${path.startsWith('/') ? '' : '/'}${path}`);
    u.searchParams.set('api-version', apiVersion);
    return u.toString();
  }

  /** A nextLink must stay on the configured endpoint: the bearer is never sent anywhere else. */
  private ownUrl(link: string): string {
    const next = new URL(link);
    const base = new URL(this.endpoint);
    if (next.origin !== base.origin || !next.pathname.startsWith(base.pathname.replace(/\/$/, ''))) {
      throw new UserFailure({ code: 'UnexpectedNextLink', status: 0, message: `Azure Resource Manager sent a next-page link to another host (${next.host}).`, next: 'Check the armEndpoint setting; the list was not completed.' });
    }
    return next.toString();
  }

  private async send<T>(method: string, url: string, body?: unknown): Promise<T> {
    const idempotent = isIdempotent(method);
    const path = new URL(url).pathname.slice(new URL(this.endpoint).pathname.replace(/\/$/, '').length);
    let forced = false;
    for (let attempt = 0; ; attempt++) {
      const last = attempt >= this.retry.maxRetries;
      const token = await this.token(forced);
      const started = Date.now();
      let response: Response;
      try {
        response = await this.doFetch(url, {
          method,
          headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          // A followed redirect would carry the bearer to wherever it points.
          redirect: 'manual',
        });
      } catch (error) {
        const code = networkCode(error);
        this.options.log?.({ method, path, status: 0, durationMs: Date.now() - started, networkError: code });
        if (idempotent && !last) {
          await this.sleep(retryDelay(this.retry, attempt, null));
          continue;
        }
        throw new UserFailure({ code: 'NetworkError', status: 0, message: `The connection to Azure Resource Manager failed (${code}).`, next: 'Check your network connection and the armEndpoint setting, then retry.' });
      }
      const requestId = response.headers.get('x-ms-request-id') ?? undefined;
      this.options.log?.({ method, path, status: response.status, durationMs: Date.now() - started, ...(requestId ? { requestId } : {}) });
      if ((response.status >= 300 && response.status < 400) || response.type === 'opaqueredirect') {
        throw new UserFailure({ code: 'RedirectRefused', status: response.status, message: `Azure Resource Manager answered with a redirect (HTTP ${response.status}); it was not followed and no token was sent on.`, next: 'Check the armEndpoint setting.' });
      }
      if (response.status === 401 && !forced) {
        forced = true;
        attempt--;
        continue;
      }
      // For ARM every 409 on a site is "another operation is in progress", which clears.
      if (isRetryableAnswer(response.status, idempotent, true) && !last) {
        await this.sleep(retryDelay(this.retry, attempt, response.headers.get('retry-after')));
        continue;
      }
      const text = await response.text();
      const parsed = parseJsonBody(text);
      if (!response.ok) throw new UserFailure(armErrorFrom(response.status, parsed, requestId));
      return parsed as T;
    }
  }

  private async token(forceRefresh: boolean): Promise<string> {
    try {
      return await this.options.getAccessToken([this.scope], forceRefresh ? { forceRefresh: true } : undefined);
    } catch (error) {
      if (asAuthFailure(error)) throw error;
      throw new UserFailure({ code: 'SignInRequired', status: 0, message: error instanceof Error ? error.message : String(error), next: 'Sign in and retry.' });
    }
  }
}
