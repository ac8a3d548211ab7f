// The wizard's host logic (WizardController) driven with the messages the webview sends, against the emulated
// tenant: a whole setup from the first page to the summary, resuming after "closing" mid-way, Back and changing an
// answer, out-of-order and invalid messages ignored, the secret never posted to the webview, the admin-consent
// fallback, registering the redirect URL later, and step 7: finding and securing the API's App Service site through
// the emulated Azure Resource Manager (ARM asked for only then), or skipping it without touching ARM.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import { adminToken, getIssued, getState, resetEmulator, seedObjects, setPolicy, signInAsBrowser, type Endpoints } from '../../../emulator/src';
import type { HostMessage, WebviewMessage, WizardViewState } from '../../../src/protocol';
import { armScope } from '../../../src/service/arm';
import { POWER_PLATFORM_ORIGINS } from '../../../src/service/cors';
import { getPath } from '../../../src/service/easyAuth';
import { WizardController, type WizardDraft } from '../../../src/wizard/controller';
import { armClientFor, armSites, resetWithArmConsent, WEB_APP_ID } from '../../support/emulatedArm';
import { useTenant } from '../../support/tenant';
import { fakeWizardHost } from '../../support/wizardHost';
import { siteSecurer } from '../../../src/service/setupStep';
import { API_HUB_SCOPE, AZURE_CLI_CLIENT_ID, POWER_APPS_SCOPE, PowerPlatformClient } from '../../../src/powerplatform/client';
import { describeTestResult, testConnection } from '../../../src/powerplatform/testConnection';
import type { WizardHost } from '../../../src/wizard/controller';

const SAMPLE = join(__dirname, '../../fixtures/workspaces/sample/Contoso Invoices');
const ADMIN = 'admin@contoso.example';
const MAKER = 'maker@contoso.example';

let ep: Endpoints;
let work: string;
useTenant({ temp: 'entra-wizard-' }, (t) => ({ ep, work } = t));
beforeEach(async () => {
  await resetEmulator(ep);
});

function connectorCopy(): string {
  const dir = join(mkdtempSync(join(work, 'ws-')), 'Contoso Invoices');
  cpSync(SAMPLE, dir, { recursive: true });
  return dir;
}

/** The plain-Node WizardHost (test/support/wizardHost.ts) for one of the tenant's users. */
function fakeVsCode(user: string, dir: string, signedIn = true) {
  return fakeWizardHost(ep, dir, { user, signedIn });
}

const fast = { sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, Math.min(ms, 20))) };

function lastState(posted: HostMessage[]): WizardViewState {
  const states = posted.filter((m): m is Extract<HostMessage, { type: 'state' }> => m.type === 'state');
  assert.ok(states.length > 0, 'the host posted a state');
  return (states[states.length - 1] as { state: WizardViewState }).state;
}

async function send(c: WizardController, ...messages: WebviewMessage[]): Promise<void> {
  for (const m of messages) assert.equal(await c.receive(structuredClone(m)), true, `accepted: ${JSON.stringify(m)}`);
}

const ANSWERS: WebviewMessage[] = [
  { type: 'answer', page: 'api', value: { kind: 'new', displayName: 'Contoso Invoices API', identifierUri: 'tenant', scope: 'user_impersonation', audience: 'single' } },
  { type: 'answer', page: 'connector', value: { kind: 'new', displayName: 'Contoso Invoices connector' } },
  { type: 'answer', page: 'consent', value: { consent: 'admin', obo: false } },
  { type: 'answer', page: 'secret', value: { secretDays: 90 } },
  { type: 'answer', page: 'redirect', value: { redirectUrl: '' } },
  { type: 'answer', page: 'deploy', value: { kind: 'skip' } },
  { type: 'answer', page: 'site', value: { kind: 'skip' } },
];

async function counts() {
  const s = await getState(ep);
  const apps = s.applications.filter((a) => String(a.uniqueName ?? '').startsWith('entra-connector-'));
  const appIds = new Set(apps.map((a) => a.appId));
  const sps = s.servicePrincipals.filter((sp) => appIds.has(sp.appId));
  const spIds = new Set(sps.map((sp) => sp.id));
  const grants = s.oauth2PermissionGrants.filter((g) => spIds.has(String(g.clientId)));
  const passwords = apps.flatMap((a) => (a.passwordCredentials as unknown[] | undefined) ?? []);
  return { apps: apps.length, sps: sps.length, grants: grants.length, passwords: passwords.length, applications: apps };
}

