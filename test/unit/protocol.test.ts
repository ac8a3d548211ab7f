// The wizard's message protocol: every well-formed message is accepted as is; malformed, oversized and
// not-allowed messages (1,000 generated ones) are rejected with a reason and never throw.
import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { CHECKLIST_STEPS, LIMITS, PAGES, STEP_PAGE, parseWebviewMessage, validateAnswer, type WebviewMessage } from '../../src/protocol';
import { STEP_IDS } from '../../src/setup/context';
import { redirectUrlWarning } from '../../src/wizard/steps';

const APP_ID = '3f1c2b5e-8d7a-4e6f-9a0b-1c2d3e4f5a6b';
const SITE_ID = '/subscriptions/5e7c0de0-a11c-4e55-8c0f-00000000c0de/resourceGroups/rg-contoso-invoices/providers/Microsoft.Web/sites/contoso-invoices';
const SUB = '/subscriptions/5e7c0de0-a11c-4e55-8c0f-00000000c0de';

const VALID: WebviewMessage[] = [
  { type: 'ready' },
  { type: 'signIn' },
  { type: 'back' },
  { type: 'run' },
  { type: 'copySecret' },
  { type: 'copyAdminConsentLink' },
  { type: 'undo' },
  { type: 'goTo', page: 'consent' },
  { type: 'search', query: 'Contoso Invoices API' },
  { type: 'search', query: 'api://contoso.example/invoices' },
  { type: 'registerRedirect', url: 'https://global.consent.azure-apim.net/redirect/contoso-5finvoices-5f0123456789abcdef' },
  { type: 'answer', page: 'api', value: { kind: 'new', displayName: 'Contoso Invoices API', identifierUri: 'tenant', scope: 'user_impersonation', audience: 'single' } },
  { type: 'answer', page: 'api', value: { kind: 'new', displayName: 'Invoices', identifierUri: 'custom', customUri: 'https://contoso.com/invoices', scope: 'Invoices.Read', audience: 'multi' } },
  { type: 'answer', page: 'api', value: { kind: 'existing', appId: APP_ID } },
  { type: 'answer', page: 'api', value: { kind: 'existing', appId: APP_ID, scope: 'access_as_user' } },
  { type: 'answer', page: 'api', value: { kind: 'microsoft', scopes: ['User.Read', 'Mail.Read'] } },
  { type: 'answer', page: 'connector', value: { kind: 'new', displayName: 'Contoso Invoices connector' } },
  { type: 'answer', page: 'connector', value: { kind: 'existing', appId: APP_ID } },
  { type: 'answer', page: 'consent', value: { consent: 'admin', obo: false } },
  { type: 'answer', page: 'consent', value: { consent: 'link', obo: true } },
  { type: 'answer', page: 'secret', value: { secretDays: 180 } },
  { type: 'answer', page: 'redirect', value: { redirectUrl: '' } },
  { type: 'answer', page: 'redirect', value: { redirectUrl: 'https://global.consent.azure-apim.net/redirect/x' } },
  { type: 'answer', page: 'deploy', value: { kind: 'skip' } },
  { type: 'answer', page: 'deploy', value: { kind: 'deploy', environment: '' } },
  { type: 'answer', page: 'deploy', value: { kind: 'deploy', environment: 'Default-c0ffee00-7e57-4a11-9e55-000000c0ffee' } },
  { type: 'findSites' },
  { type: 'findEnvironments' },
  { type: 'answer', page: 'site', value: { kind: 'skip' } },
  { type: 'answer', page: 'site', value: { kind: 'site', siteId: SITE_ID } },
  { type: 'answer', page: 'site', value: { kind: 'site', siteId: `${SUB}/resourcegroups/Rg_(Prod).eu/providers/microsoft.web/sites/API-1` } },
];

