// `entra-connector rotate` from a pipeline, against the emulated tenant: for each credential kind a workload identity
// holding exactly Application.ReadWrite.OwnedBy rotates the secret of the connector app it owns — new secret handed
// over and verified, the tool's old secret removed, somebody else's kept — and is refused, with the permission and
// the ownership named, on a connector app it does not own. No secret appears in the output or the connector folder.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import { httpsJson, resetEmulator, type Endpoints } from '../../../emulator/src';
import {
  ACCOUNTS, addFederatedCredential, addOwner, addPassword, apiProperties, configureRunner, createApp, createCertificateApp, createManagedIdentity, grantOwnedBy, mintOidc,
  oidcIssuer, passwords, selfSignedCertificate, type AppRef,
} from '../../support/workload';
import { cloudArgs, runCliAgainst } from '../../support/cli';
import { noLeaks, useTempDir, useTenant } from '../../support/tenant';

let ep: Endpoints;
let work: string;
let outside: string;
const outputs: { name: string; text: string }[] = [];

useTenant(
  {
    temp: 'entra-rotate-',
    emulator: { seed: { accounts: ACCOUNTS } },
    // Nothing this run printed or left in the connector folders holds a secret or token the tenant handed out.
    beforeStop: noLeaks(outputs),
  },
  (t) => ({ ep, work } = t),
);
useTempDir('entra-rotate-handover-', (d) => (outside = d));

beforeEach(async () => {
  await resetEmulator(ep);
});

const cloud = () => cloudArgs(ep, { tenant: false });
const cli = (args: string[], env: NodeJS.ProcessEnv) => runCliAgainst(ep, args, { env, user: false, record: outputs });

interface Tenant {
  connector: AppRef;
  other: AppRef;
  toolKey: string;
  manualKey: string;
  dir: string;
  otherDir: string;
}

/** The connector app (a secret from setup, one added by hand) and a second connector app the pipeline does not own. */
async function connectors(): Promise<Tenant> {
  const connector = await createApp(ep, 'Contoso Invoices connector');
  const tool = await addPassword(ep, connector.id, 'Entra Connector setup 1');
  const manual = await addPassword(ep, connector.id, 'Added by hand');
  const other = await createApp(ep, 'Fabrikam connector');
  await addPassword(ep, other.id, 'Entra Connector setup 2');
  const dir = mkdtempSync(join(work, 'contoso-'));
  writeFileSync(join(dir, 'apiProperties.json'), apiProperties(connector.appId));
  const otherDir = mkdtempSync(join(work, 'fabrikam-'));
  writeFileSync(join(otherDir, 'apiProperties.json'), apiProperties(other.appId));
  return { connector, other, toolKey: tool.keyId, manualKey: manual.keyId, dir, otherDir };
}

