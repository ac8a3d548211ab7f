import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { aadstsNumber } from './aadsts';

/** The error fields of an OAuth error response (never the request, never a token). */
export interface OAuthErrorBody {
  readonly error: string;
  readonly error_description?: string;
  readonly suberror?: string;
}

type Recorded = { kind: 'oauth'; body: OAuthErrorBody } | { kind: 'network'; error: unknown };

/**
 * MSAL's HTTP client, on fetch. MSAL drops the server's error description in the device-code flow and the cause of
 * network errors everywhere; this client keeps the last failure per correlation ID so that the user can be told
 * what actually happened (AADSTS code, refused connection, untrusted certificate). Logs method, path and status only.
 */
export class SignInNetwork implements INetworkModule {
  private readonly failures = new Map<string, Recorded>();
  private last: Recorded | undefined;

  constructor(
    private readonly fetchImpl: typeof fetch,
    private readonly log?: (line: string) => void,
  ) {}

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  /** The recorded failure of an MSAL call (by its correlation ID, else the latest one), removed once read. */
  take(correlationId: unknown): Recorded | undefined {
    const byId = typeof correlationId === 'string' ? this.failures.get(correlationId) : undefined;
    const found = byId ?? this.last;
    if (typeof correlationId === 'string') this.failures.delete(correlationId);
    this.last = undefined;
    return found;
  }

  private record(correlationId: string | undefined, failure: Recorded): void {
    this.last = failure;
    if (correlationId) this.failures.set(correlationId, failure);
    // Bounded: failures are read right after the call that made them.
    if (this.failures.size > 20) this.failures.delete(this.failures.keys().next().value as string);
  }

  private async send<T>(method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    const started = Date.now();
    const path = new URL(url).pathname;
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        method,
        headers: options?.headers ?? {},
        ...(method === 'POST' ? { body: options?.body ?? '' } : {}),
        ...(timeout ? { signal: AbortSignal.timeout(timeout) } : {}),
        // A followed redirect would carry an authorization code or a refresh token to wherever it points.
        redirect: 'manual',
      });
    } catch (error) {
      this.record(options?.correlationId, { kind: 'network', error });
      this.log?.(`Sign-in ${method} ${path} → no answer (${Date.now() - started} ms)`);
      throw error;
    }
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => {
      headers[key] = value;
    });
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      body = {};
    }
    const oauth = body as Partial<OAuthErrorBody> | null;
    const error = oauth && typeof oauth.error === 'string' ? oauth.error : undefined;
    if (error && error !== 'authorization_pending') {
      this.record(options?.correlationId, {
        kind: 'oauth',
        body: {
          error,
          ...(typeof oauth?.error_description === 'string' ? { error_description: oauth.error_description } : {}),
          ...(typeof oauth?.suberror === 'string' ? { suberror: oauth.suberror } : {}),
        },
      });
    }
    if (error !== 'authorization_pending') {
      const code = aadstsNumber(String(oauth?.error_description ?? ''));
      const aadsts = error ? ` ${error}${code ? ` AADSTS${code}` : ''}` : '';
      this.log?.(`Sign-in ${method} ${path} → ${response.status}${aadsts} (${Date.now() - started} ms)`);
    }
    return { headers, body: body as T, status: response.status };
  }
}
