// The plain-Node measures of `npm run bench` (run by bench/run.mjs under tsx, with --expose-gc): the setup's
// critical path against the emulated tenant, the Connectors view's first-render reads in a 5,000-app tenant, checking
// the corpus file by file, and heap after a setup and 100 refreshes. Prints one JSON object on stdout.
import { readdirSync, statSync, cpSync, mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminToken, approveDevice, clearRequests, criticalPath, getState, resetEmulator, seedObjects, setFaults, signInAsBrowser, startEmulator, type Endpoints, type RecordedRequest } from '../emulator/src';
import { createGraphClient } from '../src/graph/client';
import { Directory } from '../src/graph/operations';
import { fetchRegistrations } from '../src/graph/registrations';
import { readConnectorAuth } from '../src/registrations/connectorAuth';
import { computeHealth, lookupsFor } from '../src/registrations/health';
import { createContext } from '../src/setup/context';
import { runSetup } from '../src/setup/engine';
import { nodeFiles } from '../src/setup/nodeFiles';
import { MemoryStateStore } from '../src/setup/stateFile';
import { runCli } from '../src/cli/run';
import { analyzeApiProperties } from '../src/connector/rules';
import { startEmulatorProcess } from '../scripts/codeServer.mjs';
import { treeSeed, THREE_STATES, type ConnectorSpec } from '../emulator/src/seeds/connectors';

const ROOT = join(__dirname, '..');
const SAMPLE = join(ROOT, 'test/fixtures/workspaces/sample/Contoso Invoices');
const CORPUS = join(ROOT, 'test/fixtures/connectors/corpus');
const ADMIN = 'admin@contoso.example';
const REPEATS = 5;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number;
};
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

/** A transport that sends one request at a time, each after the previous answered: the naive sequential baseline. */
function sequentialFetch(): typeof fetch {
  let chain: Promise<unknown> = Promise.resolve();
  return (input, init) => {
    const run = chain.then(() => fetch(input, init));
    chain = run.then(
      (r) => r.clone().arrayBuffer().catch(() => undefined),
      () => undefined,
    );
    return run;
  };
}

function tokenSource(ep: Endpoints) {
  const tokens = new Map<string, string>();
  return async (scopes: string[], options?: { forceRefresh?: boolean }) => {
    const key = scopes.join(' ');
    if (options?.forceRefresh || !tokens.has(key)) tokens.set(key, await adminToken(ep, ADMIN, scopes));
    return tokens.get(key) as string;
  };
}

const graphTrips = (log: RecordedRequest[]) => log.filter((r) => r.service === 'graph' && r.batch === undefined);

async function oneSetup(ep: Endpoints, work: string, sequential: boolean) {
  const dir = join(mkdtempSync(join(work, 'ws-')), 'Contoso Invoices');
  cpSync(SAMPLE, dir, { recursive: true });
  const getAccessToken = tokenSource(ep);
  // Tokens first (MSAL's silent cache in the product): the figure is Graph work, not the emulator's token minting.
  for (const s of [['Application.ReadWrite.All'], ['DelegatedPermissionGrant.ReadWrite.All']]) await getAccessToken(s.map((x) => `https://graph.microsoft.com/${x}`)).catch(() => undefined);
  const client = createGraphClient({ graphEndpoint: ep.graphEndpoint, getAccessToken, ...(sequential ? { fetch: sequentialFetch() } : {}) });
  const ctx = createContext({
    connectorDir: dir,
    tenantId: ep.tenantId,
    cloud: { name: 'Custom', loginEndpoint: ep.loginEndpoint, graphEndpoint: ep.graphEndpoint },
    choices: {
      api: { kind: 'new', displayName: 'Contoso Invoices API', identifierUri: { kind: 'tenant' }, scope: 'user_impersonation', audience: 'AzureADMyOrg' },
      connector: { kind: 'new', displayName: 'Contoso Invoices connector' },
      consent: 'admin',
      secretDays: 180,
      obo: false,
    },
  });
  const secrets = new Map<string, string>();
  await clearRequests(ep);
  const t0 = performance.now();
  const result = await runSetup(ctx, { directory: new Directory(client), state: new MemoryStateStore(), files: nodeFiles, secrets: { store: async (k, v) => void secrets.set(k, v) } });
  const wallMs = performance.now() - t0;
  if (!result.ok) throw new Error(`setup failed: ${result.failures.map((f) => `${f.step}: ${f.error.message}`).join('; ')}`);
  const log = (await getState(ep)).requests;
  const trips = graphTrips(log);
  const spanMs = trips.length ? Math.max(...trips.map((r) => r.end)) - Math.min(...trips.map((r) => r.start)) : 0;
  const perRequestMs = trips.map((r) => r.end - r.start);
  return { wallMs, spanMs, perRequestMs, graphRequests: trips.length, inBatch: log.filter((r) => r.service === 'graph' && r.batch !== undefined).length, criticalPath: criticalPath(trips) };
}

