/**
 * The pipeline side of `entra-connector automate`: the OIDC subject a workflow presents, and the GitHub Actions
 * workflow that rotates the connector's secret on a schedule, signed in by workload identity federation (no secret).
 *
 * GitHub's subject claim (Microsoft Learn, "Configure an app to trust an external identity provider" → GitHub
 * Actions; GitHub Docs, "About security hardening with OpenID Connect"): `repo:{owner}/{repo}:ref:refs/heads/{branch}`
 * for a job without an environment, `repo:{owner}/{repo}:environment:{name}` for a job with one. Matching is exact
 * and case-sensitive. Strings are written as JSON strings, which YAML reads as the same strings.
 */
import type { Cloud } from '../cloud/clouds';
import { asUserFailure, fail, type UserFailure } from '../errors';

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';

const REPO = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
const REF_NAME = /^[A-Za-z0-9._/-]{1,200}$/;

/** The code of a repository, branch, environment, Key Vault or schedule that cannot go into a workflow. */
export const WORKFLOW_INPUT_INVALID = 'WorkflowInputInvalid';

/** The failure of an answer (a CLI option, an input box) that cannot go into a workflow, or undefined. */
export function workflowInputFailure(thrown: unknown): UserFailure | undefined {
  const failure = asUserFailure(thrown);
  return failure?.code === WORKFLOW_INPUT_INVALID ? failure : undefined;
}

function invalid(message: string, next: string): never {
  return fail(WORKFLOW_INPUT_INVALID, message, next);
}

/** `owner/repo` + branch or environment → the subject GitHub puts in the job's OIDC token. */
export function githubSubject(repo: string, target: { branch?: string; environment?: string }): string {
  if (!REPO.test(repo)) invalid(`"${repo}" is not a GitHub repository: give it as owner/name.`, 'Give the repository as owner/name, e.g. contoso/invoices.');
  if (target.branch !== undefined && target.environment !== undefined) invalid('Give --branch or --environment, not both: a job with an environment presents the environment in its subject.', 'Choose the branch or the environment the workflow runs in.');
  if (target.environment !== undefined) {
    if (!REF_NAME.test(target.environment)) invalid(`"${target.environment}" is not an environment name.`, 'Give the name of the GitHub environment the job uses.');
    return `repo:${repo}:environment:${target.environment}`;
  }
  const branch = target.branch ?? 'main';
  if (!REF_NAME.test(branch) || branch.includes('..')) invalid(`"${branch}" is not a branch name.`, 'Give the branch the workflow runs on, e.g. main.');
  return `repo:${repo}:ref:refs/heads/${branch}`;
}

/** A file-name-safe form of the connector's name: `Contoso Invoices` → `contoso-invoices`. */
export function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'connector';
}

export function workflowPath(connectorName: string): string {
  return `.github/workflows/rotate-${slug(connectorName)}.yml`;
}

export interface KeyVaultTarget {
  readonly vault: string;
  readonly secretName: string;
}

const VAULT = /^[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]$/;
const SECRET_NAME = /^[A-Za-z0-9-]{1,127}$/;

/** `--key-vault <vault>/<secret-name>` (the secret name defaults to `<connector>-client-secret`). */
export function parseKeyVault(value: string, connectorName: string): KeyVaultTarget {
  const [vault, secretName = `${slug(connectorName)}-client-secret`, ...rest] = value.split('/');
  if (!vault || !VAULT.test(vault) || rest.length > 0) invalid(`--key-vault takes <vault-name>[/<secret-name>]; "${value}" is not that (a vault name is 3–24 letters, digits and hyphens).`, 'Fix --key-vault.');
  if (!SECRET_NAME.test(secretName)) invalid(`"${secretName}" is not a Key Vault secret name (letters, digits and hyphens).`, 'Fix --key-vault.');
  return { vault, secretName };
}

/** The handover that stores the new secret in Key Vault (what a solution's secret environment variable reads). */
export function keyVaultHandover(target: KeyVaultTarget): string {
  return `az keyvault secret set --vault-name ${target.vault} --name ${target.secretName} --file "$ENTRA_CONNECTOR_SECRET_FILE" --expires "$ENTRA_CONNECTOR_SECRET_EXPIRES" --output none`;
}

