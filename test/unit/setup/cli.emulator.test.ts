// `entra-connector setup` end to end against the emulated tenant: device-code sign-in (approved through the admin
// API), JSON result, rerun, exit codes, --print-secret, undo, and no secret on disk.
import assert from 'node:assert/strict';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { getState, seedObjects, type Endpoints } from '../../../emulator/src';
import type { SetupContext } from '../../../src/setup/context';
import { choicesFromAnswers, defaultAnswers, stepsToReset } from '../../../src/wizard/model';
import { stepById, type Answers } from '../../../src/wizard/steps';
import { cloudArgs, filesUnder, runCliAgainst, SAMPLE } from '../../support/cli';
import { ADMIN, useTenant } from '../../support/tenant';

let ep: Endpoints;
let work: string;
useTenant({ temp: 'entra-cli-', emulator: { deviceCodeIntervalSeconds: 1 } }, (t) => ({ ep, work } = t));

/** Runs the CLI; the admin approves the device code as soon as it is shown on stderr. */
const cli = (args: string[]) => runCliAgainst(ep, args);
const cloud = () => cloudArgs(ep);

describe('entra-connector setup', () => {
  it('signs in by device code, sets everything up, prints JSON; the secret only with --print-secret and never on disk', async () => {
    const ws = mkdtempSync(join(work, 'ws-'));
    const dir = join(ws, 'Contoso Invoices');
    cpSync(SAMPLE, dir, { recursive: true });
    const stateFile = join(ws, 'state', 'setup.json');
    const before = await getState(ep);
    const r = await cli(['setup', dir, ...cloud(), '--state', stateFile, '--json', '--print-secret']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stderr, /To sign in, open https:\/\/\S+ and enter the code \S+/);
    const out = JSON.parse(r.stdout);
    assert.equal(out.ok, true);
    assert.match(out.connectorApp.appId, /^[0-9a-f-]{36}$/);
    assert.deepEqual([...out.created].sort(), ['apiApp', 'apiServicePrincipal', 'connectorApp', 'connectorServicePrincipal', 'grant', 'password']);
    assert.deepEqual(out.pending.map((p: { step: string }) => p.step), ['redirect']);
    assert.equal(out.grant.consentType, 'AllPrincipals');
    assert.ok(typeof out.clientSecret === 'string' && out.clientSecret.length >= 16);
    const afterRun = await getState(ep);
    assert.equal(afterRun.applications.length, before.applications.length + 2);
    assert.equal(afterRun.servicePrincipals.length, before.servicePrincipals.length + 2);
    assert.equal(afterRun.oauth2PermissionGrants.length, before.oauth2PermissionGrants.length + 1);
    const props = JSON.parse(readFileSync(join(dir, 'apiProperties.json'), 'utf8'));
    assert.equal(props.properties.connectionParameters.token.oAuthSettings.clientId, out.connectorApp.appId);
    assert.ok(existsSync(stateFile));
    for (const f of filesUnder(ws)) assert.ok(!readFileSync(f, 'utf8').includes(out.clientSecret), `secret written to ${f}`);

    // Again: nothing new, same ids, no secret printed without --print-secret.
    const again = await cli(['setup', dir, ...cloud(), '--state', stateFile, '--json']);
    assert.equal(again.code, 0, again.stderr);
    const out2 = JSON.parse(again.stdout);
    assert.equal(out2.connectorApp.appId, out.connectorApp.appId);
    assert.equal(out2.clientSecret, undefined);
    assert.ok(!again.stdout.includes(out.clientSecret));
    const afterAgain = await getState(ep);
    assert.equal(afterAgain.applications.length, afterRun.applications.length);
    assert.equal(afterAgain.oauth2PermissionGrants.length, afterRun.oauth2PermissionGrants.length);

    // Undo asks for --yes, then removes exactly what was created.
    const ask = await cli(['setup', dir, ...cloud(), '--state', stateFile, '--undo']);
    assert.equal(ask.code, 1);
    assert.match(ask.stderr, /--undo --yes/);
    assert.match(ask.stderr, /It restores apiProperties\.json \(\d+ value\(s\)\) and apiDefinition\.swagger\.json \(\d+ value\(s\)\) to what they were before the setup/);
    const undo = await cli(['setup', dir, ...cloud(), '--state', stateFile, '--undo', '--yes']);
    assert.equal(undo.code, 0, undo.stderr);
    for (const f of ['apiProperties.json', 'apiDefinition.swagger.json']) assert.equal(readFileSync(join(dir, f), 'utf8'), readFileSync(join(SAMPLE, f), 'utf8'), `${f} is as before the setup`);
    const afterUndo = await getState(ep);
    assert.deepEqual(afterUndo.applications.map((a) => a.id).sort(), before.applications.map((a) => a.id).sort());
    assert.deepEqual(afterUndo.oauth2PermissionGrants.map((a) => a.id).sort(), before.oauth2PermissionGrants.map((a) => a.id).sort());
  });

  it('prints a human summary and exits 0 with the redirect URL pending', async () => {
    const ws = mkdtempSync(join(work, 'ws-'));
    const dir = join(ws, 'Invoices');
    cpSync(SAMPLE, dir, { recursive: true });
    const r = await cli(['setup', dir, ...cloud(), '--state', join(ws, 's.json'), '--consent', 'link', '--verbose']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Graph PATCH \/applications\(uniqueName='entra-connector-[0-9a-f]+-api'\) → 201 request-id \S+ \d+ ms/);
    assert.doesNotMatch(r.stderr, /Bearer|eyJ/);
    assert.match(r.stdout, /Connector app \(client ID\): [0-9a-f-]{36}/);
    assert.match(r.stdout, /Admin consent needed: https:\/\/\S+\/v2\.0\/adminconsent\?client_id=/);
    assert.match(r.stdout, /Pending redirect:/);
    assert.match(r.stdout, /Pending secret: No client secret was created: .*--print-secret .*--secret-file/);
    const made = (await getState(ep)).applications.filter((a) => String(a.uniqueName ?? '').endsWith('-client'));
    assert.ok(made.every((a) => ((a.passwordCredentials as unknown[] | undefined) ?? []).length === 0), 'no secret was created that nobody could receive');

    // Later: the user pastes the AADSTS50011 message; the URL is registered and nothing else changes.
    const url = 'https://global.consent.azure-apim.net/redirect/invoices-5f0123456789abcdef-0123456789abcdef';
    const msg = `AADSTS50011: The redirect URI '${url}' specified in the request does not match the redirect URIs configured for the application.`;
    const later = await cli(['setup', dir, ...cloud(), '--state', join(ws, 's.json'), '--consent', 'link', '--redirect-url', msg, '--json']);
    assert.equal(later.code, 0, later.stderr);
    const out = JSON.parse(later.stdout);
    assert.equal(out.redirectUri, url);
    assert.deepEqual(out.pending.map((p: { step: string }) => p.step), ['consent', 'secret']);
    const app = (await getState(ep)).applications.find((a) => a.appId === out.connectorApp.appId) as unknown as { web: { redirectUris: string[] } };
    assert.deepEqual(app.web.redirectUris, [url]);
  });

  it('run again with another --secret-days: the wizard\'s rule, a new secret with that lifetime replaces the old one; without the option the recorded lifetime stays', async () => {
    const ws = mkdtempSync(join(work, 'ws-'));
    const dir = join(ws, 'Contoso Invoices');
    cpSync(SAMPLE, dir, { recursive: true });
    const stateFile = join(ws, 's.json');
    const passwords = async (appId: string) => ((await getState(ep)).applications.find((a) => a.appId === appId)?.passwordCredentials ?? []) as { keyId: string; endDateTime: string }[];
    const first = await cli(['setup', dir, ...cloud(), '--state', stateFile, '--secret-days', '90', '--print-secret', '--json']);
    assert.equal(first.code, 0, first.stderr);
    const out = JSON.parse(first.stdout);
    const [old] = await passwords(out.connectorApp.appId);
    assert.ok(old);
    // Not given: the recorded 90 days stay; nothing is replaced.
    const same = await cli(['setup', dir, ...cloud(), '--state', stateFile, '--json']);
    assert.equal(same.code, 0, same.stderr);
    assert.doesNotMatch(same.stderr, /Your options changed/);
    assert.deepEqual((await passwords(out.connectorApp.appId)).map((p) => p.keyId), [old.keyId]);
    // Another lifetime: the same note as any changed answer; the new secret is handed over, the old one removed.
    const other = await cli(['setup', dir, ...cloud(), '--state', stateFile, '--secret-days', '30', '--print-secret', '--json']);
    assert.equal(other.code, 0, other.stderr);
    assert.match(other.stderr, /Your options changed “The client secret”/);
    const now = await passwords(out.connectorApp.appId);
    assert.equal(now.length, 1);
    assert.notEqual(now[0]?.keyId, old.keyId);
    const days = (Date.parse(now[0]?.endDateTime ?? '') - Date.now()) / 86_400_000;
    assert.ok(days > 29 && days <= 30, `${days} days`);
    assert.ok(typeof JSON.parse(other.stdout).clientSecret === 'string', 'the new secret is handed over');
    // The next tests use the same folder name (the same Application ID URI): leave the tenant as it was.
    assert.equal((await cli(['setup', dir, ...cloud(), '--state', stateFile, '--undo', '--yes'])).code, 0);
  });

  it('records the wizard’s answer shape, and run again with other options starts again exactly the steps the wizard would (one rule)', async () => {
    const ws = mkdtempSync(join(work, 'ws-'));
    const dir = join(ws, 'Contoso Invoices');
    cpSync(SAMPLE, dir, { recursive: true });
    const stateFile = join(ws, 's.json');
    const recorded = () => JSON.parse(readFileSync(stateFile, 'utf8')) as SetupContext;
    const wizard = (change: Partial<Answers>) => choicesFromAnswers({ ...defaultAnswers('Contoso Invoices'), ...change }, ep.graphEndpoint);
    const resetNotes = (stderr: string) => [...stderr.matchAll(/Your options changed “([^”]+)”/g)].map((m) => m[1]);

    const first = await cli(['setup', dir, ...cloud(), '--state', stateFile, '--consent', 'link', '--json']);
    assert.equal(first.code, 0, first.stderr);
    const linkAnswers: Partial<Answers> = { consent: { consent: 'link', obo: false } };
    assert.deepEqual(recorded().choices, wizard(linkAnswers), 'the CLI records what the wizard records for the same answers');
    const appsBefore = (await getState(ep)).applications.length;

    // Consent link → admin: the wizard starts the consent step again; so does the CLI, and now grants.
    const before = recorded().choices;
    const wizardResets = stepsToReset(wizard(linkAnswers), wizard({ consent: { consent: 'admin', obo: false } })).map((s) => stepById(s).title);
    assert.deepEqual(wizardResets, ['Delegation and consent']);
    const second = await cli(['setup', dir, ...cloud(), '--state', stateFile, '--consent', 'admin', '--json']);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(resetNotes(second.stderr), wizardResets);
    assert.deepEqual(stepsToReset(before, recorded().choices).map((s) => stepById(s).title), wizardResets);
    assert.equal(JSON.parse(second.stdout).grant.consentType, 'AllPrincipals');

    // A multi-tenant API: the wizard starts the API step again (and every later one); so does the CLI — the apps
    // are found again by their unique names and updated, not duplicated.
    const multi = { api: { kind: 'new', displayName: 'Contoso Invoices API', identifierUri: 'tenant', scope: 'user_impersonation', audience: 'multi' } } as const;
    const wizardApiResets = stepsToReset(wizard({}), wizard(multi)).map((s) => stepById(s).title);
    assert.deepEqual(wizardApiResets, ['The API app']);
    const third = await cli(['setup', dir, ...cloud(), '--state', stateFile, '--multi-tenant', '--json']);
    assert.equal(third.code, 0, third.stderr + third.stdout);
    assert.deepEqual(resetNotes(third.stderr), wizardApiResets);
    assert.deepEqual(recorded().choices, wizard(multi));
    const apps = (await getState(ep)).applications;
    assert.equal(apps.length, appsBefore);
    assert.equal(apps.find((a) => a.appId === recorded().objects.apiApp?.appId)?.signInAudience, 'AzureADMultipleOrgs');

    // Run again without API options: the recorded API stays (an option not given means "as recorded").
    const fourth = await cli(['setup', dir, ...cloud(), '--state', stateFile, '--json']);
    assert.equal(fourth.code, 0, fourth.stderr);
    assert.deepEqual(resetNotes(fourth.stderr), []);
  });

  it('--secret-file receives the new secret with mode 0600 (never inside the connector folder); a CRLF apiProperties.json stays CRLF', async () => {
    const ws = mkdtempSync(join(work, 'ws-'));
    const dir = join(ws, 'Crlf Invoices');
    cpSync(SAMPLE, dir, { recursive: true });
    const props = join(dir, 'apiProperties.json');
    writeFileSync(props, readFileSync(props, 'utf8').replace(/\r?\n/g, '\r\n'));
    const inside = await cli(['setup', dir, ...cloud(), '--state', join(ws, 's.json'), '--secret-file', join(dir, 'secret.txt')]);
    assert.equal(inside.code, 2);
    assert.match(inside.stderr, /must not be inside the connector folder/);
    const secretFile = join(ws, 'out', 'secret.txt');
    mkdirSync(join(ws, 'out'));
    const r = await cli(['setup', dir, ...cloud(), '--state', join(ws, 's.json'), '--secret-file', secretFile]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const secret = readFileSync(secretFile, 'utf8').trim();
    assert.ok(secret.length >= 16);
    assert.equal(statSync(secretFile).mode & 0o777, 0o600);
    assert.ok(!r.stdout.includes(secret), 'not printed without --print-secret');
    const text = readFileSync(props, 'utf8');
    assert.ok(text.includes('"clientId"'), 'the file was written');
    assert.doesNotMatch(text, /(^|[^\r])\n/, 'every line still ends in CRLF');
    assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.tmp')), [], 'no temporary file left');
  });

  it('refuses a state file that this tool did not write (a foreign object ID, uniqueNames not its own) before acting on it', async () => {
    const ws = mkdtempSync(join(work, 'ws-'));
    const dir = join(ws, 'Tampered');
    cpSync(SAMPLE, dir, { recursive: true });
    const stateFile = join(ws, 's.json');
    const r = await cli(['setup', dir, ...cloud(), '--state', stateFile, '--consent', 'link']);
    assert.equal(r.code, 0, r.stderr);
    const saved = JSON.parse(readFileSync(stateFile, 'utf8'));
    const victim = (await seedObjects(ep, { owner: ADMIN, applications: [{ displayName: 'Victim' }] })).applications[0] as { id: string; appId: string };
    for (const [change, problem] of [
      [(s: typeof saved) => void (s.objects.apiApp.id = "x') or true or ('"), /objects\.apiApp\.id is not an object ID/],
      [(s: typeof saved) => void (s.uniqueNames.api = 'someone-elses-app'), /uniqueNames are not the ones this tool derives/],
    ] as const) {
      const copy = JSON.parse(JSON.stringify(saved));
      change(copy);
      writeFileSync(stateFile, JSON.stringify(copy), { mode: 0o600 });
      const undo = await cli(['setup', dir, ...cloud(), '--state', stateFile, '--undo', '--yes']);
      assert.equal(undo.code, 1);
      assert.match(undo.stderr, problem);
      assert.match(undo.stderr, /Next: Delete /);
    }
    writeFileSync(stateFile, JSON.stringify(saved), { mode: 0o666 });
    chmodSync(stateFile, 0o666);
    const shared = await cli(['setup', dir, ...cloud(), '--state', stateFile, '--undo', '--yes']);
    assert.equal(shared.code, 1);
    assert.match(shared.stderr, /other users may write to it/);
    assert.ok((await getState(ep)).applications.some((a) => a.id === victim.id));
  });

  it('validates --tenant like the extension does', async () => {
    for (const tenant of ['evil.example/../../x', 'a b', 'https://login.attacker.example']) {
      const r = await cli(['setup', 'x', '--tenant', tenant]);
      assert.equal(r.code, 2, tenant);
      assert.match(r.stderr, /--tenant .* is not a tenant ID/);
    }
  });

  it('exits 2 on bad usage', async () => {
    assert.equal((await cli(['setup'])).code, 2);
    assert.equal((await cli(['setup', 'x', '--consent', 'everyone'])).code, 2);
    assert.equal((await cli(['setup', 'x', '--secret-days', 'soon'])).code, 2);
    assert.equal((await cli(['setup', 'x', '--cloud', 'Custom'])).code, 2);
    assert.equal((await cli(['setup', 'x', '--api-name', 'a', '--existing-api', 'b'])).code, 2);
    assert.equal((await cli(['setup', 'x', '--redirect-url', 'https://global.consent.azure-apim.net/redirect'])).code, 2);
    const help = await cli(['setup', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: entra-connector setup <connector-dir>/);
  });

  it('exits 1 with the cause and the next step when an existing API cannot be found', async () => {
    const ws = mkdtempSync(join(work, 'ws-'));
    const dir = join(ws, 'Nothing');
    cpSync(SAMPLE, dir, { recursive: true });
    const r = await cli(['setup', dir, ...cloud(), '--state', join(ws, 's.json'), '--existing-api', 'api://does-not-exist']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /No app matching "api:\/\/does-not-exist"/);
    assert.match(r.stderr, /Next: /);
  });
});
