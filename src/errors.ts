/**
 * The one error type of the product: a failure the user can act on. Every layer (sign-in, settings, Graph, ARM,
 * connector files, the setup engine, the CLI) throws a {@link UserFailure} whose value says what happened in one
 * sentence and what to do next, so every surface (notification, tree, wizard, CLI) shows the same two sentences.
 * Nothing here ever carries a token, a secret or a request body. Knows nothing of VS Code.
 */

export interface UserError {
  /** Stable code: Graph's (`Authorization_RequestDenied`), ARM's (`AuthorizationFailed`), an AADSTS code or our own. */
  readonly code: string;
  /** One sentence with the cause. */
  readonly message: string;
  /** What the user can do about it. */
  readonly next: string;
  /** HTTP status of the answer that failed; 0 when the request never got one. */
  readonly status?: number;
  /** The service's request id (`request-id`, `x-ms-request-id`), to quote to support. */
  readonly requestId?: string;
}

export class UserFailure<E extends UserError = UserError> extends Error {
  readonly code: string;
  readonly next: string;
  readonly status?: number;
  readonly requestId?: string;

  constructor(
    /** The value, with any extra fields its layer adds (the setting to open, the role to ask for…). */
    readonly error: E,
    options?: ErrorOptions,
  ) {
    super(error.message, options);
    this.name = 'UserFailure';
    this.code = error.code;
    this.next = error.next;
    if (error.status !== undefined) this.status = error.status;
    if (error.requestId !== undefined) this.requestId = error.requestId;
  }
}

/** Throws a {@link UserFailure} built from its parts. */
export function fail(code: string, message: string, next: string, extra: Partial<UserError> = {}): never {
  throw new UserFailure({ ...extra, code, message, next });
}

/**
 * The failure inside anything thrown, or undefined. Matches by name as well as by class, because a dynamically
 * imported chunk of the bundle may hold its own copy of the class.
 */
export function asUserFailure(thrown: unknown): UserFailure | undefined {
  if (thrown instanceof UserFailure) return thrown;
  if (thrown instanceof Error && thrown.name === 'UserFailure' && typeof (thrown as { error?: unknown }).error === 'object') return thrown as UserFailure;
  return undefined;
}

/** The cause and the next step as one line, for a notification or a log. */
export function describeError(error: Pick<UserError, 'message' | 'next'>): string {
  return error.next ? `${error.message} ${error.next}` : error.message;
}

/** Network error codes of Node, undici and our ARM client: the request may never have reached the service. */
const NETWORK_CODE = /^(E[A-Z]+|UND_ERR|NetworkError$)/;
/** Statuses that say "try again later": timeout, throttling, server trouble. */
const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/**
 * Worth trying again (and, for a view, worth showing the last known state marked stale): lost connections,
 * throttling, server trouble and Graph's concurrency conflict. Not refusals, bad input, sign-in or our own bugs.
 */
export function isTransient(error: Pick<UserError, 'code' | 'status'>): boolean {
  const status = error.status ?? 0;
  if (status === 0) return NETWORK_CODE.test(error.code);
  return TRANSIENT_STATUS.has(status) || error.code === 'Directory_ConcurrencyViolation';
}