/** Whether `secret` gets a token for `appId` from the tenant's token endpoint. */
async function works(appId: string, secret: string): Promise<boolean> {
  const res = await httpsJson(`${ep.loginEndpoint}/${ep.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: appId, client_secret: secret, scope: `${ep.graphEndpoint}/.default` }).toString(),
    ca: ep.caCertPath,
  });
  return res.status === 200;
}

interface RotateJson {
  ok: boolean;
  added: { keyId: string };
  removed: { keyId: string }[];
  kept: { keyId: string }[];
  verified: boolean;
  signedInAs: string;
}

/** Rotates the owned connector (handing the secret to a file outside the connector folder), then checks every promise. */
async function rotatesOwnedAndRefusesOther(t: Tenant, env: NodeJS.ProcessEnv, extra: string[] = []): Promise<void> {
  const file = join(mkdtempSync(join(outside, 'h-')), 'new-secret');
  const r = await cli(['rotate', t.dir, '--secret-file', file, '--json', '--days', '30', ...extra, ...cloud()], env);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const out = JSON.parse(r.stdout) as RotateJson;
  assert.equal(out.ok, true);
  assert.equal(out.verified, true);
  assert.deepEqual(out.removed.map((s) => s.keyId), [t.toolKey], 'only the secret this tool made before is removed');
  assert.deepEqual(out.kept.map((s) => s.keyId), [t.manualKey], 'the secret somebody else made is kept');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const secret = readFileSync(file, 'utf8').trim();
  assert.ok(await works(t.connector.appId, secret), 'the handed-over secret gets a token');
  assert.doesNotMatch(r.stdout + r.stderr, new RegExp(secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  const left = (await passwords(ep, t.connector.id)).map((p) => p.keyId).sort();
  assert.deepEqual(left, [out.added.keyId, t.manualKey].sort());

  const before = await passwords(ep, t.other.id);
  const refused = await cli(['rotate', t.otherDir, '--secret-file', join(outside, 'never'), ...extra, ...cloud()], env);
  assert.equal(refused.code, 1, refused.stderr + refused.stdout);
  assert.match(refused.stderr, /Application\.ReadWrite\.OwnedBy/);
  assert.match(refused.stderr, /owner of (that app|app)/);
  assert.match(refused.stderr, new RegExp(t.other.appId));
  assert.deepEqual(await passwords(ep, t.other.id), before, 'nothing changed on the app it does not own');
}

/** The pipeline's own app registration with exactly Application.ReadWrite.OwnedBy, owning the connector app. */
async function pipelineApp(t: Tenant, make: () => Promise<AppRef> = () => createApp(ep, 'Contoso pipeline')): Promise<AppRef> {
  const pipeline = await make();
  await grantOwnedBy(ep, pipeline.spId);
  await addOwner(ep, t.connector.id, pipeline.spId);
  return pipeline;
}

describe('entra-connector rotate with a workload identity', () => {
  it('client secret (AZURE_CLIENT_SECRET): rotates the owned connector app with exactly OwnedBy and is refused on another', async () => {
    const t = await connectors();
    const pipeline = await pipelineApp(t);
    const { secretText } = await addPassword(ep, pipeline.id, 'pipeline credential');
    await rotatesOwnedAndRefusesOther(t, { AZURE_TENANT_ID: ep.tenantId, AZURE_CLIENT_ID: pipeline.appId, AZURE_CLIENT_SECRET: secretText });
  });

  it('certificate (AZURE_CLIENT_CERTIFICATE_PATH, encrypted PEM + AZURE_CLIENT_CERTIFICATE_PASSWORD): the same', async () => {
    const t = await connectors();
    const cert = selfSignedCertificate('pfx-password');
    const pipeline = await pipelineApp(t, () => createCertificateApp(ep, 'Contoso pipeline (certificate)', cert.keyCredential));
    const pem = join(outside, `cert-${Date.now()}.pem`);
    writeFileSync(pem, cert.pem, { mode: 0o600 });
    await rotatesOwnedAndRefusesOther(t, { AZURE_TENANT_ID: ep.tenantId, AZURE_CLIENT_ID: pipeline.appId, AZURE_CLIENT_CERTIFICATE_PATH: pem, AZURE_CLIENT_CERTIFICATE_PASSWORD: 'pfx-password' });
  });

  it('federated token file (AZURE_FEDERATED_TOKEN_FILE): the same, with no secret anywhere', async () => {
    const t = await connectors();
    const pipeline = await pipelineApp(t);
    const subject = 'repo:contoso/invoices:ref:refs/heads/main';
    await addFederatedCredential(ep, pipeline.id, await oidcIssuer(ep), subject);
    const tokenFile = join(outside, `oidc-${Date.now()}`);
    writeFileSync(tokenFile, (await mintOidc(ep, subject)).token);
    await rotatesOwnedAndRefusesOther(t, { AZURE_TENANT_ID: ep.tenantId, AZURE_CLIENT_ID: pipeline.appId, AZURE_FEDERATED_TOKEN_FILE: tokenFile });
  });

  it('GitHub Actions OIDC (ACTIONS_ID_TOKEN_REQUEST_URL + _TOKEN, --auth federated): the same', async () => {
    const t = await connectors();
    const pipeline = await pipelineApp(t);
    const subject = 'repo:contoso/invoices:environment:prod';
    await addFederatedCredential(ep, pipeline.id, await oidcIssuer(ep), subject);
    const runner = await configureRunner(ep, subject);
    await rotatesOwnedAndRefusesOther(
      t,
      { GITHUB_ACTIONS: 'true', AZURE_TENANT_ID: ep.tenantId, AZURE_CLIENT_ID: pipeline.appId, ACTIONS_ID_TOKEN_REQUEST_URL: runner.requestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: runner.requestToken },
      ['--auth', 'federated'],
    );
  });

  it('managed identity (IDENTITY_ENDPOINT + IDENTITY_HEADER, --auth managed-identity): the same', async () => {
    const t = await connectors();
    const mi = await createManagedIdentity(ep);
    await grantOwnedBy(ep, mi.servicePrincipal.id);
    await addOwner(ep, t.connector.id, mi.servicePrincipal.id);
    // MSAL's managed-identity sources read these from process.env themselves.
    process.env.IDENTITY_ENDPOINT = mi.identityEndpoint;
    process.env.IDENTITY_HEADER = mi.identityHeader;
    try {
      await rotatesOwnedAndRefusesOther(t, { IDENTITY_ENDPOINT: mi.identityEndpoint, IDENTITY_HEADER: mi.identityHeader, AZURE_TENANT_ID: ep.tenantId }, ['--auth', 'managed-identity', '--tenant', ep.tenantId]);
    } finally {
      delete process.env.IDENTITY_ENDPOINT;
      delete process.env.IDENTITY_HEADER;
    }
  });

  it('an owner without the Graph permission is refused with Application.ReadWrite.OwnedBy named, and nothing changes', async () => {
    const t = await connectors();
    const pipeline = await createApp(ep, 'Contoso pipeline without permission');
    await addOwner(ep, t.connector.id, pipeline.spId);
    const { secretText } = await addPassword(ep, pipeline.id, 'pipeline credential');
    const before = await passwords(ep, t.connector.id);
    const r = await cli(['rotate', t.dir, '--print-secret', ...cloud()], { AZURE_TENANT_ID: ep.tenantId, AZURE_CLIENT_ID: pipeline.appId, AZURE_CLIENT_SECRET: secretText });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /Application\.ReadWrite\.OwnedBy/);
    assert.deepEqual(await passwords(ep, t.connector.id), before);
  });

  it('a federated token for another branch is refused in the AADSTS70021 shape before anything changes', async () => {
    const t = await connectors();
    const pipeline = await pipelineApp(t);
    await addFederatedCredential(ep, pipeline.id, await oidcIssuer(ep), 'repo:contoso/invoices:ref:refs/heads/main');
    const tokenFile = join(outside, `oidc-wrong-${Date.now()}`);
    writeFileSync(tokenFile, (await mintOidc(ep, 'repo:contoso/invoices:ref:refs/heads/feature')).token);
    const before = await passwords(ep, t.connector.id);
    const r = await cli(['rotate', t.dir, '--print-secret', ...cloud()], { AZURE_TENANT_ID: ep.tenantId, AZURE_CLIENT_ID: pipeline.appId, AZURE_FEDERATED_TOKEN_FILE: tokenFile });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /AADSTS70021/);
    assert.match(r.stderr, /federated credential/);
    assert.deepEqual(await passwords(ep, t.connector.id), before);
  });

  it('--print-secret in GitHub Actions masks the value (::add-mask::) before printing it; the printed value works', async () => {
    const t = await connectors();
    const pipeline = await pipelineApp(t);
    const { secretText } = await addPassword(ep, pipeline.id, 'pipeline credential');
    // Not recorded for the scan: this run prints the secret on purpose.
    const { code, stdout } = await runCliAgainst(ep, ['rotate', t.dir, '--print-secret', ...cloud()], {
      user: false,
      env: { GITHUB_ACTIONS: 'true', AZURE_TENANT_ID: ep.tenantId, AZURE_CLIENT_ID: pipeline.appId, AZURE_CLIENT_SECRET: secretText },
    });
    assert.equal(code, 0, stdout);
    const lines = stdout.trim().split('\n');
    const printed = lines[lines.length - 1]!;
    const mask = lines.findIndex((l) => l === `::add-mask::${printed}`);
    assert.ok(mask >= 0 && mask < lines.length - 1, stdout.replace(printed, '<secret>'));
    assert.ok(await works(t.connector.appId, printed));
  });

  it('a handover command that fails takes the new secret back; the old ones keep working', async () => {
    const t = await connectors();
    const pipeline = await pipelineApp(t);
    const { secretText } = await addPassword(ep, pipeline.id, 'pipeline credential');
    const before = (await passwords(ep, t.connector.id)).map((p) => p.keyId);
    const r = await cli(['rotate', t.dir, '--handover-command', 'test -s "$ENTRA_CONNECTOR_SECRET_FILE" && exit 3', ...cloud()], { AZURE_TENANT_ID: ep.tenantId, AZURE_CLIENT_ID: pipeline.appId, AZURE_CLIENT_SECRET: secretText });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /exited with code 3/);
    assert.deepEqual((await passwords(ep, t.connector.id)).map((p) => p.keyId), before);
  });

  it('usage and configuration errors: no handover is exit 2; a missing variable is named; a pipeline never falls back to a device code', async () => {
    const t = await connectors();
    const noHandover = await cli(['rotate', t.dir, ...cloud()], {});
    assert.equal(noHandover.code, 2);
    assert.match(noHandover.stderr, /--print-secret, --secret-file <path> or --handover-command/);
    const missing = await cli(['rotate', t.dir, '--print-secret', '--auth', 'secret', ...cloud()], { AZURE_TENANT_ID: ep.tenantId, AZURE_CLIENT_ID: t.connector.appId });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /AZURE_CLIENT_SECRET/);
    const ci = await cli(['rotate', t.dir, '--print-secret', ...cloud()], { GITHUB_ACTIONS: 'true' });
    assert.equal(ci.code, 1);
    assert.match(ci.stderr, /AZURE_CLIENT_ID/);
    assert.doesNotMatch(ci.stderr, /enter the code/);
    mkdirSync(join(work, 'empty'), { recursive: true });
    const noFile = await cli(['rotate', join(work, 'empty'), '--print-secret', ...cloud()], {});
    assert.equal(noFile.code, 2);
  });

  it('check --online as the same pipeline (exactly OwnedBy) checks the connector app it owns and names the permission on another', async () => {
    const t = await connectors();
    const pipeline = await pipelineApp(t);
    const { secretText } = await addPassword(ep, pipeline.id, 'pipeline credential');
    const env = { AZURE_TENANT_ID: ep.tenantId, AZURE_CLIENT_ID: pipeline.appId, AZURE_CLIENT_SECRET: secretText };
    const owned = await cli(['check', join(t.dir, 'apiProperties.json'), '--online', '--json', ...cloud()], env);
    const report = JSON.parse(owned.stdout) as { files: { diagnostics: { code: string }[] }[] };
    const codes = report.files[0]!.diagnostics.map((d) => d.code);
    // The app is single-tenant and the file signs in through "common": only a read of the app itself can tell.
    assert.ok(codes.includes('tenant-common-single-tenant'), `${codes.join(', ')}\n${owned.stderr}`);
    assert.match(owned.stderr, /App-only sign-in: checking the connector app itself/);
    const other = await cli(['check', join(t.otherDir, 'apiProperties.json'), '--online', ...cloud()], env);
    assert.equal(other.code, 1);
    assert.match(other.stderr, /Application\.ReadWrite\.OwnedBy/);
    assert.match(other.stderr, /owner/);
  });
});
