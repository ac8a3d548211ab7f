import type * as vscode from 'vscode';
import type { SecretStore } from '../../auth/secretCache';

/** VS Code's SecretStorage (OS keychain-backed, shared by all windows) as the sign-in cache's SecretStore. */
export function secretStoreFrom(secrets: vscode.SecretStorage): SecretStore {
  return {
    get: (key) => secrets.get(key),
    store: (key, value) => secrets.store(key, value),
    delete: (key) => secrets.delete(key),
    onDidChange: (listener) => secrets.onDidChange((e) => listener(e.key)),
  };
}

/** The accounts in a serialized MSAL cache, read without loading MSAL (for the status bar at start-up). */
export function accountsInCache(serialized: string | undefined): { homeAccountId: string; username: string; tenantId: string }[] {
  if (!serialized) return [];
  try {
    const cache = JSON.parse(serialized) as { Account?: Record<string, { home_account_id?: string; username?: string; realm?: string }> };
    return Object.values(cache.Account ?? {})
      .filter((a) => typeof a.home_account_id === 'string' && typeof a.username === 'string')
      .map((a) => ({ homeAccountId: a.home_account_id as string, username: a.username as string, tenantId: a.realm ?? '' }));
  } catch {
    return [];
  }
}
