// The bench figures that need a real VS Code: code-server (VS Code's own server and web workbench) in headless
// Chromium, driven by Playwright through the E2E helpers, with the built extension installed unpacked — and, beside
// it, each figure's floor measured in the same window, the runs interleaved (floor, subject, subject, floor, …) so
// that the load of a shared machine falls on both alike:
// - wizard first paint: a key bound to `entraConnector.secureConnector` → the first step's heading visible in the
//   webview; floor: a key bound to the bench's minimal webview command of the same extension (src/vscode/benchFloor.ts:
//   the wizard's panel options and CSP, a static <h2>, no bundle; registered because the bench sets
//   ENTRA_BENCH_FLOOR=1). Each run also collects the timeline: the host's own part (the extension's log line), the
//   webview document's start, its script's arrival and evaluation, the first render and the first contentful paint.
// - diagnostics while typing: edit → the status bar's problem count reaching its new value; floor: the debounce.
// - activate(): VS Code's own figure from "Developer: Show Running Extensions" (code loading + the activate() call),
//   once per extension-host start (window reloads); floor: an empty extension (bench/fixtures/empty-extension,
//   `activate() {}`, the same activation event) in the same host start; and the same starts on the host thread only
//   (bench/fixtures/profiler-extension times each extension's module load and activate() call inside the host).
// ENTRA_BENCH_VSCODE lists what to run (first-paint,diagnostics,activation; default all). Prints one JSON line.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { launchWorkbench, runCommand, webviewFrame, type Workbench } from '../test/e2e/support';

const CORPUS = join(__dirname, '../test/fixtures/connectors/corpus');
const EMPTY_EXTENSION = join(__dirname, 'fixtures/empty-extension');
const EMPTY_VSCODE_EXTENSION = join(__dirname, 'fixtures/empty-vscode-extension');
const PROFILER_EXTENSION = join(__dirname, 'fixtures/profiler-extension');
const PROFILE = join(mkdtempSync(join(tmpdir(), 'entra-bench-prof-')), 'exthost.cpuprofile');
/** One JSON line per extension-host start from the profiler extension: each measured extension's host-thread times. */
const HOST_TIMES = join(mkdtempSync(join(tmpdir(), 'entra-bench-act-')), 'activation.jsonl');
const FLOOR_KEY = 'Control+Alt+Shift+8';
const WIZARD_KEY = 'Control+Alt+Shift+9';
const DEBOUNCE_MS = 300;

const RUNS = Number(process.env.ENTRA_BENCH_RUNS ?? 10);
const WHAT = new Set((process.env.ENTRA_BENCH_VSCODE ?? 'first-paint,diagnostics,activation').split(','));
const log = (s: string) => process.stderr.write(`bench/vscode: ${s}\n`);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
/** Median, min, max and every run, rounded to `digits` decimals. */
const stats = (xs: number[], digits = 1) => ({ median: round(median(xs), digits), min: round(Math.min(...xs), digits), max: round(Math.max(...xs), digits), runs: xs.length, all: xs.map((x) => round(x, digits)) });

async function focusWorkbench(wb: Workbench): Promise<void> {
  await wb.page.locator('.monaco-workbench').click({ position: { x: 700, y: 5 } }).catch(() => {});
}

/** The extension's log file (its LogOutputChannel), newest session: the host's own timings are read from it. */
function extensionLog(wb: Workbench): string {
  const found: { path: string; mtime: number }[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (n.endsWith('Entra Connector.log')) found.push({ path: p, mtime: st.mtimeMs });
    }
  };
  const logs = join(wb.server.userDataDir, 'logs');
  if (existsSync(logs)) walk(logs);
  const newest = found.sort((a, b) => b.mtime - a.mtime)[0];
  return newest ? readFileSync(newest.path, 'utf8') : '';
}

const HOST_LINE = /Wizard: first page set ([\d.]+) ms after the command \(connector folder known at ([\d.]+) ms, panel created at ([\d.]+) ms, saved state read at ([\d.]+) ms\)/g;