async function setupFigures(ep: Endpoints, work: string) {
  const configs = [
    { name: '50 ms latency', faults: { latencyMs: 50 } },
    { name: '50 ms latency + 2 s replication lag', faults: { latencyMs: 50, replicationLagMs: 2000 } },
    { name: '0 ms latency', faults: {} },
  ];
  const out = [];
  for (const c of configs) {
    const row: Record<string, unknown> = { config: c.name };
    for (const mode of ['engine', 'naive sequential'] as const) {
      const runs = [];
      for (let i = 0; i < REPEATS; i++) {
        await resetEmulator(ep);
        await setFaults(ep, c.faults);
        runs.push(await oneSetup(ep, work, mode !== 'engine'));
      }
      row[mode] = {
        wallMsMedian: round(median(runs.map((r) => r.wallMs))),
        graphSpanMsMedian: round(median(runs.map((r) => r.spanMs))),
        perRequestMsMedian: round(median(runs.flatMap((r) => r.perRequestMs))),
        graphRequests: median(runs.map((r) => r.graphRequests)),
        requestsInsideBatch: median(runs.map((r) => r.inBatch)),
        sequentialRoundTrips: median(runs.map((r) => r.criticalPath)),
        runs: runs.length,
      };
    }
    row.dependencyMinimum = 4;
    out.push(row);
  }
  await setFaults(ep, {});
  return out;
}

/**
 * The requests of the product in a run from nothing to a working connection: Graph, Power Platform (Power Apps, Flow,
 * blob storage, the connector runtime) and Resource Manager. Not counted: sign-in (token requests and the device-code
 * polling: MSAL's cache holds tokens in the product; the setup's row mints them before its clock) and the user's
 * browser at the consent host (`/consent/…`) and the sign-in pages — the user's, not the product's, requests.
 */
const productTrips = (log: RecordedRequest[]) =>
  log.filter((r) => r.batch === undefined && (r.service === 'graph' || r.service === 'arm' || (r.service === 'powerplatform' && !r.path.startsWith('/consent/'))));

/** A request as a timeline line: method, service and path with ids replaced by {id} (no query, no id of the run). */
function tripName(r: RecordedRequest): string {
  const path = r.path
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '{id}')
    .replace(/\/(shared_[^/]+|Default-\{id\}|[0-9a-f]{32})(?=\/|$)/gi, '/{id}')
    .replace(/\/apim\/[^/]+\/[^/]+/, '/apim/{connector}/{connection}')
    .replace(/\/blob\/[^/]+\/[^/]+/, '/blob/{container}/{file}');
  return `${r.method} ${r.service === 'graph' ? 'graph ' : ''}${path}`;
}

/**
 * The longest chain of product requests each starting after the previous one ended (as `criticalPath`), returned as
 * the requests of one such chain, in order.
 */
