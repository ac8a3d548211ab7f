// The emulated tenant's CA is name-constrained to loopback: what it signs for any other name is not trusted.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import forge from 'node-forge';
import { ensureTls, isNameConstrained } from '../src/certs';

const dir = mkdtempSync(join(tmpdir(), 'entra-ca-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A certificate for `name`, signed with the emulator CA's own key (as if that key had leaked). */
function leafFor(name: string): { cert: string; key: string } {
  const caCert = forge.pki.certificateFromPem(readFileSync(join(dir, 'ca.pem'), 'utf8'));
  const caKey = forge.pki.privateKeyFromPem(readFileSync(join(dir, 'ca.key.pem'), 'utf8'));
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = '0a1b2c3d';
  cert.validity.notBefore = new Date(Date.now() - 3_600_000);
  cert.validity.notAfter = new Date(Date.now() + 3_600_000);
  cert.setSubject([{ name: 'commonName', value: name }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([{ name: 'basicConstraints', cA: false }, { name: 'extKeyUsage', serverAuth: true }, { name: 'subjectAltName', altNames: [{ type: 2, value: name }] }]);
  cert.sign(caKey as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: privateKey };
}

async function handshake(leaf: { cert: string; key: string }, servername: string): Promise<string> {
  const server = createServer({ cert: leaf.cert, key: leaf.key }, (_req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    return await new Promise<string>((resolve) => {
      const req = request({ host: '127.0.0.1', port, servername, ca: readFileSync(join(dir, 'ca.pem'), 'utf8'), checkServerIdentity: () => undefined }, (res) => {
        res.resume();
        res.on('end', () => resolve('trusted'));
      });
      req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      req.end();
    });
  } finally {
    server.close();
  }
}

describe('the emulated tenant CA', () => {
  it('is name-constrained (critical) to loopback and localhost', () => {
    const tls = ensureTls(dir);
    assert.equal(isNameConstrained(tls.caCertPem), true);
  });

  it('a certificate it signs for localhost is trusted; one for login.microsoftonline.com is refused', async () => {
    ensureTls(dir);
    assert.equal(await handshake(leafFor('localhost'), 'localhost'), 'trusted');
    // Same CA key, same chain: only the name differs, and the name constraints refuse it.
    assert.notEqual(await handshake(leafFor('login.microsoftonline.com'), 'login.microsoftonline.com'), 'trusted');
  });
});
