// Sign-in against endpoints that cannot work: each gives one AuthFailure with the cause and a next step.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { resolveCloud } from '../../../src/cloud/clouds';
import { isAuthFailure } from '../../../src/auth/errors';
import { SignInService } from '../../../src/auth/signIn';
import { MemoryMemento, MemorySecretStore, ScriptedPrompter, startUntrustedServer } from './support';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function service(base: string) {
  const cloud = resolveCloud('Custom', { loginEndpoint: base, graphEndpoint: `${base}/graph`, armEndpoint: `${base}/arm` });
  const opened: string[] = [];
  const codes: string[] = [];
  const svc = await SignInService.create(
    { cloud, clientId: '14d82eec-204b-4c2f-b7e8-296a70dab67e', tenant: 'organizations' },
    {
      secrets: new MemorySecretStore(),
      memento: new MemoryMemento(),
      prompter: new ScriptedPrompter('decline'),
      ui: { openBrowser: async (url) => void opened.push(url), showDeviceCode: (p) => void codes.push(p.userCode) },
    },
  );
  return { svc, opened, codes };
}

describe('sign-in against a bad endpoint', () => {
  it('an unreachable sign-in endpoint names the host, the network cause and the setting to check', async () => {
    const port = await closedPort();
    const { svc, opened, codes } = await service(`https://127.0.0.2:${port}`);
    for (const method of ['deviceCode', 'browser'] as const) {
      await assert.rejects(svc.signIn(method), (e: unknown) => {
        assert.ok(isAuthFailure(e), String(e));
        assert.equal(e.error.kind, 'unreachable');
        assert.match(e.message, new RegExp(`Could not reach the sign-in endpoint 127\\.0\\.0\\.2:${port} \\(ECONNREFUSED\\)`));
        assert.match(e.next, /entraConnector\.cloud/);
        return true;
      });
    }
    assert.deepEqual([opened, codes], [[], []], 'nothing is shown to the user when the endpoint cannot be reached');
    svc.dispose();
  });

  it('an https endpoint with an untrusted certificate says so and how to trust it', async () => {
    const server = await startUntrustedServer();
    try {
      const { svc } = await service(server.url);
      await assert.rejects(svc.signIn('deviceCode'), (e: unknown) => {
        assert.ok(isAuthFailure(e), String(e));
        assert.equal(e.error.kind, 'untrustedCertificate');
        assert.match(e.message, /certificate of 127\.0\.0\.2:\d+ is not trusted \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\)/);
        assert.match(e.next, /root certificate|NODE_EXTRA_CA_CERTS/);
        return true;
      });
      svc.dispose();
    } finally {
      await server.close();
    }
  });

  it('getAccessToken before any sign-in says to sign in', async () => {
    const { svc } = await service('https://127.0.0.2:9');
    await assert.rejects(svc.getAccessToken(['User.Read']), (e: unknown) => isAuthFailure(e) && e.error.kind === 'notSignedIn' && /Sign In/.test(e.next));
    svc.dispose();
  });
});
