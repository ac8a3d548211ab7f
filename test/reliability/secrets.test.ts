// After runs that create secrets and tokens (the engine as the extension hosts it, and `entra-connector setup
// --print-secret --verbose`), search every file they could have written (connector folders, state files, the CLI's
// default state folder) and every log line and stderr they produced for each secret and each token: zero hits.
// Every client secret the tenant issued is taken from the emulator's own responses, so none can be missed.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { getIssued, getState, type Endpoints } from '../../emulator/src';
import type { GraphExchange } from '../contract/graph-contract';
import { runSetup } from '../../src/setup/engine';
import { JsonFileStateStore } from '../../src/setup/stateFile';
import { connectorCopy, filesUnder, harness, newContext } from './support';
import { scanForSecrets } from './scan.mjs';
import { cloudArgs, runCliAgainst } from '../support/cli';
import { useTenant } from '../support/tenant';

let ep: Endpoints;
let work: string;
const issuedSecrets: string[] = [];

function hook(ex: GraphExchange): void {
  const body = ex.responseBody as { secretText?: unknown } | undefined;
  if (/\/addPassword$/.test(ex.path) && body && typeof body.secretText === 'string') issuedSecrets.push(body.secretText);
}

useTenant({ temp: 'entra-secrets-', emulator: { deviceCodeIntervalSeconds: 1, onGraphExchange: hook } }, (t) => ({ ep, work } = t));

describe('no secret or token outside memory', () => {
  it('engine run + CLI run with --print-secret: zero hits in files, state, logs and stderr', async () => {
    // 1. The engine, hosted as the extension hosts it (file state store instead of workspaceState).
    const engineDir = connectorCopy(work);
    const h = harness(ep, { state: new JsonFileStateStore(join(work, 'engine-state', 'setup.json')) });
    const r = await runSetup(newContext(ep, engineDir), h.services);
    assert.deepEqual(r.failures, []);
    assert.equal(h.secrets.size, 1, 'the engine stored one secret');

    // 2. The CLI, with its default state folder, verbose Graph log and --print-secret.
    const cliDir = connectorCopy(work, 'Invoices CLI');
    const stateHome = mkdtempSync(join(work, 'xdg-state-'));
    const { code, stdout, stderr } = await runCliAgainst(ep, ['setup', cliDir, ...cloudArgs(ep), '--json', '--print-secret', '--verbose'], { env: { XDG_STATE_HOME: stateHome } });
    assert.equal(code, 0, stderr);
    const printed = JSON.parse(stdout).clientSecret as string;
    assert.ok(printed, '--print-secret printed the secret on stdout (the one place it may go)');
    assert.ok(filesUnder(stateHome).length > 0, 'the CLI kept its resumable state in the default folder');

    // Every secret the tenant issued, every token the engine used.
    assert.equal(issuedSecrets.length, 2, 'the tenant issued one secret per run');
    assert.ok(issuedSecrets.includes(printed));
    const needles = [...issuedSecrets, ...h.issuedTokens];
    assert.ok(h.issuedTokens.length > 0);

    const scanned = filesUnder(work);
    assert.ok(scanned.length >= 5, `scanned ${scanned.length} files`);
    const texts = [
      { name: 'engine log', text: h.log.join('\n') },
      { name: 'CLI stderr (device code prompt, verbose Graph log)', text: stderr },
      { name: 'CLI stdout without the printed secret', text: stdout.replace(printed, '') },
    ];
    assert.deepEqual(scanForSecrets({ dirs: [work], texts, needles }), []);
  });

  it('setup --deploy then test-connection (Power Platform): the deployed secret and every token in no file, settings.json, state or output', async () => {
    const dir = connectorCopy(work, 'Invoices Deploy');
    const stateHome = mkdtempSync(join(work, 'xdg-state-deploy-'));
    const cloud = cloudArgs(ep, { powerPlatform: true });
    const outputs: { name: string; text: string }[] = [];
    const run = (args: string[]) => runCliAgainst(ep, args, { env: { XDG_STATE_HOME: stateHome }, record: outputs });
    const setup = await run(['setup', dir, ...cloud, '--deploy', '--json', '--verbose']);
    assert.equal(setup.code, 0, setup.stderr + setup.stdout);
    const test = await run(['test-connection', dir, ...cloud, '--json', '--timeout', '30']);
    assert.equal(test.code, 0, test.stderr + test.stdout);
    const issued = await getIssued(ep);
    const state = await getState(ep);
    assert.ok(state.powerPlatform.connectors.some((c) => c.hasSecret), 'a secret was deployed');
    assert.ok(state.powerPlatform.connections.some((c) => c.status === 'Connected'), 'a connection token was issued');
    const needles = [...issued.secrets, ...issued.tokens];
    assert.deepEqual(scanForSecrets({ dirs: [dir, stateHome], texts: outputs, needles }), []);
  });

  it('the scan finds a planted secret and a planted token (it can fail)', () => {
    const secret = 'Qx8~planted.secret.value_0123456789';
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwbGFudGVkIn0.c2ln';
    const found = scanForSecrets({ texts: [{ name: 'apiProperties.json', text: `{"clientSecret": "${secret}"}` }, { name: 'log', text: `Authorization: Bearer ${token}` }], needles: [secret] });
    assert.deepEqual(found, ['needle #0 in apiProperties.json', 'a token-shaped string in log']);
  });
});