interface Timeline {
  /** ms after the key press, as seen by the webview document (same machine clock). */
  documentStart: number;
  scriptEnd?: number;
  moduleEvaluated?: number;
  firstRender?: number;
  firstContentfulPaint?: number;
}

/** One open: key press → the heading visible; then the webview's own timeline, read from its document. */
async function openOnce(wb: Workbench, key: string): Promise<{ ms: number; timeline: Timeline }> {
  await focusWorkbench(wb);
  const heading = webviewFrame(wb.page).locator('h2#pageTitle').first();
  const t0 = Date.now();
  await wb.page.keyboard.press(key);
  await heading.waitFor({ state: 'visible', timeout: 90_000 });
  const ms = Date.now() - t0;
  // A string, not a function: the bench runs under tsx, whose helpers do not exist inside the webview.
  const raw = (await heading.evaluate(`(() => {
    const at = (name) => performance.getEntriesByName(name)[0]?.startTime;
    const script = performance.getEntriesByType('resource').find((r) => r.name.includes('/webview/main.js'));
    return { origin: performance.timeOrigin, scriptEnd: script?.responseEnd, moduleEvaluated: at('entra:module-evaluated'), firstRender: at('entra:first-render'), firstContentfulPaint: at('first-contentful-paint') };
  })()`)) as { origin: number; scriptEnd?: number; moduleEvaluated?: number; firstRender?: number; firstContentfulPaint?: number };
  const rel = (v: number | undefined) => (v === undefined ? undefined : round(raw.origin + v - t0));
  const timeline: Timeline = { documentStart: round(raw.origin - t0) };
  for (const k of ['scriptEnd', 'moduleEvaluated', 'firstRender', 'firstContentfulPaint'] as const) {
    const v = rel(raw[k]);
    if (v !== undefined) timeline[k] = v;
  }
  await runCommand(wb.page, 'View: Close All Editors');
  await wb.page.waitForTimeout(400);
  return { ms, timeline };
}

async function firstPaint(wb: Workbench) {
  // Warm-up, reported apart: the first wizard open after start also loads the extension's features (one import()).
  const firstFloor = await openOnce(wb, FLOOR_KEY);
  const firstWizard = await openOnce(wb, WIZARD_KEY);
  log(`first open after start: floor ${firstFloor.ms} ms, wizard ${firstWizard.ms} ms`);
  const floor: number[] = [];
  const wizard: number[] = [];
  const timelines: { floor: Timeline[]; wizard: Timeline[] } = { floor: [], wizard: [] };
  for (let i = 0; i < RUNS; i++) {
    const order = i % 2 === 0 ? (['floor', 'wizard'] as const) : (['wizard', 'floor'] as const);
    for (const kind of order) {
      const r = await openOnce(wb, kind === 'floor' ? FLOOR_KEY : WIZARD_KEY);
      (kind === 'floor' ? floor : wizard).push(r.ms);
      timelines[kind].push(r.timeline);
    }
    log(`first paint ${i + 1}: floor ${floor[i]} ms, wizard ${wizard[i]} ms`);
  }
  const host = [...extensionLog(wb).matchAll(HOST_LINE)].map((m) => ({ htmlSet: Number(m[1]), folderKnown: Number(m[2]), panelCreated: Number(m[3]), stateRead: Number(m[4]) }));
  const hostRuns = host.slice(1); // the first line is the warm-up's
  const med = (xs: (number | undefined)[]) => {
    const v = xs.filter((x): x is number => x !== undefined);
    return v.length ? round(median(v)) : undefined;
  };
  const timelineMedian = (ts: Timeline[]) => ({
    documentStart: med(ts.map((t) => t.documentStart)),
    scriptEnd: med(ts.map((t) => t.scriptEnd)),
    moduleEvaluated: med(ts.map((t) => t.moduleEvaluated)),
    firstRender: med(ts.map((t) => t.firstRender)),
    firstContentfulPaint: med(ts.map((t) => t.firstContentfulPaint)),
  });
  return {
    floor: stats(floor),
    wizard: stats(wizard),
    ratio: round(median(wizard) / median(floor), 2),
    ratios: wizard.map((w, i) => round(w / (floor[i] as number), 2)),
    firstOpen: { floor: firstFloor.ms, wizard: firstWizard.ms, wizardHost: host[0] },
    host: hostRuns.length
      ? { htmlSet: stats(hostRuns.map((h) => h.htmlSet)), folderKnown: stats(hostRuns.map((h) => h.folderKnown)), panelCreated: stats(hostRuns.map((h) => h.panelCreated)), stateRead: stats(hostRuns.map((h) => h.stateRead)) }
      : { notMeasured: 'no "Wizard: first page set" line in the extension log' },
    timeline: { floor: timelineMedian(timelines.floor), wizard: timelineMedian(timelines.wizard) },
    method: 'key bound to the command → h2#pageTitle visible in the webview (Playwright); floor and wizard alternate; a first open of each after start is reported apart',
  };
}

