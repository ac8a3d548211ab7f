// The emulated tenant's TLS material: a private CA and one loopback server certificate signed by it.
// Made once and kept in an ignored folder (default `.emulator/` at the repo root); the private keys never leave it.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import forge from 'node-forge';

export const DEFAULT_CERT_DIR = resolve(__dirname, '..', '..', '.emulator');

export interface TlsMaterial {
  caCertPath: string;
  caCertPem: string;
  certPem: string;
  keyPem: string;
}

const FILES = { caCert: 'ca.pem', caKey: 'ca.key.pem', cert: 'server.pem', key: 'server.key.pem' } as const;

function newKeyPair(): { publicPem: string; privatePem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { publicPem: publicKey, privatePem: privateKey };
}

function serial(): string {
  // Positive, 16 bytes.
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f;
  return b.toString('hex');
}

const NAME_CONSTRAINTS_OID = '2.5.29.30';

/**
 * NameConstraints (RFC 5280 §4.2.1.10), critical: the CA may vouch only for loopback addresses (127.0.0.0/8) and
 * `localhost`. A machine that trusts it (NODE_EXTRA_CA_CERTS) then trusts nothing else it signs, even if its key
 * leaked: a certificate for login.microsoftonline.com made with it fails verification.
 */
function loopbackOnlyConstraints(): forge.asn1.Asn1 {
  const { asn1 } = forge;
  const subtree = (name: forge.asn1.Asn1) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [name]);
  const ipv4Loopback = asn1.create(asn1.Class.CONTEXT_SPECIFIC, 7, false, String.fromCharCode(127, 0, 0, 0, 255, 0, 0, 0) as never);
  const localhost = asn1.create(asn1.Class.CONTEXT_SPECIFIC, 2, false, 'localhost' as never);
  const permitted = asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [subtree(ipv4Loopback), subtree(localhost)]);
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [permitted]);
}

/** True when the CA certificate carries the loopback-only name constraints (older CAs are made again). */
export function isNameConstrained(caCertPem: string): boolean {
  const ext = forge.pki.certificateFromPem(caCertPem).getExtension({ id: NAME_CONSTRAINTS_OID } as never) as { critical?: boolean } | null;
  return !!ext?.critical;
}

function makeCa(): { certPem: string; keyPem: string } {
  const keys = newKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicPem);
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 24 * 3600 * 1000);
  cert.validity.notAfter = new Date(Date.now() + 5 * 365 * 24 * 3600 * 1000);
  const attrs = [
    { name: 'commonName', value: 'Entra Connector emulated tenant CA' },
    { name: 'organizationName', value: 'Entra Connector tests' },
  ];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
    { id: NAME_CONSTRAINTS_OID, critical: true, value: loopbackOnlyConstraints() },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keys.privatePem) as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privatePem };
}

function makeServerCert(caCertPem: string, caKeyPem: string): { certPem: string; keyPem: string } {
  const keys = newKeyPair();
  const ca = forge.pki.certificateFromPem(caCertPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicPem);
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 24 * 3600 * 1000);
  cert.validity.notAfter = new Date(Date.now() + 2 * 365 * 24 * 3600 * 1000);
  cert.setSubject([{ name: 'commonName', value: '127.0.0.2' }]);
  cert.setIssuer(ca.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 7, ip: '127.0.0.2' },
        { type: 7, ip: '127.0.0.1' },
        { type: 2, value: 'localhost' },
      ],
    },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(caKeyPem) as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privatePem };
}

function writeAtomic(path: string, data: string, mode: number): void {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, path);
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Holds a cross-process lock (an atomic mkdir) while `fn` runs; a lock older than 30 s is considered abandoned. */
function withLock<T>(dir: string, fn: () => T): T {
  const lock = join(dir, 'lock');
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      try {
        if (Date.now() - statSync(lock).mtimeMs > 30_000) rmdirSync(lock);
      } catch {
        // Another process removed it first.
      }
      if (Date.now() > deadline) throw new Error(`Timed out waiting for the certificate lock ${lock}`);
      sleepSync(50);
    }
  }
  try {
    return fn();
  } finally {
    rmdirSync(lock);
  }
}

/** Returns the CA and server certificate in `dir`, creating whatever is missing. Safe to call from parallel processes. */
export function ensureTls(dir: string = DEFAULT_CERT_DIR): TlsMaterial {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const p = (f: keyof typeof FILES) => join(dir, FILES[f]);
  const constrained = () => existsSync(p('caCert')) && isNameConstrained(readFileSync(p('caCert'), 'utf8'));
  const complete = () => (Object.keys(FILES) as (keyof typeof FILES)[]).every((f) => existsSync(p(f))) && constrained();
  if (!complete()) {
    withLock(dir, () => {
      if (!existsSync(p('caCert')) || !existsSync(p('caKey')) || !constrained()) {
        const ca = makeCa();
        writeAtomic(p('caKey'), ca.keyPem, 0o600);
        writeAtomic(p('caCert'), ca.certPem, 0o644);
        const server = makeServerCert(ca.certPem, ca.keyPem);
        writeAtomic(p('key'), server.keyPem, 0o600);
        writeAtomic(p('cert'), server.certPem, 0o644);
      } else if (!existsSync(p('cert')) || !existsSync(p('key'))) {
        const server = makeServerCert(readFileSync(p('caCert'), 'utf8'), readFileSync(p('caKey'), 'utf8'));
        writeAtomic(p('key'), server.keyPem, 0o600);
        writeAtomic(p('cert'), server.certPem, 0o644);
      }
    });
  }
  return {
    caCertPath: p('caCert'),
    caCertPem: readFileSync(p('caCert'), 'utf8'),
    certPem: readFileSync(p('cert'), 'utf8'),
    keyPem: readFileSync(p('key'), 'utf8'),
  };
}
