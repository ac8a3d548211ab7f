// Creates (if missing) the emulated tenant's CA and server certificate and prints the absolute path of the CA PEM.
// `scripts/test.mjs` runs this once and sets NODE_EXTRA_CA_CERTS to the printed path for every test process.
// Usage: npx tsx emulator/src/ensure-ca.ts [dir]
import { resolve } from 'node:path';
import { DEFAULT_CERT_DIR, ensureTls } from './certs';

const dir = process.argv[2] ? resolve(process.argv[2]) : DEFAULT_CERT_DIR;
console.log(ensureTls(dir).caCertPath);