function largestCorpusFile(): string {
  let best = { path: '', size: -1 };
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (n === 'apiProperties.json' && st.size > best.size) best = { path: p, size: st.size };
    }
  };
  walk(CORPUS);
  return best.path;
}

/**
 * The largest corpus file and, beside it, the floor's `bench-floor.json` (the same text; the bench's floor provider
 * puts one warning per "aad" after the same debounce, with no analysis), each in its own editor group. Rounds
 * alternate floor and subject: replace the first `"oauth2"` identity provider by `"aad"` (which brings the Entra
 * rules' diagnostics), then undo. The clock runs from the keystroke to the status bar's problem count reaching the
 * value that step settles on (learnt in a first, untimed round): the JSON schema's own validation may change the count
 * earlier, so the first change is not necessarily the extension's.
 */
async function diagnosticsWhileTyping(wb: Workbench, rounds: number) {
  const src = largestCorpusFile();
  const dir = join(wb.workspaceDir, 'Largest');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'apiProperties.json');
  copyFileSync(src, file);
  copyFileSync(src, join(dir, 'bench-floor.json'));
  const page = wb.page;
  const line = readFileSync(file, 'utf8').split('\n').findIndex((l) => /"identityProvider":\s*"oauth2"/.test(l)) + 1;
  if (line === 0) throw new Error('no "identityProvider": "oauth2" line in the largest corpus file');
  const problems = page.locator('[id="status.problems"]').first();
  const count = async () => (await problems.getAttribute('aria-label').catch(() => null)) ?? (await problems.innerText());
  const settle = async () => {
    let last = await count();
    for (let stable = 0, i = 0; stable < 4 && i < 40; i++) {
      await page.waitForTimeout(250);
      const now = await count();
      stable = now === last ? stable + 1 : 0;
      last = now;
    }
    return last;
  };
  /** Opens `name` in the active editor group and selects the `oauth2` of the identity provider line. */
  const openAndSelect = async (name: string) => {
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(`Largest/${name}`);
    const pick = page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first();
    await pick.waitFor({ timeout: 30_000 });
    await page.keyboard.press('Enter');
    await page.waitForTimeout(1_000);
    await page.keyboard.press('Control+G');
    await page.keyboard.type(String(line));
    await page.keyboard.press('Enter');
    await page.keyboard.press('End');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    for (let i = 0; i < 6; i++) await page.keyboard.press('Shift+ArrowLeft');
  };
  // The extension's diagnostics timeline (edit → debounce fired → options → rules → set) is logged at debug level.
  await setLogLevel(wb, 'Entra Connector', 'Debug').catch((e: unknown) => log(`could not set the extension's log level: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`));
  await focusWorkbench(wb);
  await openAndSelect('bench-floor.json');
  await runCommand(page, 'View: Split Editor Right');
  await page.waitForTimeout(500);
  await openAndSelect('apiProperties.json');
  await problems.waitFor({ timeout: 30_000 });
  await settle();
  const group = { floor: 'Control+1', subject: 'Control+2' } as const;
  // Undo restores the selection it had before the edit ("oauth2" selected), so each round types over it again.
  const act = (step: 'edit' | 'undo') => (step === 'edit' ? page.keyboard.insertText('aad') : page.keyboard.press('Control+Z'));
  const target: Record<string, string> = {};
  for (const kind of ['floor', 'subject'] as const) {
    await page.keyboard.press(group[kind]);
    await page.waitForTimeout(300);
    await act('edit');
    target[`${kind}-edit`] = await settle();
    await act('undo');
    target[`${kind}-undo`] = await settle();
    if (target[`${kind}-edit`] === target[`${kind}-undo`]) throw new Error(`the ${kind} edit did not change the problem count (${target[`${kind}-edit`]})`);
  }
  const times: Record<'floor' | 'subject', number[]> = { floor: [], subject: [] };
  /** When each timed step's key was pressed (ms since the epoch). */
  const pressedAt: Record<'floor' | 'subject', number[]> = { floor: [], subject: [] };
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? (['floor', 'subject'] as const) : (['subject', 'floor'] as const);
    for (const kind of order) {
      await page.keyboard.press(group[kind]);
      await page.waitForTimeout(300);
      for (const step of ['edit', 'undo'] as const) {
        const want = target[`${kind}-${step}`] as string;
        const t0 = Date.now();
        pressedAt[kind].push(t0);
        await act(step);
        while ((await count()) !== want && Date.now() - t0 < 15_000) await page.waitForTimeout(5);
        if ((await count()) !== want) throw new Error(`the problem count did not reach "${want}" within 15 s after the ${kind} ${step}`);
        times[kind].push(Date.now() - t0);
        await page.waitForTimeout(DEBOUNCE_MS + 300);
      }
    }
    log(`diagnostics round ${r + 1}: floor ${times.floor.slice(-2).join(', ')} ms, ours ${times.subject.slice(-2).join(', ')} ms`);
  }
  await runCommand(page, 'View: Close All Editors').catch(() => undefined);
  // The host's timeline of each timed subject step, matched to its key press by the edit's time (same machine clock).
  const lines = [...extensionLog(wb).matchAll(DIAGNOSTICS_LINE)].map((m) => ({ file: m[1] as string, edit: Number(m[2]), fired: Number(m[3]), options: Number(m[4]), rules: Number(m[5]), set: Number(m[6]) }));
  const timeline = (kind: 'floor' | 'subject') => {
    const steps = pressedAt[kind]
      .map((t0, i) => {
        const l = lines.find((x) => (x.file === 'bench-floor.json') === (kind === 'floor') && x.edit >= t0 - 50 && x.edit - t0 < 2_000);
        return l ? { editEvent: l.edit - t0, fired: l.edit - t0 + l.fired, options: l.edit - t0 + l.options, rules: l.edit - t0 + l.rules, set: l.edit - t0 + l.set, shown: times[kind][i] as number } : undefined;
      })
      .filter((x): x is NonNullable<typeof x> => x !== undefined);
    const med = (k: keyof NonNullable<(typeof steps)[number]>) => round(median(steps.map((x) => x[k])));
    return steps.length
      ? { steps: steps.length, editEvent: med('editEvent'), fired: med('fired'), options: med('options'), rules: med('rules'), set: med('set'), shown: med('shown'), setToShown: round(median(steps.map((x) => x.shown - x.set))) }
      : { notMeasured: 'no "Diagnostics timeline" lines in the extension log (its log level is not debug)' };
  };
  return {
    timeline: { subject: timeline('subject'), floor: timeline('floor') },
    floor: stats(times.floor),
    shown: stats(times.subject),
    ratio: round(median(times.subject) / median(times.floor), 2),
    overFloorMedian: round(median(times.subject) - median(times.floor)),
    debounceMs: DEBOUNCE_MS,
    overDebounceMedian: round(median(times.subject) - DEBOUNCE_MS),
    file: src.slice(CORPUS.length + 1),
  };
}

