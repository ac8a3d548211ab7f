/**
 * paconn's `settings.json` next to the connector's files: its argument store (connectorId, environment, file names).
 * Read to remember a deployment per connector, written with the file's own formatting, never with a secret.
 * The endpoint keys paconn also keeps there (`powerAppsUrl`, `flowUrl`) are left as they are and never read: a
 * workspace file must not decide where tokens are sent — the cloud configuration does.
 */
import { parse } from 'jsonc-parser';
import { setJson } from '../service/jsonEdit';

export const SETTINGS_FILE = 'settings.json';

export interface PaconnSettings {
  readonly connectorId?: string;
  readonly environment?: string;
  readonly apiProperties: string;
  readonly apiDefinition: string;
  readonly icon: string;
  readonly script: string;
}

export const DEFAULT_FILE_NAMES = { apiProperties: 'apiProperties.json', apiDefinition: 'apiDefinition.swagger.json', icon: 'icon.png', script: 'script.csx' } as const;

/** A bare file name inside the connector folder (no path, no `..`): settings.json is workspace content. */
function fileName(value: unknown, fallback: string): string {
  if (typeof value !== 'string' || !value.trim()) return fallback;
  const name = value.trim();
  return /^[^\\/:*?"<>|]+$/.test(name) && name !== '.' && name !== '..' ? name : fallback;
}

export function readSettings(text: string | undefined): PaconnSettings {
  const doc = text ? (parse(text.replace(/^\uFEFF/, '')) as Record<string, unknown> | undefined) : undefined;
  const d = doc && typeof doc === 'object' && !Array.isArray(doc) ? doc : {};
  const str = (k: string) => (typeof d[k] === 'string' && (d[k] as string).trim() ? (d[k] as string).trim() : undefined);
  const connectorId = str('connectorId');
  const environment = str('environment');
  return {
    ...(connectorId ? { connectorId } : {}),
    ...(environment ? { environment } : {}),
    apiProperties: fileName(d.apiProperties, DEFAULT_FILE_NAMES.apiProperties),
    apiDefinition: fileName(d.apiDefinition, DEFAULT_FILE_NAMES.apiDefinition),
    icon: fileName(d.icon, DEFAULT_FILE_NAMES.icon),
    script: fileName(d.script, DEFAULT_FILE_NAMES.script),
  };
}

/** The new text of settings.json with the deployment remembered; unrelated keys and formatting kept. */
export function writeSettings(text: string | undefined, values: { connectorId: string; environment: string; apiProperties: string; apiDefinition: string; icon?: string; script?: string }): string {
  let out = text && text.trim() ? text : '{}\n';
  for (const key of ['connectorId', 'environment', 'apiProperties', 'apiDefinition', 'icon', 'script'] as const) {
    const value = values[key];
    if (value === undefined) continue;
    const current = parse(out.replace(/^\uFEFF/, '')) as Record<string, unknown> | undefined;
    if (current && current[key] === value) continue;
    out = setJson(out, [key], value);
  }
  return out;
}
