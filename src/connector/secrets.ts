/**
 * Where a connector app's client secret lives: VS Code SecretStorage, one entry per client ID. The diagnostics'
 * "move the secret out of the file" fix and the setup engine both use this key, so a secret moved out of
 * apiProperties.json is the one the setup later uploads with the connector.
 */
export const SECRET_KEY_PREFIX = 'entraConnector.secret.';

/** The SecretStorage key for a connector app's client secret. */
export function secretStorageKey(clientId: string): string {
  return `${SECRET_KEY_PREFIX}${clientId.trim().toLowerCase()}`;
}

/** The part of a secret store these helpers need (VS Code SecretStorage, or a map in tests). */
export interface ClientSecretStore {
  get(key: string): PromiseLike<string | undefined>;
  store(key: string, value: string): PromiseLike<void>;
  delete(key: string): PromiseLike<void>;
}

/**
 * Moves a client secret found in a file into secret storage. A different secret already stored for the client (a
 * rotated one, perhaps the only valid one) is replaced only when `confirmReplace` says so; returns whether it moved.
 */
export async function moveSecretToStorage(store: ClientSecretStore, clientId: string, value: string, confirmReplace: () => PromiseLike<boolean>): Promise<boolean> {
  const key = secretStorageKey(clientId);
  const stored = await store.get(key);
  if (stored !== undefined && stored !== value && !(await confirmReplace())) return false;
  await store.store(key, value);
  return true;
}