const DIAGNOSTICS_LINE = /Diagnostics timeline of ([^:]+): edit at ([\d.]+), debounce fired ([\d.]+) ms, options ([\d.]+) ms, rules ([\d.]+) ms, set ([\d.]+) ms/g;

/** Developer: Set Log Level… for one log (output channel). */
async function setLogLevel(wb: Workbench, channel: string, level: 'Debug' | 'Trace'): Promise<void> {
  const page = wb.page;
  await runCommand(page, 'Developer: Set Log Level...');
  const input = page.locator('.quick-input-widget input');
  const pick = async (label: string) => {
    await input.fill(label);
    const row = page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) }).first();
    await row.waitFor({ timeout: 15_000 });
    await row.click();
  };
  await pick(channel);
  await pick(level);
  await page.waitForTimeout(500);
}

const MEASURED = { ours: 'entra-connector.entra-connector', empty: 'entra-connector-bench.bench-empty-extension', emptyWithApi: 'entra-connector-bench.bench-empty-vscode-extension' } as const;

interface HostTimes { profiled: boolean; extensions: Record<string, { loadMs?: number; apiMs?: number; activateMs?: number; active?: boolean }> }

const hostTimeLines = () => (existsSync(HOST_TIMES) ? readFileSync(HOST_TIMES, 'utf8').split('\n').filter(Boolean) : []);

