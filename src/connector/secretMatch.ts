/**
 * Which of an app's client secrets a value can be. Graph never returns a secret's value again, only its `hint`:
 * "the first three characters of the password" (Microsoft Learn, passwordCredential resource type,
 * https://learn.microsoft.com/graph/api/resources/passwordcredential). A value whose first three characters match
 * no hint is not one of the app's secrets; a match is likely but not certain (three characters).
 */
export interface CredentialHint {
  readonly keyId: string;
  readonly hint?: string | null;
  readonly endDateTime?: string | null;
  readonly displayName?: string | null;
}

export function hintOf(value: string): string {
  return value.slice(0, 3);
}

/** The credentials whose hint matches the value (none when the app's credentials carry no hints). */
export function credentialsMatching(value: string, credentials: readonly CredentialHint[]): CredentialHint[] {
  const hint = hintOf(value);
  return credentials.filter((c) => typeof c.hint === 'string' && c.hint.length > 0 && c.hint === hint);
}

/** "key 1a2b… (valid until 2027-01-31)" for each credential, for a person comparing them. */
export function describeCredentials(credentials: readonly CredentialHint[]): string {
  return credentials
    .map((c) => `${c.hint ? `${c.hint}… ` : ''}key ${c.keyId}${c.endDateTime ? ` (valid until ${c.endDateTime.slice(0, 10)})` : ''}`)
    .join('; ');
}