describe('wizard host logic against the emulated tenant', () => {
  it('pre-fills from the folder, walks every page, runs the setup and ends on a summary; the secret never reaches the webview', async () => {
    const dir = connectorCopy();
    const vs = fakeVsCode(ADMIN, dir);
    const c = new WizardController(vs.host, { connectorDir: dir, ...fast });
    await send(c, { type: 'ready' });
    let v = lastState(vs.posted);
    assert.equal(v.page, 'api');
    assert.equal(v.connectorName, 'Contoso Invoices');
    assert.deepEqual(v.answers.api, { kind: 'new', displayName: 'Contoso Invoices API', identifierUri: 'tenant', scope: 'user_impersonation', audience: 'single' });
    assert.deepEqual(v.answers.connector, { kind: 'new', displayName: 'Contoso Invoices connector' });
    assert.ok(v.steps.every((s) => s.state === 'pending'));

    const pages: string[] = [];
    for (const m of ANSWERS) {
      await send(c, m);
      pages.push(lastState(vs.posted).page);
    }
    assert.deepEqual(pages, ['connector', 'consent', 'secret', 'redirect', 'deploy', 'site', 'review']);
    await send(c, { type: 'run' });
    assert.equal(lastState(vs.posted).running, true, 'progress while Graph work runs');
    await c.idle();
    v = lastState(vs.posted);
    assert.equal(v.page, 'summary');
    assert.equal(v.running, false);
    const byId = Object.fromEntries(v.steps.map((s) => [s.id, s.state]));
    assert.deepEqual(byId, { api: 'done', connector: 'done', consent: 'done', secret: 'done', properties: 'done', redirect: 'pending', deploy: 'skipped', site: 'skipped' }, JSON.stringify(v.steps));
    assert.ok(v.summary);
    assert.equal(v.summary.objects.filter((o) => o.created).length, 6, JSON.stringify(v.summary.objects));
    assert.ok(v.summary.objects.some((o) => o.link?.startsWith('https://entra.example/#app/')), 'admin center links');
    assert.deepEqual(v.summary.pending.map((p) => p.step), ['redirect']);
    assert.equal(v.summary.secretStored, true);
    assert.equal(vs.previews.length, 1, 'one diff preview before writing');

    const n = await counts();
    assert.deepEqual([n.apps, n.sps, n.grants, n.passwords], [2, 2, 1, 1]);
    const ctx = c.context;
    const oa = JSON.parse(readFileSync(join(dir, 'apiProperties.json'), 'utf8')).properties.connectionParameters.token.oAuthSettings;
    assert.equal(oa.identityProvider, 'aad');
    assert.equal(oa.clientId, ctx?.objects.connectorApp?.appId);
    assert.equal(oa.customParameters.tenantId.value, ep.tenantId);

    // The secret: in the secret store only; not in any posted message, the draft, the state or the files.
    const secret = vs.secrets.get(ctx?.objects.connectorApp?.appId ?? '');
    assert.ok(secret && secret.length >= 16);
    await send(c, { type: 'copySecret' });
    assert.equal(vs.clipboard.text, secret, 'Copy secret puts it on the clipboard');
    assert.match(lastState(vs.posted).notice ?? '', /Copied the client secret/);
    const everything = JSON.stringify([vs.posted, [...vs.drafts.values()], await vs.state.load(), vs.logs]);
    assert.ok(!everything.includes(secret), 'no secret in webview messages, drafts, saved context or logs');
    for (const f of ['apiProperties.json', 'apiDefinition.swagger.json']) assert.ok(!readFileSync(join(dir, f), 'utf8').includes(secret));
  });

  it('starts on the sign-in page when nobody is signed in, and continues once signed in', async () => {
    const dir = connectorCopy();
    const vs = fakeVsCode(ADMIN, dir, false);
    const c = new WizardController(vs.host, { connectorDir: dir, ...fast });
    await send(c, { type: 'ready' });
    assert.equal(lastState(vs.posted).page, 'signIn');
    assert.equal(lastState(vs.posted).account, undefined);
    assert.equal(await c.receive(structuredClone(ANSWERS[0])), false, 'no answer before signing in');
    assert.equal(await c.receive({ type: 'goTo', page: 'api' }), false);
    await send(c, { type: 'signIn' });
    assert.equal(vs.signIns.count, 1);
    const v = lastState(vs.posted);
    assert.equal(v.page, 'api');
    assert.equal(v.account?.username, ADMIN);
    assert.equal(await c.receive({ type: 'signIn' }), false, 'already signed in');
    assert.equal(vs.signIns.count, 1);
  });

  it('ignores invalid and out-of-order messages, each with a logged reason', async () => {
    const dir = connectorCopy();
    const vs = fakeVsCode(ADMIN, dir);
    const c = new WizardController(vs.host, { connectorDir: dir, ...fast });
    await c.whenReady();
    const ignored: unknown[] = [
      { type: 'run' }, // nothing answered yet
      { type: 'goTo', page: 'review' }, // not reachable
      { type: 'answer', page: 'consent', value: { consent: 'admin', obo: false } }, // not the page shown
      { type: 'copySecret' }, // no secret yet
      { type: 'registerRedirect', url: 'https://global.consent.azure-apim.net/redirect/x' }, // no connector app yet
      { type: 'back' }, // nothing before the first page
      { type: 'answer', page: 'api', value: { kind: 'existing', appId: 'nope' } }, // invalid
      { type: 'eval', code: 'alert(1)' },
    ];
    for (const m of ignored) assert.equal(await c.receive(m), false, JSON.stringify(m));
    assert.equal(vs.logs.filter((l) => l.startsWith('warn Wizard: ignored')).length, ignored.length);
    assert.equal(c.currentPage, 'api');
    assert.equal(vs.posted.length, 0, 'nothing changed, nothing posted');

    for (const m of ANSWERS) await send(c, m);
    assert.equal(await c.receive({ type: 'run' }), true);
    // While it runs: a second run, an answer, Back and going to a page are all out of order.
    for (const m of [{ type: 'run' }, { type: 'back' }, { type: 'goTo', page: 'api' }]) assert.equal(await c.receive(m), false, JSON.stringify(m));
    await c.idle();
    const n = await counts();
    assert.deepEqual([n.apps, n.sps, n.grants, n.passwords], [2, 2, 1, 1], 'one run, not two');
  });

  it('rejects 1,000 well-formed but out-of-order messages on the first page, each with a logged reason, changing nothing', async () => {
    const dir = connectorCopy();
    const vs = fakeVsCode(ADMIN, dir);
    const c = new WizardController(vs.host, { connectorDir: dir, ...fast });
    await c.whenReady();
    const before = JSON.stringify(await c.view());
    const outOfOrder: WebviewMessage[] = [
      { type: 'run' },
      { type: 'back' },
      { type: 'signIn' },
      { type: 'copySecret' },
      { type: 'copyAdminConsentLink' },
      { type: 'registerRedirect', url: 'https://global.consent.azure-apim.net/redirect/x' },
      ...(['signIn', 'consent', 'secret', 'redirect', 'review', 'summary'] as const).map((page) => ({ type: 'goTo', page }) as WebviewMessage),
      ...(ANSWERS.slice(1) as WebviewMessage[]),
    ];
    let seed = 7;
    for (let i = 0; i < 1000; i++) {
      seed = (seed * 48271) % 2147483647;
      const m = outOfOrder[seed % outOfOrder.length] as WebviewMessage;
      assert.equal(await c.receive(structuredClone(m)), false, JSON.stringify(m));
    }
    const reasons = vs.logs.filter((l) => /^warn Wizard: ignored “\w+”: .{8,}/.test(l));
    assert.equal(reasons.length, 1000, 'each one logged with its reason');
    assert.equal(vs.posted.length, 0);
    assert.equal(JSON.stringify(await c.view()), before, 'nothing changed');
    assert.equal((await counts()).apps, 0, 'nothing was created');
  });

  it('resumes where the user was after the panel is closed mid-way, and a second run duplicates nothing', async () => {
    const dir = connectorCopy();
    const vs = fakeVsCode(ADMIN, dir);
    const first = new WizardController(vs.host, { connectorDir: dir, ...fast });
    await send(first, ANSWERS[0] as WebviewMessage, { type: 'answer', page: 'connector', value: { kind: 'new', displayName: 'Invoices client' } });
    first.dispose();

    // "Reopen VS Code": a new controller over the same workspaceState.
    const second = new WizardController(vs.host, { connectorDir: dir, ...fast });
    await second.whenReady();
    let v = await second.view();
    assert.equal(v.page, 'consent');
    assert.deepEqual(v.answers.connector, { kind: 'new', displayName: 'Invoices client' });
    assert.deepEqual(v.answered, ['api', 'connector']);
    for (const m of ANSWERS.slice(2)) await send(second, m);
    await send(second, { type: 'run' });
    await second.idle();
    second.dispose();

    const third = new WizardController(vs.host, { connectorDir: dir, ...fast });
    v = await third.view();
    assert.equal(v.page, 'summary');
    assert.equal(v.steps.find((s) => s.id === 'secret')?.state, 'done');
    await send(third, { type: 'run' });
    await third.idle();
    const n = await counts();
    assert.deepEqual([n.apps, n.sps, n.grants, n.passwords], [2, 2, 1, 1]);
  });

  it('Back and a changed answer redo the affected steps on the same objects', async () => {
    const dir = connectorCopy();
    const vs = fakeVsCode(ADMIN, dir);
    const c = new WizardController(vs.host, { connectorDir: dir, ...fast });
    for (const m of ANSWERS) await send(c, m);
    await send(c, { type: 'run' });
    await c.idle();
    const appId = c.context?.objects.connectorApp?.appId;
    await send(c, { type: 'back' });
    assert.equal(c.currentPage, 'review');
    await send(c, { type: 'goTo', page: 'connector' });
    await send(c, { type: 'answer', page: 'connector', value: { kind: 'new', displayName: 'Renamed connector' } });
    assert.equal(c.currentPage, 'consent', 'the next page after the changed one');
    await send(c, { type: 'goTo', page: 'review' }, { type: 'run' });
    await c.idle();
    const v = lastState(vs.posted);
    assert.ok(v.steps.filter((s) => s.id !== 'redirect' && s.id !== 'deploy' && s.id !== 'site').every((s) => s.state === 'done'), JSON.stringify(v.steps));
    assert.equal(c.context?.objects.connectorApp?.appId, appId, 'the same connector app (found by its uniqueName)');
    const n = await counts();
    assert.equal(n.apps, 2);
    assert.ok(n.applications.some((a) => a.displayName === 'Renamed connector'));
  });

  it('a user who may not grant consent ends with the admin-consent link, which Copy puts on the clipboard', async () => {
    const dir = connectorCopy();
    const vs = fakeVsCode(MAKER, dir);
    const c = new WizardController(vs.host, { connectorDir: dir, ...fast });
    for (const m of ANSWERS) await send(c, m);
    await send(c, { type: 'run' });
    await c.idle();
    const v = lastState(vs.posted);
    assert.equal(v.steps.find((s) => s.id === 'consent')?.state, 'pending');
    assert.ok(v.summary?.adminConsentUrl?.includes('/adminconsent?'));
    assert.equal((await counts()).grants, 0);
    await send(c, { type: 'copyAdminConsentLink' });
    assert.equal(vs.clipboard.text, v.summary?.adminConsentUrl);
  });

  it('searches the tenant for an existing API app and sets up with it, without touching it', async () => {
    const seeded = await seedObjects(ep, {
      owner: ADMIN,
      applications: [{ displayName: 'Payroll API', identifierUris: ['api://payroll.contoso.example'], signInAudience: 'AzureADMyOrg', api: { oauth2PermissionScopes: [{ id: '6b1f9a52-33a4-4c1e-9c55-5f8e0a3e2d11', value: 'user_impersonation', type: 'User', isEnabled: true, adminConsentDisplayName: 'Access', adminConsentDescription: 'Access' }] } }],
    });
    const appId = String(seeded.applications[0]?.appId);
    await seedObjects(ep, { owner: ADMIN, servicePrincipals: [{ appId }] });
    const dir = connectorCopy();
    const vs = fakeVsCode(ADMIN, dir);
    const c = new WizardController(vs.host, { connectorDir: dir, ...fast });
    for (const query of ['Payroll', 'api://payroll.contoso.example', appId]) {
      await send(c, { type: 'search', query });
      const last = vs.posted[vs.posted.length - 1];
      assert.equal(last?.type, 'searchResults');
      assert.deepEqual(last?.type === 'searchResults' && last.results.map((r) => [r.appId, r.displayName, r.identifierUri, r.scopes]), [[appId, 'Payroll API', 'api://payroll.contoso.example', ['user_impersonation']]], query);
    }
    await send(c, { type: 'answer', page: 'api', value: { kind: 'existing', appId } }, ...ANSWERS.slice(1), { type: 'run' });
    await c.idle();
    const v = lastState(vs.posted);
    assert.deepEqual(v.summary?.objects.filter((o) => !o.created).map((o) => o.id), [appId, c.context?.objects.apiSp?.id], 'the API app and its service principal were found, not created');
    assert.equal((await counts()).apps, 1, 'only the connector app was created');
  });

  it('before changing an existing connector app it shows its name, owners and appId and asks; a no changes nothing', async () => {
    const seeded = await seedObjects(ep, { owner: MAKER, applications: [{ displayName: 'Team connector' }] });
    const existing = seeded.applications[0] as { id: string; appId: string };
    const before = JSON.stringify((await getState(ep)).applications.find((a) => a.id === existing.id));
    const dir = connectorCopy();
    const vs = fakeVsCode(ADMIN, dir);
    vs.confirms.answer = false;
    const c = new WizardController(vs.host, { connectorDir: dir, ...fast });
    await send(c, ANSWERS[0] as WebviewMessage, { type: 'answer', page: 'connector', value: { kind: 'existing', appId: existing.appId } }, ...ANSWERS.slice(2), { type: 'run' });
    await c.idle();
    const asked = vs.confirms.asked.find((a) => a.includes('Team connector'));
    assert.ok(asked, `asked: ${vs.confirms.asked.join(' | ')}`);
    assert.match(asked, new RegExp(`${existing.appId}.*${MAKER.replace('.', '\\.')}`));
    assert.equal(lastState(vs.posted).steps.find((s) => s.id === 'connector')?.state, 'failed');
    assert.equal(JSON.stringify((await getState(ep)).applications.find((a) => a.id === existing.id)), before, 'not changed');
  });

  it('shows a failed step with its cause and next step; Run again after the fix finishes without duplicates', async () => {
    await setPolicy(ep, { secretsAllowed: false });
    const dir = connectorCopy();
    const vs = fakeVsCode(ADMIN, dir);
    const c = new WizardController(vs.host, { connectorDir: dir, ...fast });
    for (const m of ANSWERS) await send(c, m);
    await send(c, { type: 'run' });
    await c.idle();
    let v = lastState(vs.posted);
    const secret = v.steps.find((s) => s.id === 'secret');
    assert.equal(secret?.state, 'failed');
    assert.ok(secret?.error && secret.error.message.length > 10 && secret.error.next.length > 10, JSON.stringify(secret));
    assert.equal(v.steps.find((s) => s.id === 'connector')?.state, 'done', 'the other steps went on');
    assert.ok(v.summary?.pending.some((p) => p.step === 'secret'));
    await setPolicy(ep, { secretsAllowed: true });
    await send(c, { type: 'run' });
    await c.idle();
    v = lastState(vs.posted);
    assert.equal(v.steps.find((s) => s.id === 'secret')?.state, 'done');
    const n = await counts();
    assert.deepEqual([n.apps, n.sps, n.grants, n.passwords], [2, 2, 1, 1]);
  });

  it('Undo removes exactly what this setup created, only after confirmation, and forgets the stored secret', async () => {
    const dir = connectorCopy();
    const vs = fakeVsCode(ADMIN, dir);
    const c = new WizardController(vs.host, { connectorDir: dir, ...fast });
    assert.equal(await c.receive({ type: 'undo' }), false, 'nothing to undo yet');
    for (const m of ANSWERS) await send(c, m);
    await send(c, { type: 'run' });
    await c.idle();
    assert.equal(lastState(vs.posted).summary?.undoPlan.length, 5, 'grant, 2 service principals, 2 apps (the secret goes with its app)');
    vs.confirms.answer = false;
    await send(c, { type: 'undo' });
    assert.equal(vs.confirms.asked.length, 1);
    assert.match(vs.confirms.asked[0] ?? '', /the API app .*not touched/s);
    assert.deepEqual(Object.values(await counts()).slice(0, 4), [2, 2, 1, 1], 'declined: nothing removed');
    vs.confirms.answer = true;
    await send(c, { type: 'undo' });
    await c.idle();
    const n = await counts();
    assert.deepEqual([n.apps, n.sps, n.grants], [0, 0, 0]);
    assert.equal(vs.secrets.size, 0, 'the stored secret is forgotten');
    const v = lastState(vs.posted);
    assert.equal(v.page, 'review');
    assert.ok(v.steps.every((s) => s.state === 'pending'));
    assert.match(v.notice ?? '', /Removed 5 object/);
  });

  it('Undo offers to restore the connector files from what the setup recorded: the question lists them, the restore goes through the preview, and the files are as before', async () => {
    const dir = connectorCopy();
    const vs = fakeVsCode(ADMIN, dir);
    const asked: string[] = [];
    let pick: string | undefined = 'Remove and Restore Files';
    vs.host.choose = async (message, detail, actions) => {
      asked.push(`${message}\n${detail}\n${actions.join(' | ')}`);
      return pick;
    };
    const c = new WizardController(vs.host, { connectorDir: dir, ...fast });
    for (const m of ANSWERS) await send(c, m);
    await send(c, { type: 'run' });
    await c.idle();
    const files = ['apiProperties.json', 'apiDefinition.swagger.json'];
    for (const f of files) assert.notEqual(readFileSync(join(dir, f), 'utf8'), readFileSync(join(SAMPLE, f), 'utf8'), `the setup changed ${f}`);
    // Recorded as values, not as the files' text.
    assert.ok(!JSON.stringify(c.context?.objects.files).includes('iconBrandColor'), 'only the values the setup changed are recorded');
    pick = undefined;
    await send(c, { type: 'undo' });
    assert.equal((await counts()).apps, 2, 'cancelled: nothing removed');
    assert.match(asked[0] ?? '', /apiProperties\.json: \d+ value\(s\) back to what they were before the setup/);
    assert.match(asked[0] ?? '', /apiDefinition\.swagger\.json: \d+ value\(s\) back/);
    assert.match(asked[0] ?? '', /Remove and Restore Files \| Remove Only$/);
    pick = 'Remove and Restore Files';
    const previewsBefore = vs.previews.length;
    await send(c, { type: 'undo' });
    await c.idle();
    assert.equal((await counts()).apps, 0);
    assert.equal(vs.previews.length, previewsBefore + 1, 'the restore was previewed like the setup\'s own writes');
    for (const f of files) assert.equal(readFileSync(join(dir, f), 'utf8'), readFileSync(join(SAMPLE, f), 'utf8'), `${f} is as before the setup`);
    assert.match(lastState(vs.posted).notice ?? '', /Restored apiProperties\.json and apiDefinition\.swagger\.json to what they were before the setup/);
  });

  it('the Deploy page: the setup deploys the connector to the emulated Power Platform, registers its redirect URL (merged), leaves nothing pending; Run again updates the same connector', async () => {
    const dir = connectorCopy();
    const vs = fakeVsCode(ADMIN, dir);
    const c = new WizardController(vs.host, { connectorDir: dir, ...fast });
    const answers = ANSWERS.map((m) => (m.type === 'answer' && m.page === 'deploy' ? { ...m, value: { kind: 'deploy', environment: '' } } : m)) as WebviewMessage[];
    for (const m of answers) await send(c, m);
    await send(c, { type: 'run' });
    await c.idle();
    let v = lastState(vs.posted);
    const byId = Object.fromEntries(v.steps.map((s) => [s.id, s.state]));
    assert.deepEqual(byId, { api: 'done', connector: 'done', consent: 'done', secret: 'done', properties: 'done', redirect: 'done', deploy: 'done', site: 'skipped' }, JSON.stringify(v.steps));
    assert.deepEqual(v.summary?.pending, [], 'nothing pending: no redirect URL to copy and paste');
    let pp = (await getState(ep)).powerPlatform;
    assert.equal(pp.connectors.length, 1, 'one connector created');
    const deployment = c.context?.objects.deployment;
    assert.ok(deployment?.redirectUrl, 'the redirect URL read back');
    assert.equal(deployment.environment, `Default-${ep.tenantId}`, 'the default environment');
    assert.equal(deployment.created, true);
    assert.equal(pp.connectors[0]?.hasSecret, true, 'deployed with the setup\'s secret');
    const appId = c.context?.objects.connectorApp?.appId;
    let app = (await counts()).applications.find((a) => a.appId === appId) as { web?: { redirectUris?: string[] } };
    assert.deepEqual(app.web?.redirectUris, [deployment.redirectUrl], 'registered on the connector app');
    assert.equal(c.context?.objects.redirectUri, deployment.redirectUrl);
    const settings = JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8'));
    assert.equal(settings.connectorId, deployment.connectorId, 'remembered in settings.json');
    // The secret: in the deployment's request body only — not in the webview, the draft, the state, the logs or a file.
    const secret = vs.secrets.get(appId ?? '') ?? '';
    assert.ok(secret.length >= 16);
    assert.ok(!JSON.stringify([vs.posted, [...vs.drafts.values()], await vs.state.load(), vs.logs]).includes(secret));
    for (const f of ['apiProperties.json', 'settings.json']) assert.ok(!readFileSync(join(dir, f), 'utf8').includes(secret), f);

    // Someone registers another redirect URI meanwhile; Run again updates the same connector and keeps it (merge).
    const other = 'https://other.example/callback';
    await vs.host.directory().then(async (d) => d.updateApplication(c.context!.objects.connectorApp!.id, { web: { redirectUris: [deployment.redirectUrl!, other] } }));
    await send(c, { type: 'run' });
    await c.idle();
    v = lastState(vs.posted);
    assert.equal(v.steps.find((s) => s.id === 'deploy')?.state, 'done', JSON.stringify(v.steps));
    assert.match(v.steps.find((s) => s.id === 'deploy')?.detail ?? '', /^Updated connector/);
    assert.deepEqual(v.summary?.pending, []);
    pp = (await getState(ep)).powerPlatform;
    assert.equal(pp.connectors.length, 1, 'no second connector');
    assert.equal(c.context?.objects.deployment?.connectorId, deployment.connectorId);
    app = (await counts()).applications.find((a) => a.appId === appId) as { web?: { redirectUris?: string[] } };
    assert.deepEqual(app.web?.redirectUris, [deployment.redirectUrl, other], 'merged, never replaced');
    const n = await counts();
    assert.deepEqual([n.apps, n.sps, n.grants, n.passwords], [2, 2, 1, 1], 'no second secret');
  });

  it('the summary’s last step: Test Connection is refused until the setup deployed the connector; then a connection signed in to in the browser and a GET through the connector → 200 show on the summary', async () => {
    const dir = connectorCopy();
    const vs = fakeVsCode(ADMIN, dir);
    let consentLinks = 0;
    // The host's test: a real connection on the emulated Power Platform, its consent link followed by a "browser".
    const host: WizardHost = {
      ...vs.host,
      testConnection: async () => {
        const settings = JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8')) as { connectorId: string; environment: string };
        const client = new PowerPlatformClient({
          powerAppsEndpoint: ep.powerAppsEndpoint,
          flowEndpoint: ep.flowEndpoint,
          powerAppsToken: () => adminToken(ep, ADMIN, [POWER_APPS_SCOPE], AZURE_CLI_CLIENT_ID),
          apiHubToken: () => adminToken(ep, ADMIN, [API_HUB_SCOPE], AZURE_CLI_CLIENT_ID),
        });
        const r = await testConnection({
          client,
          environment: settings.environment,
          connectorId: settings.connectorId,
          swagger: JSON.parse(readFileSync(join(dir, 'apiDefinition.swagger.json'), 'utf8')) as Record<string, unknown>,
          returnUrl: 'http://localhost:9/',
          openConsent: async (link) => {
            consentLinks++;
            await signInAsBrowser(link, { username: ADMIN, ca: ep.caCertPath });
          },
          pollMs: 50,
          timeoutMs: 30_000,
        });
        return { ok: r.ok, detail: describeTestResult(r) };
      },
    };
    const c = new WizardController(host, { connectorDir: dir, ...fast });
    for (const m of ANSWERS) await send(c, m);
    await send(c, { type: 'run' });
    await c.idle();
    assert.equal(await c.receive({ type: 'testConnection' }), false, 'nothing deployed by this setup');
    assert.match(vs.logs.at(-1) ?? '', /has not deployed the connector/);
    assert.equal(lastState(vs.posted).summary?.deployment, undefined);

    await send(c, { type: 'goTo', page: 'deploy' }, { type: 'answer', page: 'deploy', value: { kind: 'deploy', environment: '' } }, { type: 'answer', page: 'site', value: { kind: 'skip' } }, { type: 'run' });
    await c.idle();
    let v = lastState(vs.posted);
    assert.equal(v.summary?.deployment?.connectorId, c.context?.objects.deployment?.connectorId);
    assert.equal(v.summary?.deployment?.redirectUrl, c.context?.objects.redirectUri, 'the registered redirect URL is the deployed one');
    await send(c, { type: 'testConnection' });
    assert.equal(lastState(vs.posted).connectionTest?.state, 'running');
    assert.equal(await c.receive({ type: 'testConnection' }), false, 'one test at a time');
    for (let i = 0; i < 600 && lastState(vs.posted).connectionTest?.state === 'running'; i++) await new Promise((r) => setTimeout(r, 50));
    v = lastState(vs.posted);
    assert.equal(v.connectionTest?.state, 'ok', v.connectionTest?.detail);
    assert.match(v.connectionTest?.detail ?? '', /^GET \/invoices through the connector → 200\. \{/);
    assert.equal(consentLinks, 1);
    assert.deepEqual((await getState(ep)).powerPlatform.connections.map((x) => x.status), ['Connected']);
    // The secret never reaches the webview, not even through the test's outcome.
    const secret = vs.secrets.get(c.context?.objects.connectorApp?.appId ?? '') ?? '';
    assert.ok(secret.length >= 16 && !JSON.stringify(vs.posted).includes(secret));
  });

  it('“List my environments” belongs to the deploy page: the default environment first; deploying to the named one the admin may use', async () => {
    const dir = connectorCopy();
    const vs = fakeVsCode(ADMIN, dir);
    const c = new WizardController(vs.host, { connectorDir: dir, ...fast });
    await c.whenReady();
    assert.equal(await c.receive({ type: 'findEnvironments' }), false, 'not on the first page');
    assert.match(vs.logs.at(-1) ?? '', /finding environments belongs to the deploy page/);
    for (const m of ANSWERS.slice(0, 5)) await send(c, m);
    assert.equal(c.currentPage, 'deploy');
    await send(c, { type: 'findEnvironments' });
    const listed = vs.posted.filter((m): m is Extract<HostMessage, { type: 'environments' }> => m.type === 'environments').at(-1);
    assert.ok(listed && !listed.error, JSON.stringify(listed));
    assert.deepEqual(listed.environments.map((e) => [e.name, e.isDefault]), [[`Default-${ep.tenantId}`, true], ['7f3c2a10-5b1e-4c2d-9e8f-00000000e2e2', false]]);
    assert.ok(!JSON.stringify(listed).includes('eyJ'), 'no token in the message');
    const named = listed.environments[1]!.name;
    await send(c, { type: 'answer', page: 'deploy', value: { kind: 'deploy', environment: named } }, { type: 'answer', page: 'site', value: { kind: 'skip' } }, { type: 'run' });
    await c.idle();
    const v = lastState(vs.posted);
    assert.equal(v.steps.find((s) => s.id === 'deploy')?.state, 'done', JSON.stringify(v.steps));
    assert.equal(c.context?.objects.deployment?.environment, named);
    assert.deepEqual(v.summary?.pending, []);
  });

  it('an environment the user may not deploy to: the deploy step failed with the cause and a next step; nothing is deployed', async () => {
    const dir = connectorCopy();
    const vs = fakeVsCode(ADMIN, dir);
    const c = new WizardController(vs.host, { connectorDir: dir, ...fast });
    for (const m of ANSWERS.map((m) => (m.type === 'answer' && m.page === 'deploy' ? { ...m, value: { kind: 'deploy', environment: 'Unknown-env' } } : m)) as WebviewMessage[]) await send(c, m);
    await send(c, { type: 'run' });
    await c.idle();
    const v = lastState(vs.posted);
    const deploy = v.steps.find((s) => s.id === 'deploy');
    assert.equal(deploy?.state, 'failed', JSON.stringify(v.steps));
    assert.match(deploy?.error?.message ?? '', /Unknown-env/);
    assert.ok((deploy?.error?.next ?? '').length > 10);
    assert.ok(v.summary?.pending.some((p) => p.step === 'deploy'));
    assert.equal((await getState(ep)).powerPlatform.connectors.length, 0);
  });

  it('the Deploy page without a Power Platform sign-in in the host: the deploy step waits, saying how to deploy', async () => {
    const dir = connectorCopy();
    const vs = fakeVsCode(ADMIN, dir);
    delete (vs.host as { powerPlatform?: unknown }).powerPlatform;
    const c = new WizardController(vs.host, { connectorDir: dir, ...fast });
    for (const m of ANSWERS.map((m) => (m.type === 'answer' && m.page === 'deploy' ? { ...m, value: { kind: 'deploy', environment: '' } } : m)) as WebviewMessage[]) await send(c, m);
    await send(c, { type: 'run' });
    await c.idle();
    const v = lastState(vs.posted);
    assert.equal(v.steps.find((s) => s.id === 'deploy')?.state, 'pending');
    assert.ok(v.summary?.pending.some((p) => p.step === 'deploy' && /Deploy Connector to Power Platform/.test(p.detail)));
    assert.equal((await getState(ep)).powerPlatform.connectors.length, 0);
  });

  it('registers the redirect URL pasted on the summary', async () => {
    const dir = connectorCopy();
    const vs = fakeVsCode(ADMIN, dir);
    const c = new WizardController(vs.host, { connectorDir: dir, ...fast });
    for (const m of ANSWERS) await send(c, m);
    await send(c, { type: 'run' });
    await c.idle();
    const url = 'https://global.consent.azure-apim.net/redirect/contoso-5finvoices-5f0123456789abcdef';
    await send(c, { type: 'registerRedirect', url });
    await c.idle();
    const v = lastState(vs.posted);
    assert.equal(v.steps.find((s) => s.id === 'redirect')?.state, 'done');
    assert.deepEqual(v.summary?.pending.map((p) => p.step), []);
    const app = (await counts()).applications.find((a) => a.appId === c.context?.objects.connectorApp?.appId) as { web?: { redirectUris?: string[] } };
    assert.deepEqual(app.web?.redirectUris, [url]);
  });

  describe('step 7: securing the service', () => {
    beforeEach(() => resetWithArmConsent(ep));

    const armRequests = async () => (await getState(ep)).requests.filter((r) => r.service === 'arm');

    it('lists the sites (the one serving the swagger host first), secures the one picked and shows what changed', async () => {
      const dir = connectorCopy();
      const vs = fakeVsCode(ADMIN, dir);
      const c = new WizardController(vs.host, { connectorDir: dir, ...fast });
      for (const m of ANSWERS.slice(0, 6)) await send(c, m);
      assert.equal(c.currentPage, 'site');
      assert.deepEqual(lastState(vs.posted).answers.site, { kind: 'skip' }, 'Skip by default');
      assert.deepEqual(vs.armScopesAsked, [], 'no ARM permission asked before “Find sites”');

      await send(c, { type: 'findSites' });
      const listed = vs.posted[vs.posted.length - 1];
      assert.equal(listed?.type, 'sites');
      if (listed?.type !== 'sites') return;
      assert.equal(listed.error, undefined);
      assert.equal(listed.host, 'contoso-invoices.azurewebsites.net');
      assert.deepEqual(listed.sites.map((s) => [s.name, s.servesApi]), [['contoso-invoices', true], ['contoso-invoices-func', false]]);
      assert.equal(listed.sites[0]?.id, WEB_APP_ID);
      assert.equal(listed.sites[0]?.subscription, 'Contoso Production');
      const asked: string[][] = vs.armScopesAsked;
      assert.deepEqual([...new Set(asked.map((s) => s.join(' ')))], [armScope(ep.armEndpoint)], 'only the ARM scope, only now');

      await send(c, { type: 'answer', page: 'site', value: { kind: 'site', siteId: WEB_APP_ID } });
      assert.equal(c.currentPage, 'review');
      assert.deepEqual([...vs.drafts.values()][0]?.answers.site, { kind: 'site', siteId: WEB_APP_ID }, 'the draft keeps the resource ID');
      await send(c, { type: 'run' });
      await c.idle();

      const v = lastState(vs.posted);
      const cors = v.steps.find((s) => s.id === 'site');
      assert.equal(cors?.state, 'done', JSON.stringify(cors));
      assert.match(cors?.detail ?? '', /^contoso-invoices: authentication set \(\d+ fields?\); CORS now allows /);
      assert.deepEqual(v.summary?.site, { id: WEB_APP_ID, state: 'done', detail: cors?.detail });
      const preview = vs.confirms.asked.find((a) => a.startsWith('Secure contoso-invoices?'));
      assert.ok(preview, `the change was previewed and confirmed first: ${vs.confirms.asked.join(' | ')}`);
      assert.match(preview, /globalValidation\.unauthenticatedClientAction: "RedirectToLoginPage" → "Return401"/);
      assert.match(preview, /CORS \(config\/web\): allow /);

      const api = c.context?.objects.apiApp;
      assert.ok(api);
      const site = (await armSites(ep)).find((s) => s.name === 'contoso-invoices');
      assert.ok(site);
      assert.equal(getPath(site.authV2, 'platform.enabled'), true);
      assert.equal(getPath(site.authV2, 'identityProviders.azureActiveDirectory.enabled'), true);
      assert.equal(getPath(site.authV2, 'identityProviders.azureActiveDirectory.registration.clientId'), api.appId);
      assert.equal(getPath(site.authV2, 'globalValidation.unauthenticatedClientAction'), 'Return401');
      const origins = getPath(site.web, 'cors.allowedOrigins') as string[];
      for (const o of POWER_PLATFORM_ORIGINS) assert.ok(origins.includes(o), `${o} in ${JSON.stringify(origins)}`);
      assert.ok(origins.includes('https://invoices.contoso.example'), 'the origins it had are kept');
      const func = (await armSites(ep)).find((s) => s.name === 'contoso-invoices-func');
      assert.deepEqual(getPath(func?.web, 'cors.allowedOrigins'), ['https://portal.azure.com'], 'the other site is untouched');

      // Nothing secret-like is posted or kept: no bearer token in any message, draft or log.
      const tokens = (await getIssued(ep)).tokens;
      const everything = JSON.stringify([vs.posted, [...vs.drafts.values()], await vs.state.load(), vs.logs]);
      for (const t of tokens) assert.ok(!everything.includes(t), 'no token in webview messages, drafts, saved context or logs');

      // Run again: already secured, no ARM write.
      const writes = (await armRequests()).filter((r) => r.method !== 'GET').length;
      await send(c, { type: 'run' });
      await c.idle();
      assert.match(lastState(vs.posted).steps.find((s) => s.id === 'site')?.detail ?? '', /authentication already set; CORS already allows Power Platform/);
      assert.equal((await armRequests()).filter((r) => r.method !== 'GET').length, writes);
    });

    it('a site whose Easy Auth already names another app is never switched silently: declined, the step stays pending and the site unchanged', async () => {
      const OTHER = '7c7c7c7c-0000-4000-8000-00000000000c';
      await siteSecurer(armClientFor(ep, ADMIN).client, WEB_APP_ID, { confirm: async () => true }).secure({ apiAppId: OTHER, identifierUris: [], loginEndpoint: ep.loginEndpoint, tenantId: ep.tenantId });
      const before = await armSites(ep);
      const dir = connectorCopy();
      const vs = fakeVsCode(ADMIN, dir);
      vs.confirms.answer = false;
      const c = new WizardController(vs.host, { connectorDir: dir, ...fast });
      for (const m of ANSWERS.slice(0, 6)) await send(c, m);
      await send(c, { type: 'answer', page: 'site', value: { kind: 'site', siteId: WEB_APP_ID } }, { type: 'run' });
      await c.idle();
      const step = lastState(vs.posted).steps.find((s) => s.id === 'site');
      assert.equal(step?.state, 'pending', JSON.stringify(step));
      assert.match(step?.detail ?? '', /not applied/);
      const preview = vs.confirms.asked.find((a) => a.startsWith('Secure contoso-invoices?')) ?? '';
      assert.match(preview, new RegExp(`registration\\.clientId: "${OTHER}" → "`), 'the switch is shown field by field');
      assert.match(preview, /Note: The site's Microsoft provider used the app/);
      assert.deepEqual(await armSites(ep), before, 'nothing was written to the site');
    });

    it('Skip runs the setup without asking for ARM or touching the site', async () => {
      const before = await armSites(ep);
      const dir = connectorCopy();
      const vs = fakeVsCode(ADMIN, dir);
      const c = new WizardController(vs.host, { connectorDir: dir, ...fast });
      for (const m of ANSWERS) await send(c, m);
      await send(c, { type: 'run' });
      await c.idle();
      const v = lastState(vs.posted);
      assert.equal(v.steps.find((s) => s.id === 'site')?.state, 'skipped');
      assert.equal(v.summary?.site, undefined);
      assert.deepEqual(vs.armScopesAsked, []);
      assert.deepEqual(await armRequests(), [], 'no request reached ARM');
      assert.deepEqual(await armSites(ep), before);
    });

    it('a user who may only read the subscription sees step 7 failed with the cause and the role to ask for', async () => {
      const dir = connectorCopy();
      const vs = fakeVsCode(MAKER, dir);
      const c = new WizardController(vs.host, { connectorDir: dir, ...fast });
      const before = await armSites(ep);
      for (const m of ANSWERS.slice(0, 6)) await send(c, m);
      await send(c, { type: 'findSites' });
      const listed = vs.posted[vs.posted.length - 1];
      assert.ok(listed?.type === 'sites' && listed.sites.length === 2, 'a Reader may list the sites');
      await send(c, { type: 'answer', page: 'site', value: { kind: 'site', siteId: WEB_APP_ID } }, { type: 'run' });
      await c.idle();
      const cors = lastState(vs.posted).steps.find((s) => s.id === 'site');
      assert.equal(cors?.state, 'failed', JSON.stringify(cors));
      assert.equal(cors?.error?.code, 'AuthorizationFailed');
      assert.match(`${cors?.error?.message} ${cors?.error?.next}`, /Website Contributor|Contributor/);
      assert.equal(lastState(vs.posted).summary?.site?.state, 'failed');
      assert.deepEqual(await armSites(ep), before, 'nothing was written');
    });

    it('“Find sites” belongs to the site page; a version 1 draft (its API page named “service”, no site page yet) keeps its answers under the new ids and starts with Skip', async () => {
      const dir = connectorCopy();
      const vs = fakeVsCode(ADMIN, dir);
      const old = { version: 1, page: 'review', answered: ['service', 'connector', 'consent', 'secret', 'redirect'], answers: {} as Record<string, unknown> };
      const fresh = new WizardController(vs.host, { connectorDir: dir, ...fast });
      const { site: _site, api, ...rest } = (await fresh.view()).answers;
      old.answers = { service: { ...api, displayName: 'Saved API name' }, ...rest };
      vs.drafts.set(dir, old as unknown as WizardDraft);
      const c = new WizardController(vs.host, { connectorDir: dir, ...fast });
      const v = await c.view();
      assert.equal(v.page, 'review');
      assert.deepEqual(v.answers.site, { kind: 'skip' });
      assert.equal(v.answers.api.kind === 'new' && v.answers.api.displayName, 'Saved API name');
      assert.deepEqual(v.answered, ['api', 'connector', 'consent', 'secret', 'redirect']);
      assert.equal('service' in v.answers, false);
      assert.equal(await c.receive({ type: 'findSites' }), false, 'not on the site page');
      assert.match(vs.logs[vs.logs.length - 1] ?? '', /finding sites belongs to the site page/);
      await send(c, { type: 'back' });
      assert.equal(c.currentPage, 'site');
      assert.equal(await c.receive({ type: 'answer', page: 'site', value: { kind: 'site', siteId: '/subscriptions/x/resourceGroups/y' } }), false, 'not a site resource ID');
      assert.deepEqual(vs.armScopesAsked, []);
    });
  });
});