export interface WorkflowOptions {
  readonly connectorName: string;
  /** The connector folder relative to the repository root, with `/`. */
  readonly connectorDir: string;
  readonly tenantId: string;
  /** The pipeline app's client ID. */
  readonly clientId: string;
  readonly cloud: Cloud;
  readonly days: number;
  /** Cron (UTC). */
  readonly schedule: string;
  /** A job environment (its name is in the OIDC subject). Without one the subject names the branch the run is on. */
  readonly environment?: string;
  readonly keyVault?: KeyVaultTarget;
  readonly handoverCommand?: string;
  /** The CLI version to run (`npx entra-connector@<version>`). */
  readonly cliVersion: string;
}

const q = (s: string): string => JSON.stringify(s);

/** A cron line GitHub accepts: five fields. */
export function isCron(value: string): boolean {
  return /^\s*(\S+\s+){4}\S+\s*$/.test(value) && value.split(/\s+/).filter(Boolean).every((f) => /^[0-9*/,\-A-Za-z?]+$/.test(f));
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The workflow file's text. */
export function githubRotationWorkflow(o: WorkflowOptions): string {
  const handover = o.keyVault ? keyVaultHandover(o.keyVault) : o.handoverCommand;
  if (!handover) invalid('The workflow needs a place for the new secret: --key-vault <vault>[/<secret-name>] or --handover-command <command>.', 'Add --key-vault or --handover-command.');
  if (!isCron(o.schedule)) invalid(`"${o.schedule}" is not a cron schedule (five fields, UTC).`, 'Give five cron fields in UTC, e.g. "17 3 * * 1".');
  const cloudArgs =
    o.cloud.name === 'AzureCloud' ? []
    : o.cloud.name === 'Custom' ? ['--cloud', 'Custom', '--login-endpoint', o.cloud.loginEndpoint, '--graph-endpoint', o.cloud.graphEndpoint, '--arm-endpoint', o.cloud.armEndpoint]
    : ['--cloud', o.cloud.name];
  const rotate = [
    'npx', '--yes', `entra-connector@${o.cliVersion}`, 'rotate', o.connectorDir,
    '--auth', 'federated', '--days', String(o.days), '--json', ...cloudArgs,
  ].map(shellQuote).join(' ');
  const azLogin = o.keyVault
    ? `      - name: Sign in to Azure (the same federated identity, for Key Vault)
        uses: azure/login@v2
        with:
          client-id: ${q(o.clientId)}
          tenant-id: ${q(o.tenantId)}
          allow-no-subscriptions: true
${o.cloud.name === 'AzureCloud' || o.cloud.name === 'Custom' ? '' : `          environment: ${q(o.cloud.name)}\n`}`
    : '';
  return `# Rotates the client secret of the "${o.connectorName.replace(/[\r\n]/g, ' ')}" connector app. Written by "entra-connector automate".
# Signs in as app ${o.clientId} through GitHub's OIDC token (workload identity federation): no secret is stored
# anywhere. The app may change only the app registrations it owns (Application.ReadWrite.OwnedBy).
name: ${q(`Rotate ${o.connectorName} client secret`)}
on:
  schedule:
    - cron: ${q(o.schedule)}
  workflow_dispatch: {}
permissions:
  id-token: write
  contents: read
concurrency:
  group: ${q(`rotate-${slug(o.connectorName)}`)}
  cancel-in-progress: false
jobs:
  rotate:
    runs-on: ubuntu-latest
${o.environment ? `    environment: ${q(o.environment)}\n` : ''}    env:
      AZURE_TENANT_ID: ${q(o.tenantId)}
      AZURE_CLIENT_ID: ${q(o.clientId)}
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
${azLogin}      - name: Rotate the connector app's client secret
        env:
          HANDOVER: ${q(handover)}
        run: ${q(`${rotate} --handover-command "$HANDOVER"`)}
`;
}
