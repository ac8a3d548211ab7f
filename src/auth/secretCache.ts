import type { ICachePlugin, TokenCacheContext } from '@azure/msal-node';

/**
 * Where the token cache lives: VS Code's SecretStorage in the extension, an in-memory map in tests.
 * The only place tokens are ever persisted.
 */
export interface SecretStore {
  get(key: string): PromiseLike<string | undefined>;
  store(key: string, value: string): PromiseLike<void>;
  delete(key: string): PromiseLike<void>;
  /** Fires with the key whenever any window changes a secret. */
  onDidChange(listener: (key: string) => void): { dispose(): void };
}

/** Runs async jobs one after another, so that reads and writes of one secret never interleave. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(job: () => PromiseLike<T> | T): Promise<T> {
    const next = this.tail.then(job, job);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

const EMPTY_CACHE = JSON.stringify({ Account: {}, IdToken: {}, AccessToken: {}, RefreshToken: {}, AppMetadata: {} });

/** True when a serialized MSAL cache holds no account and no token. */
export function isEmptyCache(serialized: string): boolean {
  try {
    const parsed = JSON.parse(serialized) as Record<string, unknown>;
    return Object.values(parsed).every((section) => !section || typeof section !== 'object' || Object.keys(section).length === 0);
  } catch {
    return false;
  }
}

/**
 * MSAL cache persistence on a SecretStore: one entry per (cloud, client ID). MSAL reads the entry before each cache
 * access and writes it back when the cache changed; an empty cache (last account signed out) deletes the entry.
 * Store calls go through one queue. Every access reads the entry again, so changes made by other windows are seen.
 */
export class SecretCachePlugin implements ICachePlugin {
  private readonly queue = new SerialQueue();
  private readonly subscription: { dispose(): void };
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly secrets: SecretStore,
    readonly key: string,
  ) {
    this.subscription = secrets.onDidChange((changed) => {
      if (changed !== key) return;
      for (const listener of [...this.listeners]) listener();
    });
  }

  /** Called when the entry changed in any window (sign-in, sign-out, refreshed tokens). */
  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /**
   * Empties MSAL's in-memory cache. MSAL's `deserialize` merges into memory, so without this an account signed out in
   * another window would linger here. Set by the owner of the client application (`PublicClientApplication.clearCache`).
   */
  clearMemory: (() => void) | undefined;

  async beforeCacheAccess(context: TokenCacheContext): Promise<void> {
    const stored = await this.queue.run(() => this.secrets.get(this.key));
    this.clearMemory?.();
    context.tokenCache.deserialize(stored ?? EMPTY_CACHE);
  }

  async afterCacheAccess(context: TokenCacheContext): Promise<void> {
    if (!context.cacheHasChanged) return;
    const value = context.tokenCache.serialize();
    await this.queue.run(() => (isEmptyCache(value) ? this.secrets.delete(this.key) : this.secrets.store(this.key, value)));
  }

  dispose(): void {
    this.subscription.dispose();
    this.listeners.clear();
  }
}

/**
 * The SecretStorage key of one token cache: per cloud, login host and client. Tokens issued by one login host are
 * never handed to a client configured for another (a custom cloud whose endpoint changed starts a fresh cache).
 */
export function cacheKey(cloud: { readonly name: string; readonly loginEndpoint: string }, clientId: string): string {
  return `entraConnector.msal.${cloud.name}.${new URL(cloud.loginEndpoint).host}.${clientId}`;
}
