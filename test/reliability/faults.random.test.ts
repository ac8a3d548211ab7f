// Randomized fault runs with a fixed, printed seed. Each run draws faults (429 + Retry-After, 503, connection reset
// after the write committed, expired token; once, twice or for good) at random write steps, sometimes replication lag
// and sometimes a network that dies after N requests, then runs the setup once. It must either finish or stop with a
// resumable state (state file written, every failure with its cause and next step). A second "process" then loads the
// state file with the faults gone and resumes: the directory holds exactly one of each object and apiProperties.json
// points at them. Replay a run: ENTRA_RELIABILITY_SEED=<seed> ENTRA_RELIABILITY_RUNS=<n>.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { clearRequests, getState, resetEmulator, setFaults, type Endpoints, type FaultRule } from '../../emulator/src';
import { runSetup, type RunResult } from '../../src/setup/engine';
import { JsonFileStateStore } from '../../src/setup/stateFile';
import { assertPropertiesMatch, connectorCopy, counts, harness, newContext, rng } from './support';
import { useTenant } from '../support/tenant';

const SEED = Number(process.env.ENTRA_RELIABILITY_SEED ?? 20261127);
const RUNS = Number(process.env.ENTRA_RELIABILITY_RUNS ?? 16);

const WRITE_STEPS: readonly { name: string; method: string; path: string }[] = [
  { name: 'API app upsert', method: 'PATCH', path: '^/v1\\.0/applications\\(uniqueName=.*-api' },
  { name: 'connector app upsert', method: 'PATCH', path: '^/v1\\.0/applications\\(uniqueName=.*-client' },
  { name: 'service principal upsert', method: 'WRITE', path: '^/v1\\.0/servicePrincipals' },
  { name: 'API app patch (api://{appId}, on-behalf-of)', method: 'PATCH', path: '^/v1\\.0/applications/[0-9a-f-]+$' },
  { name: 'addPassword', method: 'POST', path: '/addPassword$' },
  { name: 'grant', method: 'POST', path: '^/v1\\.0/oauth2PermissionGrants$' },
];
const KINDS: FaultRule['fault'][] = ['throttle', 'unavailable', 'resetAfterCommit', 'expireToken'];

let ep: Endpoints;
let work: string;
useTenant({ temp: 'entra-reliability-' }, (t) => ({ ep, work } = t));

interface Scenario {
  rules: FaultRule[];
  replicationLagMs: number;
  cutAfter?: number;
  obo: boolean;
  appIdUri: boolean;
}

function draw(random: () => number): Scenario {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const rules: FaultRule[] = [];
  const n = 1 + Math.floor(random() * 3);
  for (let i = 0; i < n; i++) {
    const step = pick(WRITE_STEPS);
    rules.push({
      match: { service: 'graph', method: step.method, path: step.path },
      fault: pick(KINDS),
      times: pick([1, 1, 2, 1000]),
      afterN: pick([0, 0, 1]),
      retryAfter: 0,
    } as FaultRule);
  }
  const scenario: Scenario = { rules, replicationLagMs: pick([0, 0, 300]), obo: random() < 0.5, appIdUri: random() < 0.5 };
  if (random() < 0.3) scenario.cutAfter = 2 + Math.floor(random() * 10);
  return scenario;
}

/** A transport that loses the network for good after `n` requests (the process's view of a dead link). */
function dyingFetch(n: number): typeof fetch {
  let sent = 0;
  return (input, init) => {
    sent++;
    if (sent > n) return Promise.reject(new TypeError('fetch failed', { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) }));
    return fetch(input, init);
  };
}

