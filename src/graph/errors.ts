/**
 * Graph and Entra (AADSTS) failures as values: a stable code, the HTTP status, a sentence with the cause and the
 * next step the user can take. Nothing here ever carries a token, a secret or a request body.
 */
import { AADSTS_CODES, aadstsNumber } from '../auth/aadsts';

export interface DirectoryError {
  /** Graph error code (`Authorization_RequestDenied`), detail code (`NoBackingApplicationObject`) or `AADSTS65001`. */
  readonly code: string;
  /** HTTP status, 0 when the request never got an answer. */
  readonly status: number;
  /** One sentence with the cause. */
  readonly message: string;
  /** What the user can do about it. */
  readonly next: string;
  /** Graph `request-id`, to quote to support. */
  readonly requestId?: string;
}

/** Thrown by operations and steps so callers can `catch` and still get a value; see {@link toDirectoryError}. */
export class DirectoryFailure extends Error {
  constructor(readonly error: DirectoryError) {
    super(error.message);
    this.name = 'DirectoryFailure';
  }
}

interface Known {
  readonly message: string;
  readonly next: string;
}

const GRAPH_CODES: Record<string, Known> = {
  Authorization_RequestDenied: {
    message: 'Microsoft Entra ID refused the change: the signed-in account lacks the directory role or permission it needs.',
    next: 'Sign in with an account that may register applications (Application Developer or Application Administrator), or ask an administrator to run this step.',
  },
  InvalidAuthenticationToken: {
    message: 'The sign-in token was rejected (expired, revoked or for another tenant).',
    next: 'Sign in again and retry; the setup continues where it stopped.',
  },
  Authentication_ExpiredToken: {
    message: 'The sign-in token has expired.',
    next: 'Sign in again and retry; the setup continues where it stopped.',
  },
  Request_ResourceNotFound: {
    message: 'The directory object was not found (it was deleted, or it was created moments ago and has not replicated yet).',
    next: 'Wait a minute and retry; if it persists, check that the object still exists in the Entra admin center.',
  },
  NoBackingApplicationObject: {
    message: 'The service principal could not be created because its application is not visible yet (directory replication).',
    next: 'Wait a minute and retry; the setup continues where it stopped.',
  },
  Directory_ConcurrencyViolation: {
    message: 'Another change to the same directory object was being made at the same time.',
    next: 'Retry; the setup continues where it stopped.',
  },
  CannotDeleteOrUpdateEnabledEntitlement: {
    message: 'A permission scope that is enabled cannot be changed or removed in one step.',
    next: 'Disable the scope first (isEnabled: false), save, then change or remove it.',
  },
  CredentialInvalidLifetimeAsPerAppPolicy: {
    message: "The client secret's lifetime is longer than the tenant's application policy allows.",
    next: 'Choose a shorter secret lifetime (for example --secret-days 90) or ask an administrator which maximum the policy sets.',
  },
  TooManyRequests: {
    message: 'Microsoft Graph is throttling requests from this account.',
    next: 'Wait a minute and retry; the setup continues where it stopped.',
  },
  ServiceUnavailable: {
    message: 'Microsoft Graph is temporarily unavailable.',
    next: 'Retry in a few minutes; the setup continues where it stopped.',
  },
  Request_BadRequest: {
    message: 'Microsoft Graph rejected the request as invalid.',
    next: 'Check the values entered for this step (names, URIs, scope) and retry.',
  },
  ObjectConflict: {
    message: 'An object with the same unique value already exists in the directory.',
    next: 'Pick another value (for example another Application ID URI) or reuse the existing application.',
  },
  HostNameNotOnVerifiedDomain: {
    message: 'The Application ID URI uses a host that is not a verified domain of this tenant.',
    next: 'Use api://{appId}, api://{tenantId}/{name} or a URI on one of the tenant’s verified domains.',
  },
};

/** The AADSTS codes, from the one table (src/auth/aadsts.ts), keyed `AADSTS<number>`. */
const AADSTS: Record<string, Known> = Object.fromEntries(Object.entries(AADSTS_CODES).map(([n, e]) => [`AADSTS${n}`, { message: e.message, next: e.next }]));

function aadstsOf(text: string): string | undefined {
  const n = aadstsNumber(text);
  return n ? `AADSTS${n}` : undefined;
}

/** Statuses that have a sensible fallback wording when the code is unknown. */
function byStatus(status: number): Known | undefined {
  if (status === 401) return GRAPH_CODES.InvalidAuthenticationToken;
  if (status === 403) return GRAPH_CODES.Authorization_RequestDenied;
  if (status === 404) return GRAPH_CODES.Request_ResourceNotFound;
  if (status === 409) return GRAPH_CODES.Directory_ConcurrencyViolation;
  if (status === 429) return GRAPH_CODES.TooManyRequests;
  if (status === 503 || status === 504 || status === 502) return GRAPH_CODES.ServiceUnavailable;
  return undefined;
}

/** Graph's error body: `{error: {code, message, details?: [{code, message, target}], innerError: {"request-id"}}}`. */
export interface GraphErrorBody {
  code?: string;
  message?: string;
  details?: { code?: string; message?: string; target?: string }[];
  innerError?: { 'request-id'?: string; 'client-request-id'?: string; date?: string };
}