function longestChain(trips: RecordedRequest[]): RecordedRequest[] {
  const reqs = [...trips].sort((a, b) => a.end - b.end);
  const best: number[] = [];
  const prev: number[] = [];
  for (let i = 0; i < reqs.length; i++) {
    best[i] = 1;
    prev[i] = -1;
    for (let j = 0; j < i; j++) {
      if ((reqs[j] as RecordedRequest).end <= (reqs[i] as RecordedRequest).start && (best[j] as number) + 1 > (best[i] as number)) {
        best[i] = (best[j] as number) + 1;
        prev[i] = j;
      }
    }
  }
  let at = best.indexOf(Math.max(...best));
  const chain: RecordedRequest[] = [];
  while (at >= 0) {
    chain.unshift(reqs[at] as RecordedRequest);
    at = prev[at] as number;
  }
  return chain;
}

/**
 * From nothing to a working connection, as a user runs it: `entra-connector setup <dir> --deploy --test-connection`
 * (API app, connector app, their service principals, admin consent, a secret, apiProperties.json, the connector
 * created in Power Platform, its redirect URL registered on the connector app, a connection created beside that,
 * signed in to in the "browser" once the setup finished, one GET through the connector) — or, `twoCommands`, the same
 * as `setup <dir> --deploy` then `test-connection <dir>` — in this process through `runCli`, against the emulated
 * tenant in its own process with the latency added to every request. Device codes are approved and the connection's
 * consent link signed in to as soon as the CLI prints them.
 */
async function oneConnection(ep: Endpoints, work: string, twoCommands: boolean) {
  const ws = mkdtempSync(join(work, 'conn-'));
  const dir = join(ws, 'Contoso Invoices');
  cpSync(SAMPLE, dir, { recursive: true });
  const cloud = ['--cloud', 'Custom', '--login-endpoint', ep.loginEndpoint, '--graph-endpoint', ep.graphEndpoint, '--arm-endpoint', ep.armEndpoint, '--powerapps-url', ep.powerAppsEndpoint, '--flow-url', ep.flowEndpoint, '--tenant', ep.tenantId];
  const cli = async (args: string[]) => {
    let stdout = '';
    let stderr = '';
    const pending: Promise<unknown>[] = [];
    const code = await runCli(args, {
      stdout: { write: (t: string) => ((stdout += t), true) },
      stderr: {
        write: (t: string) => {
          stderr += t;
          const device = /enter the code (\S+)/.exec(t);
          if (device) pending.push(approveDevice(ep, ADMIN, { userCode: device[1] as string }));
          const link = /Sign in to the connection: open (\S+)/.exec(t);
          if (link) pending.push(signInAsBrowser(link[1] as string, { username: ADMIN, ca: ep.caCertPath }));
          return true;
        },
      },
      env: {},
    });
    await Promise.all(pending);
    if (code !== 0) throw new Error(`entra-connector ${args[0]} exited ${code}: ${stderr}${stdout}`);
    return JSON.parse(stdout) as Record<string, unknown>;
  };
  await clearRequests(ep);
  const t0 = performance.now();
  let setup: Record<string, unknown>;
  let test: Record<string, unknown> | undefined;
  if (twoCommands) {
    setup = await cli(['setup', dir, ...cloud, '--state', join(ws, 'state.json'), '--deploy', '--json']);
    test = await cli(['test-connection', dir, ...cloud, '--json', '--timeout', '60']);
  } else {
    setup = await cli(['setup', dir, ...cloud, '--state', join(ws, 'state.json'), '--deploy', '--test-connection', '--timeout', '60', '--json']);
    test = setup.connection as Record<string, unknown> | undefined;
  }
  const wallMs = performance.now() - t0;
  if (!test || test.ok !== true) throw new Error(`the connection test did not work: ${JSON.stringify(test ?? setup)}`);
  const log = (await getState(ep)).requests;
  const trips = productTrips(log);
  const chain = longestChain(trips);
  return {
    wallMs,
    status: test.status as number,
    pending: setup.pending as unknown[],
    requests: trips.length,
    // The sign-in's token requests (not counted as round trips; MSAL asks again when its cache has no match).
    tokenRequests: log.filter((r) => r.service === 'login' && r.method === 'POST' && r.path.endsWith('/oauth2/v2.0/token')).length,
    criticalPath: criticalPath(trips),
    chain: chain.map(tripName),
    byService: Object.fromEntries(['graph', 'powerplatform', 'arm'].map((s) => [s, trips.filter((r) => r.service === s).length])),
  };
}

