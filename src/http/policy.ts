/**
 * What the Graph client (src/graph/client.ts) and the ARM client (src/service/arm.ts) share: one bounded retry
 * policy honouring Retry-After, one log entry per HTTP attempt, and one log line for it. Knows nothing of VS Code.
 *
 * Retry rules (Microsoft Graph throttling guidance, https://learn.microsoft.com/graph/throttling, and ARM's,
 * https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling): a 429 was
 * not executed, so it is retried for every method after Retry-After; 503/504 and lost connections only for
 * idempotent methods. A POST that may have been executed is never repeated: callers reconcile (look up, then
 * create) instead.
 */

export interface RetryPolicy {
  /** Attempts after the first. */
  readonly maxRetries: number;
  /** Base delay when the server gives no Retry-After (doubled per attempt). */
  readonly baseDelayMs: number;
  /** Upper bound of any one wait, including a server's Retry-After. */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 4, baseDelayMs: 1000, maxDelayMs: 30_000 };

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export function isIdempotent(method: string): boolean {
  return IDEMPOTENT.has(method.toUpperCase());
}

/**
 * Whether an answer is worth another attempt. `conflictIsTransient`: the service said the 409 is a concurrent
 * change that will clear (Graph's `Directory_ConcurrencyViolation`, ARM's "another operation is in progress").
 */
export function isRetryableAnswer(status: number, idempotent: boolean, conflictIsTransient = false): boolean {
  if (status === 429) return true;
  if (!idempotent) return false;
  return status === 503 || status === 504 || (status === 409 && conflictIsTransient);
}

/** The wait before attempt `attempt + 1`: the server's Retry-After (seconds) when given, else exponential; bounded. */
export function retryDelay(policy: RetryPolicy, attempt: number, retryAfter: string | null | undefined): number {
  const seconds = retryAfter ? Number(retryAfter) : NaN;
  const ms = Number.isFinite(seconds) ? seconds * 1000 : policy.baseDelayMs * 2 ** attempt;
  return Math.min(Math.max(ms, 0), policy.maxDelayMs);
}

/** One HTTP attempt. Never carries a token, an Authorization header or a body. */
export interface RequestLogEntry {
  readonly method: string;
  /** Resource path, without the endpoint. */
  readonly path: string;
  /** HTTP status, 0 when the attempt got no answer. */
  readonly status: number;
  readonly requestId?: string;
  readonly durationMs: number;
  /** Set when the attempt failed without an HTTP answer (connection reset, DNS). */
  readonly networkError?: string;
}

export type RequestLog = (entry: RequestLogEntry) => void;

/**
 * The log line of one attempt: service, method, path, status, request-id, duration. The query is dropped
 * (`$filter`/`$search` can hold what the user typed). `problem` marks lines to log as warnings.
 */
export function requestLogLine(service: 'Graph' | 'ARM', entry: RequestLogEntry): { line: string; problem: boolean } {
  const q = entry.path.indexOf('?');
  const path = q < 0 ? entry.path : `${entry.path.slice(0, q)}?…`;
  const outcome = entry.networkError ? `network error (${entry.networkError})` : String(entry.status);
  return {
    line: `${service} ${entry.method} ${path} → ${outcome} request-id ${entry.requestId ?? '-'} ${Math.round(entry.durationMs)} ms`,
    problem: !!entry.networkError || entry.status >= 400,
  };
}

/** The network error code of a failed fetch (`ECONNRESET`, `UND_ERR_SOCKET`…), or `NetworkError` when none is given. */
export function networkCode(error: unknown): string {
  return (error as { cause?: { code?: string } }).cause?.code ?? (error as { code?: string }).code ?? 'NetworkError';
}

/** A response body as JSON; undefined when it is empty or not JSON (the caller reports the status). */
export function parseJsonBody(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}