const SECRET_LIKE = /(eyJ[\w-]{10,}\.[\w-]{10,}\.[\w-]*)|(Bearer\s+\S+)/g;

/** Strips anything that looks like a token from a server message before it reaches a user or a log. */
export function redact(text: string): string {
  return text.replace(SECRET_LIKE, '[redacted]');
}

/** Maps a Graph error body (and status) to a value. Detail codes win over the top-level code. */
export function fromGraphError(status: number, body: GraphErrorBody | undefined, requestId?: string): DirectoryError {
  const detailCode = body?.details?.map((d) => d.code).find((c): c is string => !!c && c in GRAPH_CODES);
  const aadsts = body?.message ? aadstsOf(body.message) : undefined;
  const code = detailCode ?? (aadsts && aadsts in AADSTS ? aadsts : undefined) ?? body?.code ?? `HTTP${status}`;
  const known = GRAPH_CODES[code] ?? AADSTS[code] ?? byStatus(status);
  const serverSays = body?.message ? redact(body.message.trim()) : '';
  const message = known
    ? serverSays && !known.message.includes(serverSays)
      ? `${known.message} Microsoft Graph said: “${serverSays}”`
      : known.message
    : serverSays
      ? `Microsoft Graph answered ${status}: ${serverSays}`
      : `Microsoft Graph answered ${status} without an explanation.`;
  const next = known?.next ?? 'Retry; if it fails again, quote the request id to your administrator.';
  const rid = requestId ?? body?.innerError?.['request-id'];
  return rid ? { code, status, message, next, requestId: rid } : { code, status, message, next };
}

/** Maps an OAuth error (`{error, error_description}` from the token endpoint) or an AADSTS message to a value. */
export function fromAadsts(text: string, status = 400): DirectoryError {
  const code = aadstsOf(text);
  const known = code ? AADSTS[code] : undefined;
  if (known && code) return { code, status, message: known.message, next: known.next };
  return {
    code: code ?? 'SignInFailed',
    status,
    message: `Sign-in failed: ${redact(text.split(/\r?\n/)[0] ?? text)}`,
    next: 'Sign in again; if it fails again, check the tenant and the sign-in client ID settings.',
  };
}

/**
 * Anything thrown by the Graph client, fetch, or our own code → a value. `GraphError` from
 * `@microsoft/microsoft-graph-client` carries `statusCode`, `code`, `requestId` and `body` (the JSON error).
 */
export function toDirectoryError(thrown: unknown): DirectoryError {
  if (thrown instanceof DirectoryFailure) return thrown.error;
  if (typeof thrown === 'object' && thrown !== null) {
    const e = thrown as { statusCode?: number; code?: string; message?: string; requestId?: string; body?: unknown };
    if (typeof e.statusCode === 'number' && e.statusCode > 0) {
      let body: GraphErrorBody | undefined;
      if (typeof e.body === 'string') {
        try {
          const parsed = JSON.parse(e.body) as GraphErrorBody & { error?: GraphErrorBody };
          body = parsed.error ?? parsed;
        } catch {
          body = { code: e.code, message: e.message };
        }
      } else {
        body = { code: e.code ?? undefined, message: e.message };
      }
      return fromGraphError(e.statusCode, body, e.requestId ?? undefined);
    }
    const msg = typeof e.message === 'string' ? e.message : String(thrown);
    if (e.code === 'SignInRequired' || (thrown as Error).name === 'SignInRequired' || (thrown as Error).name === 'AuthFailure') {
      return {
        code: 'SignInRequired',
        status: 401,
        message: redact(msg),
        next: 'Sign in again (or accept the consent screen), then run the step again; the setup continues where it stopped.',
      };
    }
    if (/AADSTS\d+/.test(msg)) return fromAadsts(msg);
    const cause = (thrown as { cause?: { code?: string } }).cause;
    const netCode = cause?.code ?? e.code;
    if (netCode && /^(ECONN|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|UND_ERR|ECONNRESET)/.test(netCode)) {
      return {
        code: netCode,
        status: 0,
        message: `The connection to Microsoft Graph failed (${netCode}).`,
        next: 'Check the network and the cloud endpoints, then retry; the setup continues where it stopped.',
      };
    }
    return {
      code: 'Unexpected',
      status: 0,
      message: `Unexpected failure: ${redact(msg)}`,
      next: 'Retry; if it fails again, open the Entra Connector log and report the issue.',
    };
  }
  return {
    code: 'Unexpected',
    status: 0,
    message: `Unexpected failure: ${redact(String(thrown))}`,
    next: 'Retry; if it fails again, open the Entra Connector log and report the issue.',
  };
}

/** True for failures worth retrying on the write path right after a create (directory replication lag). */
export function isReplicationLag(error: DirectoryError): boolean {
  return (
    (error.status === 404 && (error.code === 'Request_ResourceNotFound' || error.code === 'ResourceNotFound')) ||
    error.code === 'NoBackingApplicationObject'
  );
}