type ConnectionRun = Awaited<ReturnType<typeof oneConnection>>;

async function connectionFigures(ep: Endpoints, work: string) {
  // The one command and the two, interleaved run by run (the machine is shared: neither gets the quieter minutes).
  const one: ConnectionRun[] = [];
  const two: ConnectionRun[] = [];
  for (let i = 0; i < REPEATS; i++) {
    for (const twoCommands of [false, true]) {
      await resetEmulator(ep);
      await setFaults(ep, { latencyMs: 50 });
      (twoCommands ? two : one).push(await oneConnection(ep, work, twoCommands));
    }
  }
  await setFaults(ep, {});
  return {
    command: 'entra-connector setup <dir> --deploy --test-connection',
    latencyMs: 50,
    ...connectionRuns(one),
    dependencyMinimum: CONNECTION_MINIMUM.length,
    minimumChain: CONNECTION_MINIMUM,
    twoCommands: { command: 'entra-connector setup <dir> --deploy, then entra-connector test-connection <dir>', ...connectionRuns(two) },
  };
}

/** The figures of one way's runs: medians, the round trips' range and the most frequent longest chain. */
function connectionRuns(runs: ConnectionRun[]) {
  const chains = runs.map((r) => r.chain.join(' → '));
  return {
    runs: runs.length,
    requestsMedian: median(runs.map((r) => r.requests)),
    tokenRequestsMedian: median(runs.map((r) => r.tokenRequests)),
    powerPlatformRequestsMedian: median(runs.map((r) => r.byService.powerplatform as number)),
    sequentialRoundTrips: { median: median(runs.map((r) => r.criticalPath)), min: Math.min(...runs.map((r) => r.criticalPath)), max: Math.max(...runs.map((r) => r.criticalPath)) },
    byService: runs[0]?.byService,
    wallMsMedian: round(median(runs.map((r) => r.wallMs))),
    status: runs.map((r) => r.status),
    // One longest chain (the most frequent among the runs): what the round trips are.
    chain: (runs.find((r) => r.chain.join(' → ') === chains.sort((a, b) => chains.filter((c) => c === b).length - chains.filter((c) => c === a).length)[0]) ?? runs[0])?.chain,
  };
}

/**
 * The dependency chain's minimum from nothing to a working connection: each request needs an answer of the one
 * before it. Everything else (the environment, the swagger's validation, the icon's upload, the service principals,
 * the admin consent) can run beside this chain.
 */
const CONNECTION_MINIMUM = [
  'the API app (`PATCH graph /applications(uniqueName=…)`, an upsert): its app ID and scope are what the connector app asks for',
  'the connector app (the same upsert), with requiredResourceAccess on the API',
  'POST graph /applications/{id}/addPassword (the secret the connector is created with)',
  'POST /powerapps/…/apis (the connector: needs the client ID and the secret; its answer carries the redirect URL, as the emulated service\'s does)',
  'PATCH graph /applications/{id} (the redirect URL) beside PUT /powerapps/…/connections/{id} (needs the connector)',
  'POST /powerapps/…/connections/{id}/getConsentLink (needs the connection), then the user signs in',
  'POST /powerapps/…/connections/{id}/confirmConsentCode (the code the browser brought back)',
  'GET /apim/{connector}/{connection}/… (one call through the connector)',
];

