// Which credential a command uses: the Azure SDK environment convention, --auth, GitHub Actions' OIDC variables, and
// errors that name exactly what is missing; a pipeline never falls back to a device code. Power Platform deploys
// refuse app-only sign-ins up front.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertDeployableWith, DeployAuthError } from '../../../src/auth/powerPlatform';
import { asWorkloadFailure, resolveCredential, resourceOf, WORKLOAD_CONFIG } from '../../../src/auth/workload';
import { UserFailure } from '../../../src/errors';

const T = 'c0ffee00-7e57-4a11-9e55-000000c0ffee';
const C = '11111111-2222-3333-4444-555555555555';

describe('resolveCredential', () => {
  it('follows the Azure SDK order: secret, then certificate, then federated token file, then App Service managed identity', () => {
    const base = { AZURE_TENANT_ID: T, AZURE_CLIENT_ID: C };
    assert.equal(resolveCredential({ ...base, AZURE_CLIENT_SECRET: 's', AZURE_CLIENT_CERTIFICATE_PATH: '/c.pem' }).kind, 'secret');
    assert.deepEqual(resolveCredential({ ...base, AZURE_CLIENT_CERTIFICATE_PATH: '/c.pem', AZURE_CLIENT_CERTIFICATE_PASSWORD: 'p' }), { kind: 'certificate', tenantId: T, clientId: C, certificatePath: '/c.pem', password: 'p' });
    assert.deepEqual(resolveCredential({ ...base, AZURE_FEDERATED_TOKEN_FILE: '/t' }), { kind: 'federated', tenantId: T, clientId: C, source: { file: '/t' } });
    assert.deepEqual(resolveCredential({ IDENTITY_ENDPOINT: 'http://localhost:4141/msi/token', IDENTITY_HEADER: 'h' }), { kind: 'managed-identity', source: 'app-service' });
    assert.deepEqual(resolveCredential({}), { kind: 'device' });
  });

  it('in GitHub Actions, AZURE_CLIENT_ID with the job\'s OIDC variables is a federated sign-in', () => {
    const env = { GITHUB_ACTIONS: 'true', AZURE_TENANT_ID: T, AZURE_CLIENT_ID: C, ACTIONS_ID_TOKEN_REQUEST_URL: 'https://runner.example/token', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'r' };
    assert.deepEqual(resolveCredential(env), { kind: 'federated', tenantId: T, clientId: C, source: { github: { url: 'https://runner.example/token', token: 'r' } } });
  });

  it('--auth picks the kind and every missing variable is named', () => {
    assert.throws(() => resolveCredential({}, { auth: 'secret' }), (e: unknown) => e instanceof UserFailure && e.code === WORKLOAD_CONFIG && /AZURE_TENANT_ID/.test(e.message) && /AZURE_CLIENT_ID/.test(e.message) && /AZURE_CLIENT_SECRET/.test(e.message) && /^Set .*AZURE_CLIENT_SECRET.*--auth\.$/.test(e.next));
    assert.throws(() => resolveCredential({ AZURE_TENANT_ID: T, AZURE_CLIENT_ID: C }, { auth: 'certificate' }), /AZURE_CLIENT_CERTIFICATE_PATH/);
    assert.throws(() => resolveCredential({ AZURE_TENANT_ID: T, AZURE_CLIENT_ID: C }, { auth: 'federated' }), /AZURE_FEDERATED_TOKEN_FILE.*id-token: write/);
    assert.deepEqual(resolveCredential({ AZURE_CLIENT_SECRET: 's' }, { auth: 'device' }), { kind: 'device' });
    assert.deepEqual(resolveCredential({}, { auth: 'managed-identity' }), { kind: 'managed-identity', source: 'vm-metadata' });
    assert.deepEqual(resolveCredential({ AZURE_CLIENT_ID: C }, { auth: 'managed-identity' }), { kind: 'managed-identity', clientId: C, source: 'vm-metadata' });
    assert.equal((resolveCredential({ AZURE_CLIENT_ID: C, AZURE_CLIENT_SECRET: 's' }, { tenant: T }) as { tenantId: string }).tenantId, T);
  });

  it('refuses what cannot work: a client ID that is not a GUID, a multi-tenant alias, an app without a credential', () => {
    assert.throws(() => resolveCredential({ AZURE_TENANT_ID: T, AZURE_CLIENT_ID: 'my-app', AZURE_CLIENT_SECRET: 's' }), /not an application \(client\) ID/);
    assert.throws(() => resolveCredential({ AZURE_TENANT_ID: 'organizations', AZURE_CLIENT_ID: C, AZURE_CLIENT_SECRET: 's' }), /one tenant/);
    assert.throws(() => resolveCredential({ AZURE_TENANT_ID: T, AZURE_CLIENT_ID: C }), /no credential for the app/);
  });

  it('in a pipeline with nothing configured it names the variables instead of waiting for a device code', () => {
    for (const env of [{ GITHUB_ACTIONS: 'true' }, { TF_BUILD: 'True' }, { CI: 'true' }]) {
      assert.throws(() => resolveCredential(env), (e: unknown) => !!asWorkloadFailure(e)?.error.missing?.includes('AZURE_CLIENT_ID'));
    }
  });

  it('asks for the resource of a scope with /.default', () => {
    assert.equal(resourceOf('https://graph.microsoft.com/Application.ReadWrite.All'), 'https://graph.microsoft.com');
    assert.equal(resourceOf('https://127.0.0.2:4443/graph/User.Read'), 'https://127.0.0.2:4443/graph');
    assert.equal(resourceOf('https://management.azure.com/.default'), 'https://management.azure.com');
  });
});

describe('assertDeployableWith', () => {
  it('lets a person deploy and stops every app-only sign-in before anything is sent, with the supported pattern', () => {
    assert.doesNotThrow(() => assertDeployableWith('device'));
    for (const kind of ['secret', 'certificate', 'federated', 'managed-identity'] as const) {
      assert.throws(() => assertDeployableWith(kind), (e: unknown) => e instanceof DeployAuthError && /app-only/.test(e.message) && /Key Vault/.test(e.next));
    }
  });
});
