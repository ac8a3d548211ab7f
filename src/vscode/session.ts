/**
 * What both registration views share: who is signed in (without prompting), a Graph client and Directory for the
 * configured cloud, and how a failure is classified (transient → keep the last known state marked stale).
 */
import type * as vscode from 'vscode';
import type { Client } from '@microsoft/microsoft-graph-client';
import type { Auth } from './auth';
import { DirectoryFailure, toDirectoryError, type DirectoryError } from '../graph/errors';
import type { Directory } from '../graph/operations';

export interface SignedInAccount {
  readonly username: string;
  readonly tenantId: string;
  /** Changes with the account or the tenant: a snapshot of another one must not be shown. */
  readonly key: string;
}

export class RegistrationsSession {
  constructor(
    readonly auth: Auth,
    readonly log: vscode.LogOutputChannel,
  ) {}

  /** The active account, or undefined when signed out (never prompts; MSAL loads only when tokens are stored). */
  async account(): Promise<SignedInAccount | undefined> {
    let stored: Awaited<ReturnType<Auth['storedAccounts']>>;
    try {
      stored = await this.auth.storedAccounts();
    } catch {
      return undefined;
    }
    if (stored.length === 0) return undefined;
    const active = await (await this.auth.service()).getActiveAccount();
    if (!active) return undefined;
    const settings = this.auth.settings();
    return { username: active.username, tenantId: active.tenantId, key: JSON.stringify([settings.cloud.graphEndpoint, active.homeAccountId, active.tenantId]) };
  }

  /**
   * A Graph client for the configured cloud; throttling is retried once, briefly, so a view never hangs. A token
   * this client could not get (a declined consent) is not asked for again by the same client: retries and parallel
   * requests of one refresh or action prompt the user once at most.
   */
  async client(): Promise<Client> {
    // Loaded on first use, not at activation: the Graph client is not needed until a view or command reads the tenant.
    const { createGraphClient } = await import('../graph/client');
    const settings = this.auth.settings();
    const refused = new Map<string, unknown>();
    return createGraphClient({
      graphEndpoint: settings.cloud.graphEndpoint,
      getAccessToken: async (scopes, options) => {
        const key = scopes.join(' ');
        if (refused.has(key)) throw refused.get(key);
        try {
          return await this.auth.getAccessToken(scopes, options?.forceRefresh ? { forceRefresh: true } : {});
        } catch (error) {
          refused.set(key, error);
          throw error;
        }
      },
      log: (entry) => this.auth.logGraphRequest(entry),
      retry: { maxRetries: 1, maxDelayMs: 5000 },
    });
  }

  private readonly tenantNames = new Map<string, Promise<string>>();

  /** "Contoso (contoso.example)" for the signed-in tenant, read once per tenant; the tenant ID when it cannot be read. */
  tenantName(account: SignedInAccount): Promise<string> {
    let name = this.tenantNames.get(account.tenantId);
    if (!name) {
      name = this.directory()
        .then((d) => d.organization())
        .then((org) => {
          const domain = org?.verifiedDomains.find((v) => v.isDefault)?.name;
          return org?.displayName ? `${org.displayName}${domain ? ` (${domain})` : ''}` : (domain ?? account.tenantId);
        })
        .catch(() => {
          this.tenantNames.delete(account.tenantId);
          return account.tenantId;
        });
      this.tenantNames.set(account.tenantId, name);
    }
    return name;
  }

  async directory(): Promise<Directory> {
    const [{ Directory }, client] = await Promise.all([import('../graph/operations'), this.client()]);
    return new Directory(client);
  }
}

/** Network failures, throttling and outages: show the last known state, marked stale. */
export function isTransient(error: DirectoryError): boolean {
  return error.status === 0 || error.status === 429 || error.status === 503 || error.status === 504 || error.status === 502;
}

export function asDirectoryError(error: unknown): DirectoryError {
  return error instanceof DirectoryFailure ? error.error : toDirectoryError(error);
}

/** A sentence for a notification: the cause and the next step, never a token. */
export function describeFailure(error: unknown): string {
  const e = asDirectoryError(error);
  return e.next ? `${e.message} ${e.next}` : e.message;
}
