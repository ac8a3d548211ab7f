// `entra-connector automate` end to end against the emulated tenant: a Global Administrator runs it once; afterwards
// a token minted by the (stand-in) GitHub OIDC issuer for the configured subject lets `rotate` run with no secret
// anywhere, while a token for another repository or branch is refused in the AADSTS70021 shape. The workflow file
// is valid YAML with least-privilege permissions and the rotate step (schema-checked). A second run changes nothing;
// an Application Administrator gets the admin-consent link instead of the Graph permission.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Ajv from 'ajv';
import { parse as parseYaml } from 'yaml';
import { getState, type Endpoints } from '../../../emulator/src';
import { ACCOUNTS, ADMIN, addPassword, apiProperties, createApp, GLOBAL_ADMIN, mintOidc, oidcIssuer, passwords } from '../../support/workload';
import { cloudArgs, runCliAgainst, type CliRun } from '../../support/cli';
import { noLeaks, useTempDir, useTenant } from '../../support/tenant';

let ep: Endpoints;
let work: string;
let outside: string;
const outputs: { name: string; text: string }[] = [];

useTenant(
  {
    temp: 'entra-automate-',
    emulator: { deviceCodeIntervalSeconds: 1, seed: { accounts: ACCOUNTS } },
    beforeStop: noLeaks(outputs),
  },
  (t) => ({ ep, work } = t),
);
useTempDir('entra-automate-out-', (d) => (outside = d));

const cloud = () => cloudArgs(ep);

/** Runs the CLI; a device code shown on stderr is approved by `user` (consenting where that user may). */
const cli = (args: string[], env: NodeJS.ProcessEnv, user = GLOBAL_ADMIN) => runCliAgainst(ep, args, { env, user, consentForOrg: true, record: outputs });

/** A git repository holding one secured connector (its app made by the admin, with the secret setup added). */
async function repository(name: string): Promise<{ root: string; dir: string; connector: { id: string; appId: string } }> {
  const root = mkdtempSync(join(work, 'repo-'));
  mkdirSync(join(root, '.git'));
  const dir = join(root, 'connectors', name);
  mkdirSync(dir, { recursive: true });
  const connector = await createApp(ep, `${name} connector`);
  await addPassword(ep, connector.id, 'Entra Connector setup 1');
  writeFileSync(join(dir, 'apiProperties.json'), apiProperties(connector.appId));
  writeFileSync(join(dir, 'apiDefinition.swagger.json'), JSON.stringify({ swagger: '2.0', info: { title: name, version: '1.0' }, host: 'api.contoso.example', paths: {} }));
  return { root, dir, connector };
}

/** The part of GitHub's workflow schema the generated file must satisfy, plus least privilege and the rotate step. */
const WORKFLOW_SCHEMA = {
  type: 'object',
  required: ['name', 'on', 'permissions', 'jobs'],
  properties: {
    name: { type: 'string' },
    on: {
      type: 'object',
      required: ['schedule'],
      properties: { schedule: { type: 'array', minItems: 1, items: { type: 'object', required: ['cron'], properties: { cron: { type: 'string', pattern: '^(\\S+\\s+){4}\\S+$' } }, additionalProperties: false } } },
    },
    permissions: { type: 'object', properties: { 'id-token': { const: 'write' }, contents: { const: 'read' } }, required: ['id-token', 'contents'], additionalProperties: false },
    jobs: {
      type: 'object',
      required: ['rotate'],
      additionalProperties: false,
      properties: {
        rotate: {
          type: 'object',
          required: ['runs-on', 'steps', 'env'],
          properties: {
            'runs-on': { type: 'string' },
            env: { type: 'object', required: ['AZURE_TENANT_ID', 'AZURE_CLIENT_ID'], additionalProperties: { type: 'string' }, not: { required: ['AZURE_CLIENT_SECRET'] } },
            steps: { type: 'array', minItems: 1, items: { type: 'object', oneOf: [{ required: ['uses'] }, { required: ['run'] }] } },
            permissions: false,
          },
        },
      },
    },
  },
};

const SUBJECT = 'repo:contoso/invoices:ref:refs/heads/main';

async function rotateWithToken(dir: string, pipelineAppId: string, subject: string): Promise<CliRun> {
  const tokenFile = join(mkdtempSync(join(outside, 't-')), 'token');
  writeFileSync(tokenFile, (await mintOidc(ep, subject)).token);
  return cli(['rotate', dir, '--handover-command', 'test -s "$ENTRA_CONNECTOR_SECRET_FILE"', '--json', ...cloud()], { AZURE_TENANT_ID: ep.tenantId, AZURE_CLIENT_ID: pipelineAppId, AZURE_FEDERATED_TOKEN_FILE: tokenFile });
}

