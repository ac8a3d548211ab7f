// Searches files and texts for secrets and tokens: each exact needle, and anything shaped like a JWT. Used by
// secrets.test.ts; plain .mjs so the integration and E2E runners can call it on their user-data, logs and workspace
// folders before they delete them:
//   import { scanForSecrets } from '../reliability/scan.mjs';
//   const hits = scanForSecrets({ dirs: [base], needles: [] });   // → [] or ["a token-shaped string in …"]
import { readdirSync, readFileSync, statSync } from 'node:fs';
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
 * @param {{ dirs?: string[], texts?: { name: string, text: string }[], needles?: string[], tokenShape?: boolean }} options
 * @returns {string[]} one line per hit (never the secret itself: the needle's index and where)
 */
export function scanForSecrets({ dirs = [], texts = [], needles = [], tokenShape = true }) {
  const sources = [...texts];
  for (const d of dirs) for (const f of filesUnder(d)) sources.push({ name: relative(d, f) || f, text: readFileSync(f, 'latin1') });
  const found = [];
  for (const s of sources) {
    needles.forEach((n, i) => {
      if (n && s.text.includes(n)) found.push(`needle #${i} in ${s.name}`);
    });
    if (tokenShape && TOKEN_SHAPE.test(s.text)) found.push(`a token-shaped string in ${s.name}`);
  }
  return found;
}
