// `entra-connector setup` in a pipeline: with nothing configured it names the variables instead of waiting for a
// device code; `--auth device` still lets a person sign in there; a secret it prints is masked for GitHub Actions.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Endpoints } from '../../../emulator/src';
import { cloudArgs, connectorCopy, runCliAgainst } from '../../support/cli';
import { useTenant } from '../../support/tenant';

let ep: Endpoints;
let work: string;
useTenant({ temp: 'entra-setup-pipeline-', emulator: { deviceCodeIntervalSeconds: 1 } }, (t) => ({ ep, work } = t));

const cli = (args: string[], env: NodeJS.ProcessEnv) => runCliAgainst(ep, args, { env });
const cloud = () => cloudArgs(ep);

describe('entra-connector setup in a pipeline', () => {
  it('with nothing configured in GitHub Actions it names the variables and never shows a device code', async () => {
    const dir = connectorCopy(work);
    const r = await cli(['setup', dir, ...cloud(), '--state', join(work, 'none.json')], { GITHUB_ACTIONS: 'true' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /AZURE_CLIENT_ID/);
    assert.doesNotMatch(r.stderr, /enter the code/);
  });

  it('--auth device signs a person in; --print-secret in GitHub Actions writes ::add-mask:: with the value before printing it', async () => {
    const dir = connectorCopy(work);
    const r = await cli(['setup', dir, ...cloud(), '--auth', 'device', '--state', join(work, 'state.json'), '--print-secret'], { GITHUB_ACTIONS: 'true' });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const secret = /Client secret \(shown once, store it now\): (\S+)/.exec(r.stdout)?.[1];
    assert.ok(secret);
    const lines = r.stdout.split('\n');
    const mask = lines.indexOf(`::add-mask::${secret}`);
    const shown = lines.findIndex((l) => l.includes(`: ${secret}`));
    assert.ok(mask >= 0 && mask < shown, 'the mask comes first');
  });
});
