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