/** The profiler extension's line for the host start after the first `before` lines, once written. */
async function hostTimes(before: number): Promise<HostTimes | undefined> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const lines = hostTimeLines();
    if (lines.length > before) return JSON.parse(lines[lines.length - 1] as string) as HostTimes;
    if (Date.now() > deadline) {
      log('no host-thread times for this host start');
      return undefined;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** VS Code's activation time of one extension's row in Running Extensions (code loading + activate()). */
async function rowActivation(wb: Workbench, name: string): Promise<number> {
  // The list is virtual: only rows in view exist. The bench's window is tall enough for every running extension.
  // By the exact name: "Bench Empty Extension" is also a substring of "Bench Empty Extension (vscode API)".
  const exact = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  const row = wb.page.locator('.runtime-extensions-editor .monaco-list-row').filter({ has: wb.page.locator('.name', { hasText: exact }) }).first();
  await row.waitFor({ timeout: 30_000 });
  const cell = row.locator('.activation-time');
  let text = '';
  for (let i = 0; i < 100 && !/\d/.test(text); i++) {
    text = (await cell.innerText().catch(() => '')).trim();
    if (!/\d/.test(text)) await wb.page.waitForTimeout(200);
  }
  const m = /([\d.,]+)\s*ms/.exec(text);
  if (!m) throw new Error(`no activation time in the Running Extensions row of ${name}: "${text}"`);
  return Number((m[1] as string).replace(',', ''));
}

async function reload(wb: Workbench): Promise<void> {
  await runCommand(wb.page, 'Developer: Reload Window');
  await wb.page.waitForTimeout(1_000);
  await wb.page.locator('.monaco-workbench').waitFor({ timeout: 120_000 });
  await wb.page.locator('.activitybar [aria-label^="Entra Connector"]').first().waitFor({ timeout: 120_000 });
}

async function activation(wb: Workbench) {
  const ours: number[] = [];
  const empty: number[] = [];
  const emptyApi: number[] = [];
  const own: number[] = [];
  /** activate()'s own parts (the marks in its log line: output channel, views, sign-in state, command stand-ins, rest). */
  const ownParts: Record<string, number[]> = {};
  // The window's first host start ran under the profiler (bench/fixtures/profiler-extension): read, not timed.
  const profile = await profileSummary();
  const hostThread: Record<keyof typeof MEASURED, { total: number; load: number; api: number; activate: number }[]> = { ours: [], empty: [], emptyWithApi: [] };
  const oursOverApi: number[] = [];
  // The first start's line (profiled) is not counted: wait for it, so that the next line is the next start's.
  await hostTimes(0);
  for (let i = 0; i < RUNS; i++) {
    const before = hostTimeLines().length;
    await reload(wb);
    await runCommand(wb.page, 'Developer: Show Running Extensions');
    ours.push(await rowActivation(wb, 'Entra Connector'));
    empty.push(await rowActivation(wb, 'Bench Empty Extension'));
    emptyApi.push(await rowActivation(wb, 'Bench Empty Extension (vscode API)'));
    await runCommand(wb.page, 'View: Close All Editors');
    const self = [...extensionLog(wb).matchAll(/activated \(activate\(\) took ([\d.]+) ms(?:: ([^)]*))?\)/g)].pop();
    if (self) {
      own.push(Number(self[1]));
      for (const part of (self[2] ?? '').split(', ')) {
        const m = /^(.+) ([\d.]+)$/.exec(part);
        if (m) (ownParts[m[1] as string] ??= []).push(Number(m[2]));
      }
    }
    const host = await hostTimes(before);
    if (host) for (const [key, id] of Object.entries(MEASURED)) {
      const t = host.extensions[id];
      if (t?.loadMs === undefined || t.activateMs === undefined) continue;
      hostThread[key as keyof typeof MEASURED].push({ total: t.loadMs + t.activateMs, load: t.loadMs, api: t.apiMs ?? 0, activate: t.activateMs });
    }
    // This extension against the floor that only requires `vscode`, in the same start.
    const [a, b] = [host?.extensions[MEASURED.ours], host?.extensions[MEASURED.emptyWithApi]];
    if (a?.loadMs !== undefined && a.activateMs !== undefined && b?.loadMs !== undefined && b.activateMs !== undefined) oursOverApi.push(a.loadMs + a.activateMs - (b.loadMs + b.activateMs));
    log(`activation ${i + 1}: ours ${ours[i]} ms (activate() itself ${own[own.length - 1]} ms), empty extension ${empty[i]} ms, empty + require('vscode') ${emptyApi[i]} ms; host thread: ${Object.entries(hostThread).map(([k, v]) => `${k} ${v.length ? round(v[v.length - 1]!.total, 2) : '?'} ms`).join(', ')}`);
  }
  const part = (k: keyof typeof MEASURED, f: 'total' | 'load' | 'api' | 'activate') => stats(hostThread[k].map((t) => t[f]), 2);
  const threadOf = (k: keyof typeof MEASURED) => (hostThread[k].length ? { total: part(k, 'total'), load: part(k, 'load'), requireVscode: part(k, 'api'), activateCall: part(k, 'activate') } : undefined);
  return {
    activateCallOwnMs: own.length ? stats(own) : undefined,
    activateCallParts: Object.fromEntries(Object.entries(ownParts).map(([k, v]) => [k, stats(v)])),
    profile,
    ours: stats(ours),
    empty: stats(empty),
    emptyWithApi: stats(emptyApi),
    // VS Code shows whole milliseconds: an empty extension's 0 ms is counted as 1 ms.
    ratio: round(median(ours) / Math.max(median(empty), 1), 2),
    ratioToEmptyWithApi: round(median(ours) / Math.max(median(emptyApi), 1), 2),
    // The same starts, on the host thread only (bench/fixtures/profiler-extension): module load + activate() call.
    hostThread: hostThread.ours.length
      ? {
          ours: threadOf('ours'),
          empty: threadOf('empty'),
          emptyWithApi: threadOf('emptyWithApi'),
          ratio: round(median(hostThread.ours.map((t) => t.total)) / median(hostThread.empty.map((t) => t.total)), 1),
          ratioToEmptyWithApi: round(median(hostThread.ours.map((t) => t.total)) / median(hostThread.emptyWithApi.map((t) => t.total)), 2),
          oursMinusEmptyWithApiMs: stats(oursOverApi, 2),
          method: "performance.now() around Module._load of each extension's main file (its require('vscode') timed apart) and around its activate() call, in the host, every start but the profiled one",
        }
      : { notMeasured: 'the profiler extension wrote no host-thread times' },
    method: "VS Code's Running Extensions activation time (code loading + activate()) of both extensions, one extension-host start per window reload",
  };
}

