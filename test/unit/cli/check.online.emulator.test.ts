// `entra-connector check --online` against the emulated tenant: device-code sign-in (code and URL on stderr,
// approved through the admin API), the online rules printed with the offline ones, and the exit code.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { Endpoints } from '../../../emulator/src';
import { cloudArgs, runCliAgainst } from '../../support/cli';
import { connectorProperties, securedConnector } from '../../support/connector';
import { directoryFor, useTenant } from '../../support/tenant';

const REGISTERED = 'https://global.consent.azure-apim.net/redirect/contoso-20invoices-5fabc';
const NOT_REGISTERED = 'https://global.consent.azure-apim.net/redirect/contoso-20invoices-00000';

let ep: Endpoints;
let work: string;
let clientAppId = '';
let resource = '';

useTenant({ temp: 'entra-check-online-', emulator: { deviceCodeIntervalSeconds: 1 } }, (t) => ({ ep, work } = t));

const apiProperties = (redirectUrl: string) => connectorProperties(clientAppId, resource, redirectUrl);
/** Runs the CLI; the admin approves the device code as soon as it is shown on stderr. */
const cli = (args: string[]) => runCliAgainst(ep, args);

function write(name: string, text: string): string {
  const path = join(mkdtempSync(join(work, `${name}-`)), 'apiProperties.json');
  writeFileSync(path, text);
  return path;
}

describe('entra-connector check --online', () => {
  // A connector set up completely: API app with a scope, connector app with the redirect URI, secret and grant.
  before(async () => {
    const directory = directoryFor(ep, { retry: { maxRetries: 1, maxDelayMs: 10 }, sleep: async () => {}, replication: { attempts: 3, delayMs: 0 } });
    ({ clientAppId, resource } = await securedConnector(directory, 'check-online', REGISTERED));
  });

  it('a redirect URL the connector app does not have is redirect-uri-not-registered, printed with its line, and exits 1', async () => {
    const path = write('unregistered', apiProperties(NOT_REGISTERED));
    const r = await cli(['check', path, '--online', ...cloudArgs(ep)]);
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
    const r = await cli(['check', path, '--online', '--json', ...cloudArgs(ep)]);
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
    const r = await cli(['check', path, '--online', ...cloudArgs(ep)]);
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
