/**
 * The Microsoft Graph client: `@microsoft/microsoft-graph-client` with our own middleware chain, so it works against
 * any configured endpoint (sovereign clouds, the emulated tenant) exactly like against graph.microsoft.com.
 *
 * Chain: retry → auth → logging → HTTP. Retry is outermost so that every attempt gets a current token and is logged.
 */
import { Client, type Context, type Middleware } from '@microsoft/microsoft-graph-client';
import { SIGN_IN_REQUIRED } from '../auth/errors';
import { asUserFailure, describeError } from '../errors';
import { DEFAULT_RETRY, isIdempotent, isRetryableAnswer, networkCode, retryDelay, type RequestLog, type RequestLogEntry, type RetryPolicy } from '../http/policy';

export interface GetAccessTokenOptions {
  /** The previous token was rejected (401): do not hand out the same one from a cache. */
  readonly forceRefresh?: boolean;
}

export interface GraphClientOptions {
  /** e.g. `https://graph.microsoft.com` or `https://127.0.0.2:PORT/graph`; requests go to `${graphEndpoint}/v1.0/...`. */
  readonly graphEndpoint: string;
  /** Returns a bearer token for exactly these (resource-qualified) scopes. */
  getAccessToken(scopes: string[], options?: GetAccessTokenOptions): Promise<string>;
  readonly log?: RequestLog;
  readonly fetch?: typeof fetch;
  /** Resource that scopes are qualified with; default the Graph endpoint itself (`https://graph.microsoft.com/User.Read`). */
  readonly scopeResource?: string;
  /** Retry policy; defaults suit interactive use. */
  readonly retry?: Partial<RetryPolicy>;
  /** Injectable for tests of backoff. */
  readonly sleep?: (ms: number) => Promise<void>;
}


/** The Graph permissions the product asks for, narrowest per operation. */
export const GraphPermission = {
  apps: 'Application.ReadWrite.All',
  grants: 'DelegatedPermissionGrant.ReadWrite.All',
  user: 'User.Read',
} as const;

/**
 * Per-request scope override (`.middlewareOptions([new GraphScopes([...])])`), for requests whose path does not tell
 * (e.g. `$batch`). Names are unqualified (`Application.ReadWrite.All`).
 */
export class GraphScopes {
  constructor(readonly names: readonly string[]) {}
}

/** The permission a request needs, from its path. */
export function permissionForPath(path: string): string {
  const p = path.replace(/^\/(v1\.0|beta)/, '');
  if (/^\/oauth2PermissionGrants/i.test(p) || /\/oauth2PermissionGrants/i.test(p)) return GraphPermission.grants;
  if (/^\/(me|organization|domains|policies\/authorizationPolicy)(\/|\?|$)/i.test(p)) return GraphPermission.user;
  return GraphPermission.apps;
}

export function qualifyScopes(names: readonly string[], resource = 'https://graph.microsoft.com'): string[] {
  return names.map((n) => (n.includes('://') ? n : `${resource.replace(/\/$/, '')}/${n}`));
}

function urlOf(request: RequestInfo): URL {
  return new URL(typeof request === 'string' ? request : request.url);
}

function methodOf(context: Context): string {
  return (context.options?.method ?? (typeof context.request === 'string' ? 'GET' : context.request.method)).toUpperCase();
}

function setHeader(context: Context, name: string, value: string): void {
  const options = (context.options ??= {});
  const headers = options.headers;
  if (headers instanceof Headers) headers.set(name, value);
  else if (Array.isArray(headers)) {
    const kept = headers.filter(([k]) => k.toLowerCase() !== name.toLowerCase());
    options.headers = [...kept, [name, value]];
  } else {
    const kept = Object.fromEntries(Object.entries(headers ?? {}).filter(([k]) => k.toLowerCase() !== name.toLowerCase()));
    options.headers = { ...kept, [name]: value };
  }
}

abstract class Link implements Middleware {
  protected next?: Middleware;
  setNext(next: Middleware): void {
    this.next = next;
  }
  protected async forward(context: Context): Promise<void> {
    if (!this.next) throw new Error('Graph middleware chain is incomplete.');
    await this.next.execute(context);
  }
  abstract execute(context: Context): Promise<void>;
}