/**
 * The profile of the first host start: time in samples whose stack holds a frame of this extension's bundles
 * (inclusive: VS Code API work it called included), and the functions with the most self time among them.
 */
async function profileSummary() {
  const deadline = Date.now() + 30_000;
  while (!(existsSync(PROFILE) && statSync(PROFILE).size > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  if (!existsSync(PROFILE) || statSync(PROFILE).size === 0) return { notMeasured: 'the profiler extension wrote no profile' };
  interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
  const p = JSON.parse(readFileSync(PROFILE, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
  rmSync(dirname(PROFILE), { recursive: true, force: true });
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const ours = (n: Node) => /entra-connector\.entra-connector-[^/]*\/dist\//.test(n.callFrame.url);
  const name = (n: Node) => `${n.callFrame.functionName || '(top level)'} ${n.callFrame.url.split('/').slice(-2).join('/') || '(native)'}:${n.callFrame.lineNumber + 1}`;
  let inclusive = 0;
  let loading = 0;
  const self = new Map<string, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const dt = (p.timeDeltas[i + 1] ?? 0) / 1000;
    const leaf = byId.get(p.samples[i] as number) as Node;
    let hit: Node | undefined;
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const n = byId.get(id) as Node;
      if (ours(n)) hit = n;
    }
    if (!hit) continue;
    inclusive += dt;
    if (hit.callFrame.functionName === '' && hit.callFrame.lineNumber === 0) loading += dt;
    self.set(name(leaf), (self.get(name(leaf)) ?? 0) + dt);
  }
  const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([fn, ms]) => ({ fn, ms: round(ms, 2) }));
  return { inclusiveMs: round(inclusive, 1), topLevelMs: round(loading, 1), topSelf: top, note: 'profiled start, 100 µs sampling (the profiler slows the host)' };
}

async function main() {
  const result: Record<string, unknown> = {};
  log('starting code-server…');
  const wb = await launchWorkbench({
    emulator: false,
    env: { ENTRA_BENCH_FLOOR: '1', ...(WHAT.has('activation') ? { ENTRA_BENCH_PROFILE: PROFILE, ENTRA_BENCH_ACTIVATION: HOST_TIMES } : {}) },
    // Disables JSON schema validation in this window: the problem count then moves with this extension's diagnostics only.
    settings: { 'json.validate.enable': false },
    extensions: [EMPTY_EXTENSION, EMPTY_VSCODE_EXTENSION, ...(WHAT.has('activation') ? [PROFILER_EXTENSION] : [])],
    keybindings: [
      { key: 'ctrl+alt+shift+8', command: 'entraConnector.bench.minimalWebview' },
      { key: 'ctrl+alt+shift+9', command: 'entraConnector.secureConnector' },
    ],
  });
  try {
    await wb.page.setViewportSize({ width: 1400, height: 2000 });
    // Activated (workspaceContains): its status bar item is there, and so the bench's floor command.
    await wb.page.locator('.statusbar-item', { hasText: 'Sign in to Entra' }).first().waitFor({ timeout: 120_000 });
    await wb.page.waitForTimeout(1_000);
    if (WHAT.has('first-paint')) {
      try {
        result.firstPaint = await firstPaint(wb);
      } catch (e) {
        result.firstPaint = { notMeasured: `failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` };
        if (process.env.ENTRA_BENCH_DEBUG) await wb.page.screenshot({ path: '/tmp/bench-first-paint.png' });
        log(String((result.firstPaint as { notMeasured: string }).notMeasured));
      }
    }
    if (WHAT.has('diagnostics')) {
      try {
        result.diagnostics = await diagnosticsWhileTyping(wb, Math.ceil(RUNS / 2));
      } catch (e) {
        result.diagnostics = { notMeasured: `failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` };
        log(String((result.diagnostics as { notMeasured: string }).notMeasured));
      }
    }
    if (WHAT.has('activation')) {
      try {
        result.activation = await activation(wb);
      } catch (e) {
        result.activation = { notMeasured: `failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` };
        if (process.env.ENTRA_BENCH_DEBUG) await wb.page.screenshot({ path: '/tmp/bench-activation.png' });
        log(String((result.activation as { notMeasured: string }).notMeasured));
      }
    }
  } finally {
    await wb.close();
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench/vscode: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
