/**
 * Azure Functions projects run locally by Core Tools read CORS from `local.settings.json` `Host.CORS`, a
 * comma-separated list of origins. This adds origins to it and leaves the rest of the file — including `Values`,
 * which can hold connection strings — byte for byte as it was.
 */
import { parse } from 'jsonc-parser';
import { originKey } from './cors';
import { jsonProblem, setJson } from '../connector/edits';

export interface LocalCorsEdit {
  /** The new text, or undefined when nothing changes. */
  readonly text: string | undefined;
  readonly added: readonly string[];
  readonly warnings: readonly string[];
}

const NEW_FILE = '{\n  "IsEncrypted": false,\n  "Values": {},\n  "Host": {}\n}\n';

/** `text` undefined: the file does not exist yet (Core Tools creates it; it is usually not committed). */
export function addLocalCorsOrigins(text: string | undefined, origins: readonly string[]): LocalCorsEdit {
  const source = text ?? NEW_FILE;
  const problem = jsonProblem(source);
  if (problem) return { text: undefined, added: [], warnings: [`local.settings.json was not changed: ${problem}. Fix the file and run the command again.`] };
  const doc = parse(source.replace(/^\uFEFF/, '')) as { Host?: { CORS?: unknown } };
  const current = typeof doc.Host?.CORS === 'string' ? doc.Host.CORS.split(',').map((o) => o.trim()).filter(Boolean) : [];
  const have = new Set(current.map(originKey));
  const added: string[] = [];
  for (const o of origins) {
    const key = originKey(o);
    if (have.has(key)) continue;
    have.add(key);
    added.push(o.trim().replace(/\/+$/, ''));
  }
  const warnings: string[] = [];
  if (current.includes('*')) warnings.push('Host.CORS is "*": the local Functions host accepts every origin.');
  if (added.length === 0 && text !== undefined) return { text: undefined, added, warnings };
  const value = [...current, ...added].join(',');
  let out = source;
  if (doc.Host !== undefined && (doc.Host === null || typeof doc.Host !== 'object' || Array.isArray(doc.Host))) {
    return { text: undefined, added: [], warnings: ['local.settings.json was not changed: "Host" is not an object.'] };
  }
  out = setJson(out, ['Host', 'CORS'], value);
  return { text: out, added, warnings };
}
