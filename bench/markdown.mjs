// Renders the bench summary as BENCHMARKS.md: each figure with its method, the machine and the date.
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
const nm = (why) => `not measured — ${why}`;

export function renderMarkdown(s) {
  const L = [];
  const m = s.machine;
  L.push('# Benchmarks', '');
  L.push('Written by `npm run bench` (`bench/run.mjs`); do not edit by hand. Every figure below was measured by that run;');
  L.push('a figure that could not be measured says so and why.', '');
  L.push(`- **Date:** ${s.date}`);
  L.push(`- **Machine:** ${m.cores} cores (${m.cpu}), ${m.memoryGb} GB memory, ${m.platform}, Node ${m.node}, VS Code ${m.vscode}`);
  L.push(`- **Bench run:** ${s.benchSeconds} s. The machine is shared (other processes may run), so wall times are medians.`, '');

  L.push('## 1. Setup critical path', '');
  L.push('Method: a fresh full setup (`runSetup`: API app, its service principal, connector app, its service principal,');
  L.push('secret, tenant-wide grant, apiProperties.json) against the emulated tenant running in its own process, with the');
  L.push('given latency added to every Graph request. Graph requests and sequential round trips come from the emulator\'s');
  L.push('request log (`criticalPath`: the longest chain of requests each starting after the previous ended; `$batch`');
  L.push('members are not round trips). Access tokens are minted before the clock starts (the product gets them from');
  L.push('MSAL\'s cache). "Naive sequential" is the same engine with a transport that sends one request at a time, each');
  L.push('after the previous answered. Each cell is the median of the runs shown.', '');
  L.push('| configuration | runner | Graph requests | sequential round trips | Graph span (ms) | wall (ms) | runs |');
  L.push('|---|---|---|---|---|---|---|');
  for (const row of s.setup ?? []) {
    for (const mode of ['engine', 'naive sequential']) {
      const r = row[mode];
      L.push(`| ${row.config} | ${mode} | ${r.graphRequests} | ${r.sequentialRoundTrips} | ${r.graphSpanMsMedian} | ${r.wallMsMedian} | ${r.runs} |`);
    }
    L.push(`| ${row.config} | dependency chain minimum | | ${row.dependencyMinimum} | | | |`);
  }
  L.push('');
  L.push('Notes: with replication lag the engine waits for new objects to become visible (the extra requests are those');
  L.push('reads/retries), so lag, not request count, dominates. At 0 ms requests finish before their siblings start, so');
  L.push('the log shows little overlap; the critical path matters when each request costs real latency. The naive');
  L.push('runner\'s requests are strictly one at a time by construction; the log can count two back-to-back requests as');
  L.push('overlapping when their timestamps touch.', '');

  L.push('## 2. Start-up cost', '');
  const bb = s.bundles;
  if (bb) {
    L.push('Method: the production bundles built with esbuild (minified, as `npm run build:prod`) into a temp folder.');
    L.push('What `activate()` loads eagerly: the modules reachable from `src/extension.ts` over static edges (imports and');
    L.push('`require` calls) in esbuild\'s metafile; modules behind a dynamic `import()` load only when first needed.', '');
    L.push('| figure | value |', '|---|---|');
    L.push(`| host bundle \`extension.js\` | ${kb(bb.bytes['extension.js'])} |`);
    L.push(`| CLI bundle \`cli.js\` | ${kb(bb.bytes['cli.js'])} |`);
    L.push(`| modules loaded by activate() (source bytes) | ${bb.activation.eagerModules} (${kb(bb.activation.eagerSourceBytes)}) |`);
    L.push(`| packages loaded by activate() | ${bb.activation.eagerPackages.join(', ') || 'none'} |`);
    L.push(`| modules only behind import() (source bytes) | ${bb.activation.lazyModules} (${kb(bb.activation.lazySourceBytes)}) |`);
    L.push(`| packages only behind import() | ${bb.activation.lazyPackages.join(', ') || 'none'} |`);
    L.push(`| MSAL loaded at activation | ${bb.activation.msalEager ? '**yes**' : 'no'} |`);
    L.push(`| Graph client loaded at activation | ${bb.activation.graphClientEager ? `**yes** — static chain: ${bb.activation.graphClientChain.map((x) => `\`${x}\``).join(' → ')}` : 'no'} |`);
    if (bb.activation.msalEager) L.push(`| MSAL static chain | ${bb.activation.msalChain.map((x) => `\`${x}\``).join(' → ')} |`);
  }
  const vs = s.vscode ?? {};
  L.push('');
  L.push('In VS Code (code-server, the same VS Code version, headless Chromium via Playwright; the extension as built by');
  L.push('`npm run build`, unminified, installed unpacked as a .vsix lays it out): the activation time is VS Code\'s own');
  L.push('figure from **Developer: Show Running Extensions**, once per extension-host start (window reloads).', '');
  L.push('| figure | value |', '|---|---|');
  L.push(`| activate() time in the extension host (median of ≥ 10 starts) | ${vs.activateMs ? `${vs.activateMs.median} ms (${vs.activateMs.runs} starts: ${vs.activateMs.all.join(', ')})` : nm(vs.activateNotMeasured ?? vs.notMeasured ?? vs.error ?? 'no result')} |`);
  L.push('');

  L.push('## 3. Wizard first paint', '');
  L.push('Method: in the same code-server window, the palette\'s **Entra Connector: Secure a Custom Connector…** is picked;');
  L.push('the clock stops when the first step\'s heading (`h2#pageTitle`) is visible inside the webview. The wizard is');
  L.push('closed between runs; run 1 also creates the webview for the first time.', '');
  L.push('| figure | value |', '|---|---|');
  if (bb) L.push(`| webview bundle \`webview.js\` | ${kb(bb.bytes['webview.js'])} |`);
  L.push(`| command → first step visible in the webview (Playwright, median of ≥ 5) | ${vs.wizardFirstPaintMs ? `${vs.wizardFirstPaintMs.median} ms (${vs.wizardFirstPaintMs.runs} runs: ${vs.wizardFirstPaintMs.all.join(', ')})` : nm(vs.wizardNotMeasured ?? vs.notMeasured ?? vs.error ?? 'no result')} |`);
  L.push('');

  L.push('## 4. Checking', '');
  const c = s.check;
  if (c) {
    L.push(`Method: \`node cli.js check ${c.corpus} --json\` with the production CLI bundle, a new process per run (Node`);
    L.push('start-up included); per file: `entra-connector check <file> --json` in one warm process (`runCli`), one file at a time.', '');
    L.push('| figure | value |', '|---|---|');
    L.push(`| files | ${c.files} |`);
    L.push(`| whole corpus, total (median of ${c.runs}) | ${c.totalMsMedian} ms |`);
    L.push(`| files per second | ${c.filesPerSecond} |`);
    if (c.perFile) {
      L.push(`| per file p50 / p99 / max | ${c.perFile.p50Ms} / ${c.perFile.p99Ms} / ${c.perFile.maxMs} ms |`);
      L.push(`| largest corpus file | \`${c.perFile.largest.path}\` (${kb(c.perFile.largest.bytes)}): ${c.perFile.largest.ms} ms |`);
    }
  }
  L.push(`| diagnostics while typing on the largest file (edit → diagnostics updated, in VS Code) | ${vs.diagnosticsMs ? `${vs.diagnosticsMs.median} ms median (${vs.diagnosticsMs.runs} edits/undos on \`${vs.diagnosticsMs.file}\`: ${vs.diagnosticsMs.all.join(', ')})` : nm(vs.diagnosticsNotMeasured ?? vs.notMeasured ?? 'no result')} |`);
  if (vs.diagnosticsMs) {
    L.push('');
    L.push('Diagnostics while typing: in the code-server window, the largest corpus file is opened in the editor; one edit');
    L.push('replaces its first `"identityProvider": "oauth2"` value by `"aad"` (which brings the Entra rules\' diagnostics),');
    L.push('then Undo removes it, five times each; the clock runs from the keystroke to the status bar\'s problem count');
    L.push('changing (the extension\'s debounce included, as a user sees it).');
  }
  L.push('');

  L.push('## 5. Connectors view (tree) first render', '');
  L.push('Method: the view\'s data path — `fetchRegistrations` (the Graph reads) + `computeHealth` for 10 connectors —');
  L.push('against the emulated tenant seeded with 5,000 app registrations; plain Node, tokens minted before the clock.');
  L.push('Drawing the tree items in VS Code is not included. The emulator runs in the bench process here (it needs the');
  L.push('5,000-app seed), so the time includes its own work of filtering 5,000 apps per request, which is why 0 ms and');
  L.push('50 ms latency are close; the request count is the figure that carries over to a real tenant.', '');
  L.push('| latency | connectors | apps in tenant | Graph requests | sequential round trips | time (median) | runs |', '|---|---|---|---|---|---|---|');
  for (const r of s.tree ?? []) L.push(`| ${r.latencyMs} ms | ${r.connectors} | ${r.appsInTenant} | ${r.graphRequests} | ${r.sequentialRoundTrips} | ${r.msMedian} ms | ${r.runs} |`);
  L.push('');

  L.push('## 6. Memory', '');
  const mem = s.memory;
  if (mem && !mem.notMeasured) {
    L.push('Method: heap used after a forced GC (`--expose-gc`), in a plain Node process running the same engine and');
    L.push('tree code against the emulated tenant (in the same process, its request log cleared before each sample):');
    L.push('before, after a full setup, and every 10 of 100 Connectors-view refreshes (the heap includes the emulator\'s');
    L.push('5,000-app tenant). The slope is a least-squares fit; near 0 means no growth trend.', '');
    L.push('| figure | value |', '|---|---|');
    L.push(`| heap before / after a full setup | ${mem.heapMbBefore} MB / ${mem.heapMbAfterSetup} MB |`);
    L.push(`| heap every 10 refreshes | ${mem.heapMbEvery10Refreshes.join(', ')} MB |`);
    L.push(`| trend | ${mem.slopeMbPer10Refreshes} MB per 10 refreshes |`);
  }
  L.push('');
  L.push('### Extension host heap (inside VS Code)', '');
  const h = vs.hostHeapMb;
  if (h) {
    L.push('Method: `bench/host/heap.ts` runs INSIDE the real extension host: code-server (same VS Code version) loads it as');
    L.push('`extensionTestsPath` with this checkout\'s `dist/` as the extension under development (`npm run build`, unminified),');
    L.push('the sample workspace and the emulated tenant as a custom cloud (`bench/hostHeap.mjs`, as the integration suite runs).');
    L.push('It signs in by device code (approved through the emulator\'s admin API), runs one full setup through the wizard');
    L.push('panel\'s controller (the command `entraConnector.secureConnector`, the webview\'s answers, Run: API app, connector');
    L.push(`app, admin consent, secret in SecretStorage, apiProperties.json written), then ${h.refreshes} Connectors-view refreshes — 100 as issue 6 asks, the rest to tell warm-up from growth —`);
    L.push(`(\`connectors.refresh()\` re-reads the directory, then every tree item is drawn: ${h.itemsPerRefresh} items; ${h.refreshesSeconds} s in all).`);
    L.push(`\`process.memoryUsage().heapUsed\` of the extension host is sampled after activation (before sign-in), after the setup and every 10 refreshes;`);
    L.push(`sampling: ${h.sampling}. Node ${h.node}. The heap includes VS Code's own extension-host code and every other`);
    L.push('built-in extension running there. Slopes are least-squares fits over the every-10 samples of each window.');
    if (vs.hostHeapDate) L.push(`Measured ${vs.hostHeapDate} (\`node bench/run.mjs --only host-heap\`); the other figures are from the full run above.`);
    L.push('');
    const series = h.heapMbEvery10Refreshes;
    const at = (n) => series[n / 10 - 1];
    const first = h.trend?.[0];
    const rest = h.trend?.[1];
    L.push('| figure | value |', '|---|---|');
    L.push(`| extension host heap after activation / after a full setup | ${h.heapMbBefore} MB / ${h.heapMbAfterSetup} MB |`);
    if (first) {
      L.push(`| every 10 of the first ${first.toRefresh} refreshes | ${series.slice(0, first.toRefresh / 10).join(', ')} MB |`);
      L.push(`| trend over refreshes 10–${first.toRefresh} | ${first.slopeMbPer10Refreshes} MB per 10 refreshes (${at(first.toRefresh) - at(10) >= 0 ? '+' : ''}${Math.round((at(first.toRefresh) - at(10)) * 10) / 10} MB) |`);
      L.push(`| every 10 of refreshes ${rest.fromRefresh}–${rest.toRefresh} | ${series.slice(first.toRefresh / 10).join(', ')} MB |`);
      L.push(`| trend over refreshes ${rest.fromRefresh}–${rest.toRefresh} | ${rest.slopeMbPer10Refreshes} MB per 10 refreshes (${at(rest.toRefresh) - at(rest.fromRefresh) >= 0 ? '+' : ''}${Math.round((at(rest.toRefresh) - at(rest.fromRefresh)) * 10) / 10} MB) |`);
    } else {
      L.push(`| every 10 of ${h.refreshes} refreshes | ${series.join(', ')} MB |`);
      L.push(`| trend | ${h.slopeMbPer10Refreshes} MB per 10 refreshes |`);
    }
    L.push('');
    L.push('Reading: a slope that falls towards 0 in the later window is warm-up (compiled code, caches filled once);');
    L.push('a slope that stays the same in both windows would be a leak proportional to refreshes.');
  } else {
    L.push('| figure | value |', '|---|---|');
    L.push(`| extension host heap (inside VS Code) | ${nm(vs.heapNotMeasured ?? vs.notMeasured ?? vs.error ?? 'no result')} |`);
  }
  L.push('');
  return `${L.join('\n')}\n`;
}