async function treeFigures() {
  const specs: ConnectorSpec[] = [...THREE_STATES, ...Array.from({ length: 7 }, (_, i) => ({ name: `Connector ${i + 4}`, consented: i % 2 === 0 }))];
  const seed = treeSeed(specs, { owner: ADMIN });
  const emu = await startEmulator({ port: 0, seed: { extraApps: 5000 - seed.objects.applications.length } });
  const ep = emu.endpoints;
  try {
    await seedObjects(ep, seed.objects);
    const appsInTenant = (await getState(ep)).applications.length;
    const auths = seed.connectors.map((c) => readConnectorAuth(c.apiProperties));
    const rows = [];
    for (const latencyMs of [50, 0]) {
      await setFaults(ep, latencyMs ? { latencyMs } : {});
      const times: number[] = [];
      let trips = 0;
      let critical = 0;
      for (let i = 0; i < 5; i++) {
        const graph = createGraphClient({ graphEndpoint: ep.graphEndpoint, getAccessToken: tokenSource(ep) });
        await adminToken(ep, ADMIN, ['https://graph.microsoft.com/User.Read']);
        await clearRequests(ep);
        const t0 = performance.now();
        const snapshot = await fetchRegistrations(graph, lookupsFor(auths));
        const health = seed.connectors.map((c, k) => computeHealth({ name: c.name, auth: auths[k]!, directory: snapshot, secretsHere: new Map(), now: new Date() }));
        times.push(performance.now() - t0);
        if (health.length !== 10) throw new Error('expected 10 connectors');
        const log = graphTrips((await getState(ep)).requests);
        trips = log.length;
        critical = criticalPath(log);
      }
      rows.push({ latencyMs, connectors: 10, appsInTenant, graphRequests: trips, sequentialRoundTrips: critical, msMedian: round(median(times)), runs: times.length });
    }
    return { rows, memory: await memoryFigures(ep, auths, seed) };
  } finally {
    await emu.stop();
  }
}

function heapMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return round(process.memoryUsage().heapUsed / 1024 / 1024, 2);
}

