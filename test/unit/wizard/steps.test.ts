// The step table (src/wizard/steps.ts) is the one place a wizard page lives: every step has what the protocol, the
// controller and the webview need from it, and the host refuses an answer for a step the table does not have or for
// a page not shown.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ANSWER_PAGES, PAGES, STEP_PAGE, parseWebviewMessage, type HostMessage } from '../../../src/protocol';
import { STEP_IDS as ENGINE_STEP_IDS } from '../../../src/setup/context';
import { MemoryStateStore } from '../../../src/setup/stateFile';
import { WizardController, type WizardHost } from '../../../src/wizard/controller';
import { ANSWER_STEPS, STEPS, choicesFromAnswers, defaultAnswers, describeAnswers, pageTitle, stepsToReset } from '../../../src/wizard/steps';

const PAGES_DIR = join(__dirname, '../../../webview-ui/pages');

function host(): WizardHost & { logs: string[]; posted: HostMessage[] } {
  const logs: string[] = [];
  const posted: HostMessage[] = [];
  const fail = async (): Promise<never> => {
    throw new Error('not used by this test');
  };
  return {
    logs,
    posted,
    post: (m) => void posted.push(m),
    log: (level, line) => void logs.push(`${level} ${line}`),
    account: async () => ({ username: 'maker@contoso.example', tenantId: 'c0ffee00-7e57-4a11-9e55-000000c0ffee' }),
    signIn: async () => undefined,
    cloud: () => ({ name: 'AzureCloud', loginEndpoint: 'https://login.microsoftonline.com', graphEndpoint: 'https://graph.microsoft.com', graphResource: 'https://graph.microsoft.com' }),
    directory: fail,
    state: new MemoryStateStore(),
    loadDraft: async () => undefined,
    saveDraft: async () => undefined,
    files: { read: async () => undefined, apply: fail },
    secrets: { store: fail, has: async () => false, copyToClipboard: async () => false },
    copyText: async () => undefined,
    displayPath: (p) => p,
  };
}

