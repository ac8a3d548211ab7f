// `entra-connector check --online` against the emulated tenant: device-code sign-in (code and URL on stderr,
// approved through the admin API), the online rules printed with the offline ones, and the exit code.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { adminToken, approveDevice, startEmulator, type Endpoints, type RunningEmulator } from '../../../emulator/src';
import { runCli } from '../../../src/cli/run';
import { createGraphClient } from '../../../src/graph/client';
import { Directory } from '../../../src/graph/operations';

const ADMIN = 'admin@contoso.example';
const REGISTERED = 'https://global.consent.azure-apim.net/redirect/contoso-20invoices-5fabc';
const NOT_REGISTERED = 'https://global.consent.azure-apim.net/redirect/contoso-20invoices-00000';
const clean = readFileSync(join(__dirname, '..', '..', 'fixtures', 'rules', 'clean.json'), 'utf8');

let emu: RunningEmulator;
let ep: Endpoints;
let work: string;
let clientAppId = '';
let resource = '';

function apiProperties(redirectUrl: string): string {
  return clean
    .replace('11111111-2222-3333-4444-555555555555', clientAppId)
    .replace(/api:\/\/contoso-invoices/g, resource)
    .replace('"redirectMode": "GlobalPerConnector",', `"redirectMode": "GlobalPerConnector",\n                    "redirectUrl": "${redirectUrl}",`);
}

before(async () => {
  emu = await startEmulator({ port: 0, deviceCodeIntervalSeconds: 1 });
  ep = emu.endpoints;
  work = mkdtempSync(join(tmpdir(), 'entra-check-online-'));
  // A connector set up completely: API app with a scope, connector app with the redirect URI, secret and grant.
  const directory = new Directory(
    createGraphClient({ graphEndpoint: ep.graphEndpoint, getAccessToken: (scopes) => adminToken(ep, ADMIN, scopes), retry: { maxRetries: 1, maxDelayMs: 10 } }),
    { sleep: async () => {}, replication: { attempts: 3, delayMs: 0 } },
  );
  const scopeId = randomUUID();
  const api = (await directory.upsertApplication(`check-online-api-${randomUUID()}`, {
    displayName: 'Check online API',
    signInAudience: 'AzureADMyOrg',
    api: { oauth2PermissionScopes: [{ id: scopeId, value: 'user_impersonation', type: 'User', isEnabled: true, adminConsentDisplayName: 'Access', adminConsentDescription: 'Access' }] },
  })).value;
  resource = `api://${api.appId}`;
  await directory.updateApplication(api.id, { identifierUris: [resource] });
  const apiSp = (await directory.ensureServicePrincipal(api.appId)).value;
  const client = (await directory.upsertApplication(`check-online-connector-${randomUUID()}`, {
    displayName: 'Check online connector',
    signInAudience: 'AzureADMultipleOrgs',
    web: { redirectUris: [REGISTERED] },
    requiredResourceAccess: [{ resourceAppId: api.appId, resourceAccess: [{ id: scopeId, type: 'Scope' }] }],
  })).value;
  clientAppId = client.appId;
  await directory.addPassword(client.id, 'connector', new Date(Date.now() + 180 * 86_400_000).toISOString());
  const clientSp = (await directory.ensureServicePrincipal(client.appId)).value;
  await directory.createGrant({ clientId: clientSp.id, resourceId: apiSp.id, consentType: 'AllPrincipals', scope: 'user_impersonation' });
});

after(async () => {
  await emu?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Runs the CLI; approves the device code as the admin as soon as it is shown on stderr. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const approvals: Promise<unknown>[] = [];
  const code = await runCli(args, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: {
      write: (t: string) => {
        stderr += t;
        const m = /enter the code (\S+)/.exec(t);
        if (m) approvals.push(approveDevice(ep, ADMIN, { userCode: m[1] }));
        return true;
      },
    },
    env: {},
  });
  await Promise.all(approvals);
  return { code, stdout, stderr };
}

const cloudArgs = () => ['--cloud', 'Custom', '--login-endpoint', ep.loginEndpoint, '--graph-endpoint', ep.graphEndpoint, '--arm-endpoint', ep.armEndpoint, '--tenant', ep.tenantId];

function write(name: string, text: string): string {
  const path = join(mkdtempSync(join(work, `${name}-`)), 'apiProperties.json');
  writeFileSync(path, text);
  return path;
}

describe('entra-connector check --online', () => {
  it('a redirect URL the connector app does not have is redirect-uri-not-registered, printed with its line, and exits 1', async () => {
    const path = write('unregistered', apiProperties(NOT_REGISTERED));
    const r = await cli(['check', path, '--online', ...cloudArgs()]);
    assert.match(r.stderr, /To sign in, open https:\/\/\S+ and enter the code \S+/);
    assert.match(r.stderr, /Signed in as admin@contoso\.example/);
    assert.equal(r.code, 1, r.stderr + r.stdout);
    const line = r.stdout.split('\n').find((l) => l.includes('redirect-uri-not-registered'));
    assert.ok(line, r.stdout);
    const redirectLine = apiProperties(NOT_REGISTERED).split('\n').findIndex((l) => l.includes(NOT_REGISTERED)) + 1;
    assert.ok(line.startsWith(`${path}:${redirectLine}:`), line);
    assert.match(line, / error redirect-uri-not-registered /);
  });

  it('the same connector with its registered redirect URL has no online problem and exits 0; --json lists the diagnostics', async () => {
    const path = write('healthy', apiProperties(REGISTERED));
    const r = await cli(['check', path, '--online', '--json', ...cloudArgs()]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const out = JSON.parse(r.stdout) as { files: { diagnostics: { code: string; severity: string }[] }[]; summary: { error: number } };
    assert.equal(out.summary.error, 0);
    const codes = out.files[0]!.diagnostics.map((d) => d.code);
    for (const online of ['client-app-not-found', 'resource-not-found', 'permission-missing', 'consent-missing', 'redirect-uri-not-registered', 'secret-expired', 'secret-expiring']) {
      assert.ok(!codes.includes(online), `${online} in ${codes.join(', ')}`);
    }
  });

  it('a client ID the tenant does not have is client-app-not-found (the online rules really ran)', async () => {
    const path = write('unknown-client', apiProperties(REGISTERED).replace(clientAppId, randomUUID()));
    const r = await cli(['check', path, '--online', ...cloudArgs()]);
    assert.equal(r.code, 1, r.stderr + r.stdout);
    assert.match(r.stdout, / error client-app-not-found /);
  });

  it('without --online no sign-in happens and the sign-in options are refused', async () => {
    const path = write('offline', apiProperties(NOT_REGISTERED));
    const offline = await cli(['check', path]);
    assert.equal(offline.code, 0, offline.stderr + offline.stdout);
    assert.doesNotMatch(offline.stderr, /To sign in/);
    assert.doesNotMatch(offline.stdout, /redirect-uri-not-registered/);
    const misuse = await cli(['check', path, '--tenant', ep.tenantId]);
    assert.equal(misuse.code, 2);
    assert.match(misuse.stderr, /go with --online/);
  });
});
