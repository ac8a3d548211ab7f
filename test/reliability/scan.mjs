// Searches files and texts for secrets and tokens: each exact needle, and anything shaped like a JWT. Used by
// secrets.test.ts; plain .mjs so the integration and E2E runners can call it on their user-data, logs and workspace
// folders before they delete them:
//   import { scanForSecrets } from '../reliability/scan.mjs';
//   const hits = scanForSecrets({ dirs: [base], needles: [] });   // → [] or ["a token-shaped string in …"]
// The runners use scanRunForSecrets, which takes the needles from the emulated tenant's GET /admin/issued (every client
// secret, token and code it handed out during the run) and skips binary images (screenshots).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:https';
import { join, relative } from 'node:path';

/** A JWT (header.payload…) as Entra and the emulated tenant issue them. */
export const TOKEN_SHAPE = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}/;

function filesUnder(dir) {
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    const p = join(dir, n);
    let st;
    try {
      st = statSync(p);
    } catch {
      return [];
    }
    return st.isDirectory() ? filesUnder(p) : st.isFile() ? [p] : [];
  });
}

/**
 * @param {{ dirs?: string[], texts?: { name: string, text: string }[], needles?: string[], labels?: string[],
 *   tokenShape?: boolean, skipFile?: (path: string) => boolean, stats?: { files: number, texts: number } }} options
 *   labels[i] names needles[i] in a hit (default "needle #i"); skipFile(absolute path) leaves a file out;
 *   stats, when given, receives how many files and texts were searched.
 * @returns {string[]} one line per hit (never the secret itself: the needle's label or index, and where)
 */
export function scanForSecrets({ dirs = [], texts = [], needles = [], labels = [], tokenShape = true, skipFile, stats }) {
  const sources = [...texts];
  let files = 0;
  for (const d of dirs) {
    for (const f of filesUnder(d)) {
      if (skipFile?.(f)) continue;
      files++;
      sources.push({ name: relative(d, f) || f, text: readFileSync(f, 'latin1') });
    }
  }
  if (stats) Object.assign(stats, { files, texts: texts.length });
  const found = [];
  for (const s of sources) {
    needles.forEach((n, i) => {
      if (n && s.text.includes(n)) found.push(`${labels[i] ?? `needle #${i}`} in ${s.name}`);
    });
    if (tokenShape && TOKEN_SHAPE.test(s.text)) found.push(`a token-shaped string in ${s.name}`);
  }
  return found;
}

/** Screenshots and other images: binary, and what they show is checked by the tests that take them. */
export const BINARY_IMAGE = /\.(png|jpe?g|gif|webp|ico)$/i;

/**
 * GET {adminEndpoint}/issued from the emulated tenant (a separate process; its CA is passed explicitly).
 * @param {{ adminEndpoint: string, adminToken: string, caCertPath: string }} endpoints
 * @returns {Promise<{ secrets: string[], tokens: string[] }>}
 */
export function fetchIssued(endpoints) {
  return new Promise((resolve, reject) => {
    const req = request(`${endpoints.adminEndpoint}/issued`, { method: 'GET', headers: { authorization: `Bearer ${endpoints.adminToken}` }, ca: readFileSync(endpoints.caCertPath) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`GET ${endpoints.adminEndpoint}/issued answered HTTP ${res.statusCode}.`));
        try {
          const j = JSON.parse(body);
          if (!Array.isArray(j.secrets) || !Array.isArray(j.tokens)) throw new Error('not {secrets, tokens}');
          resolve({ secrets: j.secrets, tokens: j.tokens });
        } catch (e) {
          reject(new Error(`GET ${endpoints.adminEndpoint}/issued answered an unexpected body (${e instanceof Error ? e.message : e}).`));
        }
      });
    });
    req.setTimeout(15_000, () => req.destroy(new Error(`GET ${endpoints.adminEndpoint}/issued timed out.`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * The secrets scan of a test run (issue 6): every client secret and token/code the emulated tenant issued, plus
 * anything token-shaped, searched for in every file under `dirs` (binary images skipped) and in `texts`
 * (captured process output). With `issued` given, the tenant is not asked (the E2E runner collects them per workbench).
 * @param {{ emulator?: { adminEndpoint: string, adminToken: string, caCertPath: string }, issued?: { secrets: string[], tokens: string[] },
 *   dirs?: string[], texts?: { name: string, text: string }[] }} options
 * @returns {Promise<{ hits: string[], summary: string }>} hits name the kind of secret and where, never its value
 */
export async function scanRunForSecrets({ emulator, issued, dirs = [], texts = [] }) {
  const got = issued ?? (emulator ? await fetchIssued(emulator) : { secrets: [], tokens: [] });
  const needles = [...got.secrets, ...got.tokens];
  const labels = [...got.secrets.map((_, i) => `client secret #${i + 1}`), ...got.tokens.map((_, i) => `token/code #${i + 1}`)];
  const stats = { files: 0, texts: 0 };
  const hits = scanForSecrets({ dirs, texts, needles, labels, skipFile: (f) => BINARY_IMAGE.test(f), stats });
  const summary =
    `${stats.files} file(s) and ${stats.texts} output text(s) searched for ${got.secrets.length} client secret(s), ` +
    `${got.tokens.length} token(s)/code(s) and token-shaped strings: ${hits.length} hit(s)`;
  return { hits, summary };
}