describe('wizard protocol', () => {
  it('accepts every well-formed message unchanged', () => {
    for (const m of VALID) {
      const parsed = parseWebviewMessage(structuredClone(m));
      assert.deepEqual(parsed, { ok: true, message: m }, JSON.stringify(m));
    }
  });

  it('declares a checklist step for each engine step and maps each step to a page', () => {
    assert.deepEqual([...CHECKLIST_STEPS], [...STEP_IDS], 'one table step per engine step, in the engine\'s order');
    for (const s of CHECKLIST_STEPS) assert.ok(PAGES.includes(STEP_PAGE[s]), s);
  });

  it('rejects hand-picked bad messages with a specific reason', () => {
    const cases: [unknown, RegExp][] = [
      [null, /object/],
      ['ready', /object/],
      [[{ type: 'ready' }], /object/],
      [{ type: 'ready', extra: 1 }, /unexpected field/],
      [{ type: 'selectStep', stepId: 'service' }, /unknown message type/],
      [{ type: 'goTo', page: 'nowhere' }, /goTo.page/],
      [{ type: 'search', query: 'x'.repeat(LIMITS.query + 1) }, /longer than/],
      [{ type: 'search', query: '<script>' }, /not allowed/],
      [{ type: 'registerRedirect', url: 'http://global.consent.azure-apim.net/redirect/x' }, /https/],
      [{ type: 'registerRedirect', url: 'https://user:pw@example.com/' }, /credentials/],
      [{ type: 'registerRedirect', url: 'javascript:alert(1)' }, /https/],
      [{ type: 'answer', page: 'summary', value: {} }, /answer.page/],
      [{ type: 'answer', page: 'api', value: { kind: 'existing', appId: 'not-a-guid' } }, /the API's application \(client\) ID has characters/],
      [{ type: 'answer', page: 'api', value: { kind: 'new', displayName: 'A', identifierUri: 'custom', scope: 's', audience: 'single' } }, /Application ID URI/],
      [{ type: 'answer', page: 'api', value: { kind: 'new', displayName: 'A', identifierUri: 'tenant', scope: 'has space', audience: 'single' } }, /the scope has characters/],
      [{ type: 'answer', page: 'api', value: { kind: 'microsoft', scopes: [] } }, /scopes/],
      [{ type: 'answer', page: 'api', value: { kind: 'microsoft', scopes: ['User.Read', 'User.Read'] } }, /twice/],
      [{ type: 'answer', page: 'secret', value: { secretDays: 0 } }, /the secret's lifetime must be a whole number of days/],
      [{ type: 'answer', page: 'secret', value: { secretDays: 1.5 } }, /lifetime/],
      [{ type: 'answer', page: 'secret', value: { secretDays: '180' } }, /lifetime/],
      [{ type: 'answer', page: 'consent', value: { consent: 'admin', obo: 'yes' } }, /obo/],
      [{ type: 'answer', page: 'consent', value: { consent: 'everyone', obo: false } }, /consent.consent/],
      [{ type: 'answer', page: 'connector', value: { kind: 'new', displayName: 'x'.repeat(LIMITS.displayName + 1) } }, /longer than/],
      [{ type: 'answer', page: 'connector', value: { kind: 'new', displayName: 'ok', secretText: 'leak' } }, /unexpected field/],
      [{ type: 'run', payload: 'x'.repeat(LIMITS.messageChars) }, /larger than/],
      // Step 7's site: a Microsoft.Web/sites resource ID and nothing else.
      [{ type: 'findSites', query: 'x' }, /unexpected field/],
      [{ type: 'findEnvironments', token: 'eyJ' }, /unexpected field/],
      [{ type: 'answer', page: 'site', value: { kind: 'all' } }, /site.kind/],
      [{ type: 'answer', page: 'site', value: { kind: 'skip', siteId: SITE_ID } }, /unexpected field/],
      [{ type: 'answer', page: 'site', value: { kind: 'site' } }, /the site's resource ID must be a string/],
      [{ type: 'answer', page: 'site', value: { kind: 'site', siteId: '' } }, /the site's resource ID is empty/],
      [{ type: 'answer', page: 'site', value: { kind: 'site', siteId: SITE_ID, token: 'eyJ' } }, /unexpected field/],
      [{ type: 'answer', page: 'site', value: { kind: 'site', siteId: `${SITE_ID}/config/web` } }, /resource ID/],
      [{ type: 'answer', page: 'site', value: { kind: 'site', siteId: `https://management.azure.com${SITE_ID}` } }, /resource ID/],
      [{ type: 'answer', page: 'site', value: { kind: 'site', siteId: SITE_ID.replace('Microsoft.Web/sites', 'Microsoft.Storage/storageAccounts') } }, /resource ID/],
      [{ type: 'answer', page: 'site', value: { kind: 'site', siteId: SITE_ID.replace('5e7c0de0-a11c-4e55-8c0f-00000000c0de', 'not-a-subscription') } }, /resource ID/],
      [{ type: 'answer', page: 'site', value: { kind: 'site', siteId: `${SUB}/resourceGroups/rg./providers/Microsoft.Web/sites/x` } }, /resource ID/],
      [{ type: 'answer', page: 'site', value: { kind: 'site', siteId: `${SUB}/resourceGroups/rg/providers/Microsoft.Web/sites/a b` } }, /resource ID/],
      [{ type: 'answer', page: 'site', value: { kind: 'site', siteId: `${SUB}/resourceGroups/rg/providers/Microsoft.Web/sites/<script>` } }, /resource ID/],
      [{ type: 'answer', page: 'site', value: { kind: 'site', siteId: `${SUB}/resourceGroups/rg/providers/Microsoft.Web/sites/${'a'.repeat(61)}` } }, /resource ID/],
      [{ type: 'answer', page: 'site', value: { kind: 'site', siteId: `${SUB}/resourceGroups/${'r'.repeat(91)}/providers/Microsoft.Web/sites/a` } }, /resource ID/],
      [{ type: 'answer', page: 'site', value: { kind: 'site', siteId: `${SITE_ID}${'/x'.repeat(LIMITS.siteId)}` } }, /longer than 400/],
    ];
    for (const [bad, reason] of cases) {
      const parsed = parseWebviewMessage(bad);
      assert.equal(parsed.ok, false, JSON.stringify(bad).slice(0, 100));
      if (!parsed.ok) assert.match(parsed.reason, reason, JSON.stringify(bad).slice(0, 100));
    }
  });

  it('rejects 1,000 generated malformed and oversized messages with a reason, and never throws', () => {
    let seed = 0x2f6b1d;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
    const junk = (): unknown =>
      pick<() => unknown>([
        () => undefined,
        () => null,
        () => 42,
        () => -1,
        () => Number.NaN,
        () => true,
        () => '',
        () => ' ',
        () => 'x'.repeat(1 + Math.floor(rnd() * 20_000)),
        () => '\u0000ctl',
        () => '<img src=x>',
        () => [],
        () => ['User.Read', 7],
        () => ({}),
        () => ({ nested: { deeper: [1, 2, 3] } }),
        () => 'not-a-guid',
        () => 'http://insecure.example/',
        () => 'api://',
        () => 9999,
      ])();
    const mutate = (m: WebviewMessage): unknown => {
      const copy = structuredClone(m) as Record<string, unknown>;
      const op = Math.floor(rnd() * 6);
      if (op === 0) {
        copy[pick(['extra', 'token', '__proto__x', 'secret'])] = junk();
        return copy;
      }
      if (op === 1) {
        copy.type = pick(['', 'Run', 'answer ', 'ready\u0000', 'selectStep', 'eval', 'copysecret', 7]);
        return copy;
      }
      if (op === 2) {
        copy.padding = 'p'.repeat(LIMITS.messageChars + Math.floor(rnd() * 5000));
        return copy;
      }
      const keys = Object.keys(copy).filter((k) => k !== 'type');
      if (keys.length === 0) {
        copy.unexpected = junk();
        return copy;
      }
      const key = pick(keys);
      if (key === 'value' && typeof copy.value === 'object' && copy.value) {
        const value = { ...(copy.value as Record<string, unknown>) };
        const inner = Object.keys(value);
        const k = pick(inner);
        if (op === 3) value[k] = junk();
        else if (op === 4) delete value[k];
        else value[`${k}X`] = 'added';
        copy.value = value;
        return copy;
      }
      if (op === 4) delete copy[key];
      else copy[key] = junk();
      return copy;
    };
    let rejected = 0;
    for (let i = 0; i < 1000; i++) {
      const base = pick(VALID);
      let candidate = mutate(base);
      // Some mutations may still form a valid message (e.g. a junk value that happens to be allowed); mutate again.
      for (let tries = 0; tries < 5 && parseWebviewMessage(candidate).ok; tries++) candidate = mutate(base);
      const parsed = parseWebviewMessage(candidate);
      assert.equal(parsed.ok, false, `generated message ${i} should be rejected: ${JSON.stringify(candidate)?.slice(0, 200)}`);
      if (!parsed.ok) {
        assert.ok(parsed.reason.length > 5 && parsed.reason.length < 200, `a short reason: ${parsed.reason}`);
        rejected++;
      }
    }
    assert.equal(rejected, 1000);
  });

  it('never accepts a message with a prototype other than a plain object', () => {
    class Sneaky {
      type = 'ready';
    }
    assert.equal(parseWebviewMessage(new Sneaky()).ok, false);
    assert.equal(parseWebviewMessage(Object.create({ type: 'ready' })).ok, false);
  });

  it('validateAnswer gives the webview the same reason the host would', () => {
    assert.equal(validateAnswer('secret', { secretDays: 30 }), undefined);
    assert.match(validateAnswer('secret', { secretDays: 5000 }) ?? '', /the secret's lifetime/);
    assert.equal(validateAnswer('site', { kind: 'site', siteId: SITE_ID }), undefined);
    assert.match(validateAnswer('site', { kind: 'site', siteId: '/subscriptions/x' }) ?? '', /resource ID/);
  });
});

test('validation messages name fields as the page does, never an internal path (issue 17, item 13)', () => {
  const reason = (value: unknown) => {
    const r = parseWebviewMessage({ type: 'answer', page: 'redirect', value });
    return r.ok ? '' : r.reason;
  };
  assert.match(reason({ redirectUrl: 'not a url' }), /^the redirect URL /);
  assert.doesNotMatch(reason({ redirectUrl: 'not a url' }), /redirect\.redirectUrl/);
});

test('redirect URL: Power Platform consent hosts pass; anything else is accepted with a warning (issue 17, item 7)', () => {
  assert.equal(redirectUrlWarning('https://global.consent.azure-apim.net/redirect/contoso-20invoices-5f1234'), undefined);
  assert.equal(redirectUrlWarning('https://global.consent.azure-apim.net/redirect'), undefined);
  assert.equal(redirectUrlWarning('https://msmanaged-na.consent.azure-apim.net/redirect'), undefined);
  assert.match(redirectUrlWarning('https://example.com/callback') ?? '', /example\.com is not Power Platform's consent service/);
  assert.match(redirectUrlWarning('https://global.consent.azure-apim.net/other') ?? '', /not Power Platform's consent service/);
  assert.equal(parseWebviewMessage({ type: 'answer', page: 'redirect', value: { redirectUrl: 'https://example.com/callback' } }).ok, true, 'warned, not refused');
});
