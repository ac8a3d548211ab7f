/**
 * Which sign-ins the Power Apps connector API (`api.powerapps.com/providers/Microsoft.PowerApps/apis`, what paconn
 * and the deploy command call) accepts for creating and updating a custom connector. See README.md here for the
 * sources: its resource ("PowerApps Service") exposes delegated permissions only, Microsoft's own pipeline kit
 * reports that the API does not take service-principal tokens, and paconn signs in by device code only. So a
 * deployment is a person's job (or a service account's, signing in as a user); app-only tokens are refused before
 * anything is sent.
 */
import type { CredentialKind } from './workload';

/** Deploying a custom connector through the Power Apps API with this sign-in would be refused; the message says why. */
export class DeployAuthError extends Error {
  constructor(
    message: string,
    readonly next: string,
  ) {
    super(message);
    this.name = 'DeployAuthError';
  }
}

/**
 * Throws DeployAuthError unless `kind` signs in a user. The deploy command calls this before its first request, so
 * that a pipeline signed in as an app stops with the supported pattern instead of a 401 halfway through.
 */
export function assertDeployableWith(kind: CredentialKind): void {
  if (kind === 'device') return;
  throw new DeployAuthError(
    `The Power Apps connector API does not accept app-only tokens (this run signed in with --auth ${kind}): creating or updating a custom connector needs a signed-in user.`,
    'Deploy as a person (--auth device), or keep deploying by hand and let the pipeline rotate only the Entra secret into Azure Key Vault ("entra-connector automate --key-vault"), where a solution\'s secret environment variable gives it to the connector.',
  );
}