describe('wizard step table', () => {
  it('every step has a title, a reset rule and is one engine step; every answer step a parser, defaults, a page title, a review line and a renderer', () => {
    const rendererIndex = readFileSync(join(PAGES_DIR, 'index.ts'), 'utf8');
    const defaults = defaultAnswers({ connectorName: 'Contoso Invoices' });
    for (const step of STEPS) {
      assert.ok(step.title.length > 0, `${step.id}: title`);
      assert.equal(typeof step.resets, 'function', `${step.id}: reset rule`);
      assert.ok(PAGES.includes(STEP_PAGE[step.id]), `${step.id}: the checklist links to a page`);
    }
    assert.deepEqual(STEPS.map((s) => s.id), [...ENGINE_STEP_IDS], 'one table step per engine step, with its id, in the order the engine runs them');
    for (const step of ANSWER_STEPS) {
      assert.equal(typeof step.prompt.parse, 'function', `${step.id}: parser`);
      assert.ok(pageTitle(step.id).length > 3, `${step.id}: page title`);
      assert.ok(existsSync(join(PAGES_DIR, `${step.id}.ts`)), `${step.id}: renderer webview-ui/pages/${step.id}.ts`);
      assert.match(rendererIndex, new RegExp(`^\\s+${step.id}: render`, 'm'), `${step.id}: renderer registered in webview-ui/pages/index.ts`);
      assert.equal(parseWebviewMessage({ type: 'answer', page: step.id, value: defaults[step.id] }).ok, true, `${step.id}: its default answer passes its parser`);
    }
    assert.deepEqual([...ANSWER_PAGES], ANSWER_STEPS.map((s) => s.id), 'the protocol takes its answer pages from the table');
    assert.equal(describeAnswers(defaults).length, ANSWER_STEPS.length);
  });

  it('names steps after what they touch', () => {
    assert.deepEqual(STEPS.map((s) => s.id), ['api', 'connector', 'consent', 'secret', 'properties', 'redirect', 'deploy', 'site']);
    assert.deepEqual(PAGES, ['signIn', 'api', 'connector', 'consent', 'secret', 'redirect', 'deploy', 'site', 'review', 'summary']);
    assert.equal(pageTitle('api'), '1. The API your connector calls');
    assert.equal(pageTitle('deploy'), '6. Deploy the connector to Power Platform');
    assert.equal(pageTitle('review'), '8. Review and run');
  });

  it('one rule for a changed answer: the earliest step whose answer changed starts again', () => {
    const env = { graphResource: 'https://graph.microsoft.com', graphAppId: '00000003-0000-0000-c000-000000000000' };
    const a = defaultAnswers({ connectorName: 'C' });
    const choices = (over: Partial<typeof a>) => Object.assign({}, ...ANSWER_STEPS.map((s) => s.toChoices({ ...a, ...over }[s.id] as never, env)));
    assert.deepEqual(stepsToReset(choices({}), choices({ connector: { kind: 'new', displayName: 'Other' }, consent: { consent: 'user', obo: false } })), ['connector']);
    assert.deepEqual(stepsToReset(choices({}), choices({ consent: { consent: 'admin', obo: true }, redirect: { redirectUrl: 'https://r.example/x' } })), []);
    assert.deepEqual(stepsToReset(choices({}), choices({ secret: { secretDays: 30 }, redirect: { redirectUrl: 'https://r.example/x' } })), ['secret'], 'another lifetime means another secret');
  });

  it('the deploy page: optional, Skip by default; its answer becomes the engine\'s deploy choice and reads on the review page', () => {
    const env = { graphResource: 'https://graph.microsoft.com', graphAppId: '00000003-0000-0000-c000-000000000000' };
    const step = ANSWER_STEPS.find((s) => s.id === 'deploy');
    assert.ok(step && !step.prompt.required, 'optional');
    const a = defaultAnswers({ connectorName: 'C' });
    assert.deepEqual(a.deploy, { kind: 'skip' });
    const choices = (deploy: typeof a.deploy) => choicesFromAnswers({ ...a, deploy }, env);
    assert.equal(choices({ kind: 'skip' }).deploy, undefined, 'Skip: no deployment');
    assert.deepEqual(choices({ kind: 'deploy', environment: '' }).deploy, {}, 'empty: settings.json\'s environment, else the default');
    assert.deepEqual(choices({ kind: 'deploy', environment: 'Default-c0ffee00' }).deploy, { environment: 'Default-c0ffee00' });
    assert.deepEqual(describeAnswers({ ...a, deploy: { kind: 'deploy', environment: '' } }).at(-2), ['Deploy', 'To the default environment']);
    assert.deepEqual(stepsToReset(choices({ kind: 'skip' }), choices({ kind: 'deploy', environment: 'x' })), [], 'deploying is create-or-update: nothing starts again');
    for (const good of [{ kind: 'skip' }, { kind: 'deploy', environment: '' }, { kind: 'deploy', environment: 'Default-c0ffee00-7e57-4a11-9e55-000000c0ffee' }, { kind: 'deploy', environment: '0b1e0b1e-0000-4000-8000-00000000e4v1' }]) {
      assert.equal(parseWebviewMessage({ type: 'answer', page: 'deploy', value: good }).ok, true, JSON.stringify(good));
    }
    const bad: [unknown, RegExp][] = [
      [{ kind: 'all' }, /deploy.kind/],
      [{ kind: 'skip', environment: 'x' }, /unexpected field/],
      [{ kind: 'deploy' }, /the environment must be a string/],
      [{ kind: 'deploy', environment: 'a b' }, /the environment has characters/],
      [{ kind: 'deploy', environment: '../x' }, /the environment has characters/],
      [{ kind: 'deploy', environment: "x' or 1 eq 1" }, /the environment has characters/],
      [{ kind: 'deploy', environment: 'x'.repeat(101) }, /longer than 100/],
      [{ kind: 'deploy', environment: 7 }, /must be a string/],
      [{ kind: 'deploy', environment: 'Default', clientSecret: 'leak' }, /unexpected field/],
      [{ kind: 'deploy', environment: 'Default', token: 'eyJ' }, /unexpected field/],
      [null, /deploy must be an object/],
    ];
    for (const [value, reason] of bad) {
      const parsed = parseWebviewMessage({ type: 'answer', page: 'deploy', value });
      assert.equal(parsed.ok, false, JSON.stringify(value));
      if (!parsed.ok) assert.match(parsed.reason, reason, JSON.stringify(value));
    }
  });

  it('refuses an answer for a step the table does not have, for a step without a page, and for a page not shown', async () => {
    for (const page of ['service', 'properties', 'rotate', 'review', '__proto__']) {
      const parsed = parseWebviewMessage({ type: 'answer', page, value: {} });
      assert.equal(parsed.ok, false, page);
      assert.match(parsed.ok ? '' : parsed.reason, /answer\.page must be one of api, connector/);
    }
    const h = host();
    const c = new WizardController(h, { connectorDir: '/ws/Contoso Invoices' });
    await c.whenReady();
    assert.equal(c.currentPage, 'api');
    assert.equal(await c.receive({ type: 'answer', page: 'secret', value: { secretDays: 30 } }), false, 'the secret page is not shown');
    assert.match(h.logs.at(-1) ?? '', /the page shown is api, not secret/);
    assert.equal(await c.receive({ type: 'answer', page: 'service', value: { kind: 'microsoft', scopes: ['User.Read'] } }), false, 'the old id is no step');
    assert.equal(await c.receive({ type: 'goTo', page: 'site' }), false, 'the optional page opens only once the required ones are answered');
    assert.equal(c.currentPage, 'api');
    assert.equal(await c.receive({ type: 'answer', page: 'api', value: { kind: 'microsoft', scopes: ['User.Read'] } }), true);
    assert.equal(c.currentPage, 'connector');
    assert.equal((await c.view()).answers.api.kind, 'microsoft');
  });
});