async function memoryFigures(ep: Endpoints, auths: ReturnType<typeof readConnectorAuth>[], seed: ReturnType<typeof treeSeed>) {
  if (!(globalThis as { gc?: () => void }).gc) return { notMeasured: 'run without --expose-gc' };
  await setFaults(ep, {});
  const work = mkdtempSync(join(tmpdir(), 'entra-bench-mem-'));
  try {
    const before = heapMb();
    await oneSetup(ep, work, false);
    const afterSetup = heapMb();
    const graph = createGraphClient({ graphEndpoint: ep.graphEndpoint, getAccessToken: tokenSource(ep) });
    const samples: number[] = [];
    for (let i = 1; i <= 100; i++) {
      const snapshot = await fetchRegistrations(graph, lookupsFor(auths));
      seed.connectors.forEach((c, k) => computeHealth({ name: c.name, auth: auths[k]!, directory: snapshot, secretsHere: new Map(), now: new Date() }));
      if (i % 10 === 0) {
        await clearRequests(ep); // the emulator's log lives in this process too
        samples.push(heapMb());
      }
    }
    // Least-squares slope over the 10 samples (MB per 10 refreshes).
    const xs = samples.map((_, i) => i);
    const mx = median(xs.map((x) => x)) && xs.reduce((a, b) => a + b, 0) / xs.length;
    const my = samples.reduce((a, b) => a + b, 0) / samples.length;
    const slope = xs.reduce((a, x, i) => a + (x - mx) * ((samples[i] as number) - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
    return { heapMbBefore: before, heapMbAfterSetup: afterSetup, heapMbEvery10Refreshes: samples, slopeMbPer10Refreshes: round(slope, 3) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function corpusFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? corpusFiles(p) : n === 'apiProperties.json' ? [p] : [];
  });
}

async function checkPerFile() {
  const files = corpusFiles(CORPUS).sort();
  const io = { stdout: { write: () => true }, stderr: { write: () => true }, env: {} };
  // Warm up once (module initialisation is a start-up cost, measured separately by the whole-corpus run).
  await runCli(['check', files[0] as string, '--json'], io);
  const times: number[] = [];
  let largest = { path: '', bytes: 0, ms: 0 };
  for (const f of files) {
    const t0 = performance.now();
    await runCli(['check', f, '--json'], io);
    const ms = performance.now() - t0;
    times.push(ms);
    const bytes = readFileSync(f).length;
    if (bytes > largest.bytes) largest = { path: f.slice(CORPUS.length + 1), bytes, ms: round(ms, 2) };
  }
  return { files: files.length, p50Ms: round(pct(times, 50), 3), p99Ms: round(pct(times, 99), 3), maxMs: round(Math.max(...times), 2), largest };
}

/**
 * What the extension computes per keystroke once the debounce fires: the rule table over the largest corpus file with
 * its sibling swagger, alternating the text before and after the bench's edit (`"oauth2"` → `"aad"`), in one warm
 * process, as the extension host runs it.
 */
function diagnosticsCompute() {
  const files = corpusFiles(CORPUS).sort((a, b) => statSync(b).size - statSync(a).size);
  const file = files[0] as string;
  const text = readFileSync(file, 'utf8');
  const edited = text.replace(/("identityProvider":\s*")oauth2"/, '$1aad"');
  if (edited === text) throw new Error(`no "identityProvider": "oauth2" in ${file}`);
  let swaggerText: string | undefined;
  try {
    swaggerText = readFileSync(join(file, '..', 'apiDefinition.swagger.json'), 'utf8');
  } catch {
    swaggerText = undefined;
  }
  const options = { cloud: { name: 'AzureCloud' as const, loginEndpoint: 'https://login.microsoftonline.com' }, swaggerText };
  // CPU time of this process (user + system), not wall time: on a shared 2-core machine the scheduler's pauses would
  // otherwise be the p99. The floor, interleaved: JSON.parse of the same text (the least any check of it costs).
  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  for (let i = 0; i < 40; i++) analyzeApiProperties(i % 2 ? edited : text, options);
  const rules: number[] = [];
  const parse: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < 400; i++) {
    const input = i % 2 ? edited : text;
    let t0 = cpuMs();
    const w0 = performance.now();
    analyzeApiProperties(input, options);
    wall.push(performance.now() - w0);
    rules.push(cpuMs() - t0);
    t0 = cpuMs();
    JSON.parse(input);
    parse.push(cpuMs() - t0);
  }
  return {
    file: file.slice(CORPUS.length + 1),
    bytes: text.length,
    swagger: swaggerText !== undefined,
    runs: rules.length,
    cpu: { p50Ms: round(pct(rules, 50), 3), p99Ms: round(pct(rules, 99), 3), maxMs: round(Math.max(...rules), 2) },
    floorJsonParseCpu: { p50Ms: round(pct(parse, 50), 3), p99Ms: round(pct(parse, 99), 3) },
    wall: { p50Ms: round(pct(wall, 50), 3), p99Ms: round(pct(wall, 99), 3) },
  };
}

async function main() {
  const what = new Set(process.argv.slice(2));
  const all = what.size === 0;
  const result: Record<string, unknown> = {};
  if (all || what.has('setup') || what.has('connection')) {
    // The tenant in its own process, as Graph is: the engine's event loop is not shared with the server's.
    const emu = await startEmulatorProcess();
    if (!emu) throw new Error('the emulated tenant is missing (emulator/src/cli.ts)');
    const work = mkdtempSync(join(tmpdir(), 'entra-bench-'));
    try {
      if (all || what.has('setup')) result.setup = await setupFigures(emu.endpoints, work);
      if (all || what.has('connection')) result.connection = await connectionFigures(emu.endpoints, work);
    } finally {
      await emu.stop();
      rmSync(work, { recursive: true, force: true });
    }
  }
  if (all || what.has('tree')) {
    const t = await treeFigures();
    result.tree = t.rows;
    result.memory = t.memory;
  }
  if (all || what.has('check')) result.checkPerFile = await checkPerFile();
  if (all || what.has('diagnostics')) result.diagnosticsCompute = diagnosticsCompute();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