describe('entra-connector automate', () => {
  let pipelineAppId = '';
  let repo: Awaited<ReturnType<typeof repository>>;

  it('sets up the federated pipeline identity, ownership and OwnedBy, and writes a schema-valid least-privilege workflow', async () => {
    repo = await repository('Contoso Invoices');
    const issuer = await oidcIssuer(ep);
    const r = await cli(['automate', repo.dir, '--github', 'contoso/invoices', '--branch', 'main', '--issuer', issuer, '--key-vault', 'kv-contoso', '--json', ...cloud()], {});
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const out = JSON.parse(r.stdout) as { pipelineApp: { appId: string; id: string; state: string }; federatedCredential: { subject: string; state: string }; owner: { state: string }; permission: { state: string; name: string }; workflow: { path: string; state: string } };
    assert.equal(out.pipelineApp.state, 'created');
    assert.equal(out.federatedCredential.subject, SUBJECT);
    assert.equal(out.owner.state, 'created');
    assert.deepEqual([out.permission.name, out.permission.state], ['Application.ReadWrite.OwnedBy', 'created']);
    pipelineAppId = out.pipelineApp.appId;
    assert.equal(out.workflow.path, join(repo.root, '.github', 'workflows', 'rotate-contoso-invoices.yml'));
    assert.equal(out.workflow.state, 'written');

    // The pipeline app has no secret and no certificate: only the federated credential.
    const state = await getState(ep);
    const pipeline = state.applications.find((a) => a.appId === pipelineAppId) as unknown as { passwordCredentials: unknown[]; keyCredentials: unknown[] };
    assert.deepEqual([pipeline.passwordCredentials, pipeline.keyCredentials], [[], []]);

    const text = readFileSync(out.workflow.path, 'utf8');
    const workflow = parseYaml(text) as Record<string, unknown>;
    const ajv = new Ajv({ allErrors: true, strict: false });
    assert.ok(ajv.validate(WORKFLOW_SCHEMA, workflow), JSON.stringify(ajv.errors));
    const job = (workflow.jobs as { rotate: { env: Record<string, string>; steps: { uses?: string; run?: string; env?: Record<string, string> }[] } }).rotate;
    assert.deepEqual(job.env, { AZURE_TENANT_ID: ep.tenantId, AZURE_CLIENT_ID: pipelineAppId });
    const rotate = job.steps.find((s) => s.run?.includes(' rotate '));
    assert.ok(rotate, text);
    assert.match(rotate.run!, /rotate connectors\/Contoso Invoices|rotate 'connectors\/Contoso Invoices'/);
    assert.match(rotate.run!, /--auth federated/);
    assert.match(rotate.env!.HANDOVER!, /^az keyvault secret set --vault-name kv-contoso --name contoso-invoices-client-secret --file "\$ENTRA_CONNECTOR_SECRET_FILE"/);
    assert.ok(job.steps.some((s) => s.uses === 'azure/login@v2'), 'Key Vault needs az signed in with the same federated identity');
    assert.doesNotMatch(text, /secrets\./, 'the workflow reads no repository secret');
  });

  it('afterwards a minted OIDC token for the configured subject lets rotate run with no secret anywhere', async () => {
    const before = (await passwords(ep, repo.connector.id)).map((p) => p.keyId);
    const r = await rotateWithToken(repo.dir, pipelineAppId, SUBJECT);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const out = JSON.parse(r.stdout) as { ok: boolean; removed: { keyId: string }[]; added: { keyId: string } };
    assert.equal(out.ok, true);
    assert.deepEqual(out.removed.map((s) => s.keyId), before);
    assert.deepEqual((await passwords(ep, repo.connector.id)).map((p) => p.keyId), [out.added.keyId]);
  });

  it('a token for another repository or another branch is refused (AADSTS70021) and changes nothing', async () => {
    const before = await passwords(ep, repo.connector.id);
    for (const subject of ['repo:fabrikam/invoices:ref:refs/heads/main', 'repo:contoso/invoices:ref:refs/heads/feature', 'repo:Contoso/Invoices:ref:refs/heads/main']) {
      const r = await rotateWithToken(repo.dir, pipelineAppId, subject);
      assert.equal(r.code, 1, subject);
      assert.match(r.stderr, /AADSTS70021/, subject);
      assert.match(r.stderr, new RegExp(`Assertion Subject: '${subject.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}'`));
    }
    assert.deepEqual(await passwords(ep, repo.connector.id), before);
  });

  it('a second run finds everything and changes nothing (no new app, credential, owner, assignment or file write)', async () => {
    const issuer = await oidcIssuer(ep);
    const apps = (await getState(ep)).applications.length;
    const r = await cli(['automate', repo.dir, '--github', 'contoso/invoices', '--branch', 'main', '--issuer', issuer, '--key-vault', 'kv-contoso', '--json', ...cloud()], {});
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, { state: string }>;
    for (const k of ['pipelineApp', 'servicePrincipal', 'federatedCredential', 'owner', 'permission']) assert.equal(out[k]!.state, 'found', k);
    assert.equal(out.workflow!.state, 'unchanged');
    assert.equal((await getState(ep)).applications.length, apps);
  });

  it('an Application Administrator gets everything but the Graph permission, and the link for an administrator', async () => {
    const other = await repository('Fabrikam Orders');
    const issuer = await oidcIssuer(ep);
    const r = await cli(['automate', other.dir, '--issuer', issuer, '--subject', 'sc://fabrikam/orders/rotate', ...cloud()], {}, ADMIN);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /Pending: Application\.ReadWrite\.OwnedBy/);
    assert.match(r.stdout, /An administrator grants it here: https:\/\/\S+adminconsent\?client_id=[0-9a-f-]{36}/);
    assert.match(r.stdout, /Created federated credential/);
  });

  it('bad usage is exit 2 with the reason: no place for the secret, branch and environment together, a bad repository', async () => {
    const cases: [string[], RegExp][] = [
      [['--github', 'contoso/invoices'], /--key-vault/],
      [['--github', 'contoso/invoices', '--branch', 'main', '--environment', 'prod', '--key-vault', 'kv-contoso'], /not both/],
      [['--github', 'not a repo', '--key-vault', 'kv-contoso'], /owner\/name/],
      [['--issuer', 'http://insecure.example', '--subject', 'x'], /https/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(['automate', repo.dir, ...args, ...cloud()], {});
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, message);
    }
  });
});