/** Error name (and DirectoryError code) of a request this client refused to send with the bearer. */
export const FOREIGN_HOST = 'ForeignHost';
/** Error name of a redirect this client did not follow. */
export const REDIRECT_REFUSED = 'RedirectRefused';

/** True when `url` is on the configured Graph endpoint (same origin, under its path). */
export function isOnEndpoint(url: URL, endpoint: string): boolean {
  const base = new URL(endpoint.replace(/\/+$/, '') + '/');
  return url.origin === base.origin && url.pathname.startsWith(base.pathname);
}

/**
 * Adds the bearer for the scopes the request needs; on one 401 asks for a fresh token and tries once more. A request
 * to any other host than the configured Graph endpoint (an `@odata.nextLink` pointing elsewhere, an absolute URL from
 * a response) is refused before a token is even asked for: the bearer never leaves Graph.
 */
export class AuthMiddleware extends Link {
  constructor(
    private readonly getAccessToken: GraphClientOptions['getAccessToken'],
    private readonly scopeResource: string,
    private readonly graphEndpoint: string,
  ) {
    super();
  }
  async execute(context: Context): Promise<void> {
    const target = urlOf(context.request);
    if (!isOnEndpoint(target, this.graphEndpoint)) {
      const refused = new Error(`Microsoft Graph answered with a link to another host (${target.host}); it was not followed and no token was sent there. Check the graphEndpoint setting.`);
      refused.name = FOREIGN_HOST;
      throw Object.assign(refused, { code: FOREIGN_HOST });
    }
    const override = context.middlewareControl?.getMiddlewareOptions(GraphScopes) as GraphScopes | undefined;
    const names = override?.names ?? [permissionForPath(urlOf(context.request).pathname.replace(/^.*?\/(v1\.0|beta)\//, '/'))];
    const scopes = qualifyScopes(names, this.scopeResource);
    setHeader(context, 'Authorization', `Bearer ${await this.token(scopes)}`);
    await this.forward(context);
    if (context.response?.status === 401) {
      setHeader(context, 'Authorization', `Bearer ${await this.token(scopes, { forceRefresh: true })}`);
      await this.forward(context);
    }
  }
  /** A sign-in failure keeps its sentence; the Graph client keeps only an error's name and message. */
  private async token(scopes: string[], options?: GetAccessTokenOptions): Promise<string> {
    try {
      return await this.getAccessToken(scopes, options);
    } catch (error) {
      const failure = asUserFailure(error);
      const wrapped = new Error(failure ? describeError(failure) : error instanceof Error ? error.message : String(error), { cause: error });
      wrapped.name = SIGN_IN_REQUIRED;
      throw wrapped;
    }
  }
}

/**
 * Retries throttling and transient failures with the shared policy (src/http/policy.ts); for Graph a 409 is
 * transient only when it is `Directory_ConcurrencyViolation`. `$batch` of reads counts as idempotent.
 */
export class RetryMiddleware extends Link {
  constructor(
    private readonly policy: RetryPolicy,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {
    super();
  }

  async execute(context: Context): Promise<void> {
    const method = methodOf(context);
    const idempotent = isIdempotent(method) || isBatchOfReads(context);
    for (let attempt = 0; ; attempt++) {
      let failure: unknown;
      try {
        context.response = undefined;
        await this.forward(context);
      } catch (error) {
        failure = error;
      }
      const last = attempt >= this.policy.maxRetries;
      if (failure !== undefined) {
        // A refused or cancelled sign-in is the user's answer: asking again would show the same prompt twice. A refused
        // host or redirect would be refused again.
        if (!idempotent || last || isSignInFailure(failure) || isRefusal(failure)) throw failure;
        await this.sleep(retryDelay(this.policy, attempt, undefined));
        continue;
      }
      const response = context.response as Response | undefined;
      if (!response || last) return;
      const conflict = idempotent && response.status === 409 && (await isConcurrencyViolation(response));
      if (!isRetryableAnswer(response.status, idempotent, conflict)) return;
      await this.sleep(retryDelay(this.policy, attempt, response.headers.get('Retry-After')));
    }
  }
}

function isRefusal(error: unknown): boolean {
  return error instanceof Error && (error.name === FOREIGN_HOST || error.name === REDIRECT_REFUSED);
}

function isSignInFailure(error: unknown): boolean {
  return error instanceof Error && error.name === SIGN_IN_REQUIRED;
}

function isBatchOfReads(context: Context): boolean {
  if (methodOf(context) !== 'POST' || !urlOf(context.request).pathname.endsWith('/$batch')) return false;
  const body = context.options?.body;
  if (typeof body !== 'string') return false;
  try {
    const parsed = JSON.parse(body) as { requests?: { method?: string }[] };
    return !!parsed.requests?.every((r) => (r.method ?? 'GET').toUpperCase() === 'GET');
  } catch {
    return false;
  }
}

async function isConcurrencyViolation(response: Response): Promise<boolean> {
  try {
    const body = (await response.clone().json()) as { error?: { code?: string } };
    return body.error?.code === 'Directory_ConcurrencyViolation';
  } catch {
    return false;
  }
}

/** Logs method, path, status, request-id and duration of every attempt. Nothing else. */
export class LoggingMiddleware extends Link {
  constructor(
    private readonly log: RequestLog,
    private readonly now: () => number = () => Date.now(),
  ) {
    super();
  }
  async execute(context: Context): Promise<void> {
    const started = this.now();
    const url = urlOf(context.request);
    const method = methodOf(context);
    const path = decodeURIComponent(url.pathname.replace(/^.*?\/(v1\.0|beta)\//, '/'));
    try {
      await this.forward(context);
    } catch (error) {
      this.log({ method, path, status: 0, durationMs: this.now() - started, networkError: networkCode(error) });
      throw error;
    }
    const response = context.response as Response | undefined;
    const requestId = response?.headers.get('request-id') ?? undefined;
    const entry: RequestLogEntry = { method, path, status: response?.status ?? 0, durationMs: this.now() - started };
    this.log(requestId ? { ...entry, requestId } : entry);
  }
}

/**
 * The last link: performs the request with the injected fetch. A failure without an answer is rethrown with the
 * network code as its `name`, because the Graph client keeps only an error's name and message. Redirects are not
 * followed (a redirect would carry the Authorization header to wherever it points): a 3xx is an error.
 */
export class FetchHandler implements Middleware {
  constructor(private readonly doFetch: typeof fetch) {}
  async execute(context: Context): Promise<void> {
    let response: Response;
    try {
      response = await this.doFetch(context.request, { ...(context.options as RequestInit), redirect: 'manual' });
    } catch (error) {
      const code = networkCode(error);
      const wrapped = new Error(`The connection to Microsoft Graph failed (${code}).`, { cause: error });
      wrapped.name = code;
      throw Object.assign(wrapped, { code });
    }
    if ((response.status >= 300 && response.status < 400) || response.type === 'opaqueredirect') {
      const refused = new Error(`Microsoft Graph answered with a redirect (HTTP ${response.status}); it was not followed. Check the graphEndpoint setting.`);
      refused.name = REDIRECT_REFUSED;
      throw Object.assign(refused, { code: REDIRECT_REFUSED });
    }
    context.response = response;
  }
}

/** Builds a Graph `Client` over the configured endpoint. Requests go to `${graphEndpoint}/v1.0/...`. */
export function createGraphClient(options: GraphClientOptions): Client {
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const chain: Middleware[] = [
    new RetryMiddleware(retry, sleep),
    new AuthMiddleware(options.getAccessToken, options.scopeResource ?? options.graphEndpoint.replace(/\/$/, ''), options.graphEndpoint),
    new LoggingMiddleware(options.log ?? (() => undefined)),
    new FetchHandler(options.fetch ?? ((...args) => fetch(...args))),
  ];
  return Client.initWithMiddleware({
    baseUrl: `${options.graphEndpoint.replace(/\/$/, '')}/`,
    defaultVersion: 'v1.0',
    middleware: chain,
  });
}
