// npm start on a shared machine: code-server behind a random password that goes in through the environment only.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CODE_SERVER_ENTRY, codeServerAuth, makeTempDir, randomPassword, removeDir, startCodeServer } from '../../../scripts/codeServer.mjs';

describe('npm start', () => {
  it('asks code-server for a password given only through its environment, random per start', () => {
    const a = randomPassword();
    const b = randomPassword();
    assert.notEqual(a, b);
    assert.ok(a.length >= 20);
    assert.deepEqual(codeServerAuth(a), { mode: 'password', env: { PASSWORD: a } });
    assert.throws(() => codeServerAuth('short'));
    assert.deepEqual(codeServerAuth(undefined), { mode: 'none', env: {} });
  });

  it('code-server started with a password sends a visitor without it to the login page, not the workbench', { skip: existsSync(CODE_SERVER_ENTRY) ? false : 'code-server is not installed (npm run install:vscode)', timeout: 120_000 }, async () => {
    const base = makeTempDir('entra-start-check-');
    const server = await startCodeServer({ baseDir: base, password: randomPassword() });
    try {
      const r = await fetch(server.url, { redirect: 'manual' });
      assert.equal(r.status, 302);
      assert.match(r.headers.get('location') ?? '', /login/);
    } finally {
      await server.stop();
      removeDir(base);
    }
  });
});
