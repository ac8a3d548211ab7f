// 1,000 malformed, oversized and out-of-order messages from the webview side (seeded, the seed printed) into the
// wizard's host logic, on a live emulated tenant: each one is rejected with its own logged reason (short: never an
// echo of a megabyte), nothing is posted back, no draft or state is saved, the tenant sees no write — and afterwards
// the same wizard still walks the pages and sets the connector up, once.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clearRequests, getState, resetEmulator, type Endpoints } from '../../emulator/src';
import type { WebviewMessage } from '../../src/protocol';
import { WizardController } from '../../src/wizard/controller';
import { connectorCopy, counts, rng } from './support';
import { useTenant } from '../support/tenant';
import { fakeWizardHost } from '../support/wizardHost';

const SEED = Number(process.env.ENTRA_RELIABILITY_SEED ?? 20261127);
const COUNT = 1000;

let ep: Endpoints;
let work: string;
useTenant({ temp: 'entra-webview-input-' }, (t) => ({ ep, work } = t));


const VALID_SERVICE = { kind: 'new', displayName: 'Contoso Invoices API', identifierUri: 'tenant', scope: 'user_impersonation', audience: 'single' };
const ANSWERS: WebviewMessage[] = [
  { type: 'answer', page: 'api', value: VALID_SERVICE } as WebviewMessage,
  { type: 'answer', page: 'connector', value: { kind: 'new', displayName: 'Contoso Invoices connector' } },
  { type: 'answer', page: 'consent', value: { consent: 'admin', obo: false } },
  { type: 'answer', page: 'secret', value: { secretDays: 90 } },
  { type: 'answer', page: 'redirect', value: { redirectUrl: '' } },
];

function deep(n: number): unknown {
  let v: unknown = {};
  for (let i = 0; i < n; i++) v = { a: v };
  return v;
}

/** Messages that are invalid by construction, or valid in shape but out of order on the first page. */
function generate(random: () => number, n: number): unknown[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const str = (len: number) => Array.from({ length: len }, () => String.fromCharCode(32 + Math.floor(random() * 95))).join('');
  const big = () => 'A'.repeat(pick([121, 9_000, 100_000, 5_000_000]));
  const makers: (() => unknown)[] = [
    // not a message at all
    () => pick([null, undefined, 0, -1, NaN, true, '', 'run', '{"type":"run"}', [], [{ type: 'ready' }], new Date(), new Map(), () => 1, Symbol('x')]),
    () => Object.assign(Object.create(null) as object, { type: 'ready' }),
    () => ({ type: pick([str(1 + Math.floor(random() * 20)), 'eval', 'constructor', '__proto__', 'toString', 1, null, ['run']]) }),
    () => JSON.parse('{"type":"ready","__proto__":{"polluted":true}}'),
    // a known type with a field it does not have
    () => ({ type: pick(['ready', 'back', 'run', 'copySecret', 'signIn']), [pick(['x', 'code', 'html', 'constructor', str(5)])]: str(10) }),
    // wrong types and values in an answer
    () => ({ type: 'answer', page: pick([1, null, 'summary', 'review', 'signIn', str(8), 'SERVICE']), value: VALID_SERVICE }),
    () => ({ type: 'answer', page: 'api', value: pick([null, 'new', 1, [], deep(10_000), { ...VALID_SERVICE, kind: 'nope' }, { ...VALID_SERVICE, extra: 1 }]) }),
    () => ({ type: 'answer', page: 'api', value: { ...VALID_SERVICE, displayName: pick([big(), '', ' ', 'a<script>', 'tab\tname', 'nul\u0000', 42, null]) } }),
    () => ({ type: 'answer', page: 'api', value: { ...VALID_SERVICE, scope: pick(['has space', 'x'.repeat(101), '', '-lead', 'a/b', 7]) } }),
    () => ({ type: 'answer', page: 'api', value: { ...VALID_SERVICE, audience: pick(['everyone', '', null, 3]), identifierUri: pick(['http://x', 5, null, 'custom']) } }),
    () => ({ type: 'answer', page: 'api', value: { kind: 'existing', appId: pick(['nope', '', '00000000-0000-0000-0000-00000000000g', 123, big()]) } }),
    () => ({ type: 'answer', page: 'deploy', value: pick([null, 'deploy', [], { kind: 'all' }, { kind: 'skip', environment: 'x' }, { kind: 'deploy' }, { kind: 'deploy', environment: pick([big(), 'a b', "x' or 1 eq 1", '../../x', 'nul\u0000', 5, null]) }, { kind: 'deploy', environment: '', clientSecret: 'leak' }]) }),
    () => ({ type: 'search', query: pick(['A'.repeat(pick([201, 9_000, 100_000])), 5, null, ['x'], { q: 1 }]) }),
    () => ({ type: 'goTo', page: pick([str(6), 7, null, 'signin', 'Review']) }),
    () => ({ type: 'registerRedirect', url: pick(['javascript:alert(1)', 'not a url', 'https://' + big(), 3, null]) }),
    // valid in shape, but out of order on the first page with nothing answered
    () => pick<unknown>([{ type: 'run' }, { type: 'back' }, { type: 'copySecret' }, { type: 'copyAdminConsentLink' }, { type: 'signIn' }, { type: 'findEnvironments' }]),
    () => ({ type: 'goTo', page: pick(['connector', 'consent', 'secret', 'redirect', 'deploy', 'review', 'summary']) }),
    () => ({ type: 'answer', page: 'deploy', value: { kind: 'deploy', environment: '' } }),
    () => pick(ANSWERS.slice(1)),
    () => ({ type: 'registerRedirect', url: 'https://global.consent.azure-apim.net/redirect/invoices-0123456789abcdef' }),
  ];
  return Array.from({ length: n }, () => (pick(makers) as () => unknown)());
}