describe(`randomized faults, then resume (seed ${SEED}, ${RUNS} runs; replay with ENTRA_RELIABILITY_SEED=${SEED})`, () => {
  const random = rng(SEED);
  const scenarios = Array.from({ length: RUNS }, () => draw(random));
  let stopped = 0;
  let injected = 0;

  scenarios.forEach((sc, i) => {
    const label = sc.rules.map((r) => `${r.fault}×${r.times === 1000 ? '∞' : r.times}@${WRITE_STEPS.find((s) => s.path === r.match?.path)?.name}`).join(', ');
    it(`run ${i + 1}: ${label}${sc.replicationLagMs ? `, lag ${sc.replicationLagMs} ms` : ''}${sc.cutAfter ? `, network dies after ${sc.cutAfter} requests` : ''}${sc.obo ? ', OBO' : ''}${sc.appIdUri ? ', api://{appId}' : ''}`, async (t) => {
      t.diagnostic(`seed ${SEED} run ${i + 1}: ${JSON.stringify(sc)}`);
      await resetEmulator(ep);
      await clearRequests(ep);
      await setFaults(ep, { rules: sc.rules, ...(sc.replicationLagMs ? { replicationLagMs: sc.replicationLagMs } : {}) });
      const dir = connectorCopy(work);
      const stateFile = join(dir, '..', 'state', 'setup.json');
      const over = {
        api: { kind: 'new' as const, displayName: 'Contoso Invoices API', identifierUri: { kind: sc.appIdUri ? ('appId' as const) : ('tenant' as const) }, scope: 'user_impersonation', audience: 'AzureADMyOrg' as const },
        obo: sc.obo,
      };

      // First process: one run under the faults.
      const first = harness(ep, { state: new JsonFileStateStore(stateFile), ...(sc.cutAfter ? { fetch: dyingFetch(sc.cutAfter) } : {}) });
      const ctx1 = newContext(ep, dir, over);
      const r1 = await runSetup(ctx1, first.services);
      injected += (await getState(ep)).requests.filter((r) => r.fault).length;
      if (!r1.ok) {
        stopped++;
        assert.ok(r1.failures.length > 0 || Object.values(r1.ctx.steps).some((s) => s.state === 'pending'));
        for (const f of r1.failures) {
          assert.ok(f.error.message.length > 0, `step ${f.step} failed without a cause`);
          assert.ok(f.error.next.length > 0, `step ${f.step} failed without a next step: ${f.error.message}`);
        }
        assert.ok(existsSync(stateFile), 'a stopped setup must leave its state file to resume from');
      }

      // Second process: faults gone, state from the file, run until done (the user's "Retry").
      await setFaults(ep, {});
      const second = harness(ep, { state: new JsonFileStateStore(stateFile) });
      const ctx2 = (await second.state.load()) ?? newContext(ep, dir, over);
      let r2: RunResult = await runSetup(ctx2, second.services);
      for (let k = 0; k < 2 && !r2.ok; k++) r2 = await runSetup(r2.ctx, second.services);
      assert.deepEqual(r2.failures.map((f) => `${f.step}: ${f.error.message}`), []);
      const ctx = r2.ctx;

      const c = await counts(ep);
      assert.deepEqual({ apps: c.apps, sps: c.sps, grants: c.grants, passwords: c.passwords }, { apps: 2, sps: 2, grants: 1, passwords: 1 }, `seed ${SEED} run ${i + 1}`);
      assert.equal(c.passwordKeyIds[0], ctx.objects.password?.keyId, 'the recorded password is the one that exists');
      const appId = ctx.objects.connectorApp?.appId ?? '';
      assert.ok(first.secrets.has(appId) || second.secrets.has(appId), 'the secret of the existing password was stored');
      assertPropertiesMatch(ep, dir, ctx);
      const api = c.state.applications.find((a) => a.appId === ctx.objects.apiApp?.appId) as unknown as { identifierUris: string[]; api: { preAuthorizedApplications?: { appId: string }[] } };
      if (sc.appIdUri) assert.deepEqual(api.identifierUris, [`api://${ctx.objects.apiApp?.appId}`]);
      assert.equal((api.api.preAuthorizedApplications ?? []).length, 0, 'on-behalf-of does not change the API app');
      const connector = c.state.applications.find((a) => a.appId === ctx.objects.connectorApp?.appId) as unknown as { api?: { preAuthorizedApplications?: { appId: string }[] } };
      assert.equal((connector.api?.preAuthorizedApplications ?? []).length, sc.obo ? 1 : 0, 'on-behalf-of pre-authorizes Azure API Connections on the connector app');
    });
  });

  it('the draws exercised both outcomes: some runs stopped and resumed, faults were injected', () => {
    assert.ok(injected > 0, 'no fault was ever injected');
    assert.ok(stopped > 0, `seed ${SEED}: no run stopped, so resuming was never tested (use more runs or another seed)`);
  });
});