describe(`webview input: ${COUNT} malformed, oversized and out-of-order messages (seed ${SEED})`, () => {
  it('each is rejected with a logged reason and changes nothing; the wizard keeps working', async (t) => {
    t.diagnostic(`seed ${SEED}; replay with ENTRA_RELIABILITY_SEED=${SEED}`);
    await resetEmulator(ep);
    await clearRequests(ep);
    const dir = connectorCopy(work);
    const v = fakeWizardHost(ep, dir);
    const c = new WizardController(v.host, { connectorDir: dir, sleep: (ms) => new Promise<void>((r) => setTimeout(r, Math.min(ms, 20))) });
    await c.whenReady();
    const messages = generate(rng(SEED), COUNT);
    const accepted: string[] = [];
    for (const m of messages) {
      let ok: boolean;
      try {
        ok = await c.receive(m);
      } catch (error) {
        assert.fail(`receive threw on a webview message: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (ok) accepted.push(String(JSON.stringify(m)).slice(0, 200));
    }
    assert.deepEqual(accepted, [], `${accepted.length} of ${COUNT} messages were acted on`);
    const ignored = v.logs.filter((l) => /^warn Wizard: ignored .+: \S/.test(l));
    assert.equal(ignored.length, COUNT, 'one logged reason per rejected message');
    assert.ok(v.logs.every((l) => l.length < 1_000), `a log line echoes the message (longest ${Math.max(...v.logs.map((l) => l.length))} chars)`);
    assert.equal(c.currentPage, 'api');
    assert.deepEqual(v.posted, [], 'nothing was posted to the webview');
    assert.deepEqual([...v.drafts.values()], [], 'no draft was saved');
    assert.equal(await v.state.load(), undefined, 'no setup state was saved');
    const writes = (await getState(ep)).requests.filter((r) => r.service === 'graph' && r.method !== 'GET');
    assert.deepEqual(writes, [], 'the tenant saw no write');
    assert.ok(({} as Record<string, unknown>).polluted === undefined, 'no prototype pollution');

    // Still working: the real answers, then run, set the connector up once.
    for (const m of ANSWERS) assert.equal(await c.receive(structuredClone(m)), true, JSON.stringify(m));
    assert.equal(await c.receive({ type: 'run' }), true);
    await c.idle();
    const n = await counts(ep);
    assert.deepEqual([n.apps, n.sps, n.grants, n.passwords], [2, 2, 1, 1]);
  });
});
