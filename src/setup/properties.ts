/**
 * The apiProperties.json and apiDefinition.swagger.json changes of the setup, as format-preserving text edits
 * (jsonc-parser): every other key, the indentation, the line endings and a missing final newline are kept; a value
 * that already matches is not touched, so an unchanged run produces no edit at all. Never writes a secret.
 */
import { applyEdits, findNodeAtLocation, getNodeValue, modify, parseTree, type Edit, type FormattingOptions, type JSONPath, type Node, type ParseError, printParseErrorCode } from 'jsonc-parser';
import { fail } from '../errors';
import { detectFormatting, minimalEdit } from '../connector/edits';

/**
 * What the connector's `token` parameter must say (`oAuthSettings` with `identityProvider: "aad"`; the format of
 * apiProperties.json: https://learn.microsoft.com/connectors/custom-connectors/paconn-cli).
 */
export interface TokenSettings {
  readonly clientId: string;
  /** `oAuthSettings.scopes`: empty for an API app (the resource decides), the chosen scopes for a Microsoft service. */
  readonly scopes: readonly string[];
  /** The API's Application ID URI or appId, or the Microsoft service's resource URL. */
  readonly resourceUri: string;
  /** The cloud's sign-in host, e.g. `https://login.microsoftonline.com`. */
  readonly loginUri: string;
  /** The tenant id for single-tenant apps (`common` fails for them with AADSTS50194), else `common`. */
  readonly tenantId: string;
  readonly obo: boolean;
}

/** One file's change: edits relative to `before` (empty when nothing changes), and the text after them. */
export interface FileChange {
  readonly path: string;
  /** `undefined` when the file does not exist yet. */
  readonly before: string | undefined;
  readonly after: string;
  readonly edits: readonly Edit[];
  /** The file goes (Undo restoring a file the setup created); `after` is then empty. */
  readonly remove?: true;
  /** The JSON values the change sets or removes, with their values before it (what Undo restores). */
  readonly values?: readonly ValueRecord[];
}

type JsonPath = (string | number)[];

/**
 * One JSON value the setup set or removed in a connector file: the value before the setup's first change to it
 * (absent: the key was not there) and the one the setup wrote (absent: it removed the key). Never a secret: a value
 * before that holds a secret-like key is not kept (`unrestorable`), and the setup never writes one.
 */
export interface ValueRecord {
  readonly path: JsonPath;
  before?: unknown;
  after?: unknown;
  unrestorable?: true;
}

/** What the setup changed in one connector file, over all its runs. */
export interface FileRecord {
  /** The file's name in the connector folder. */
  readonly file: string;
  /** The setup created the file. */
  readonly created: boolean;
  readonly values: ValueRecord[];
}

/** The keys the setup state never keeps a string under (as the state file refuses them). */
const SECRET_LIKE = /secret|password|token$|^authorization$/i;

function holdsSecretLike(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(holdsSecretLike);
  if (value && typeof value === 'object') return Object.entries(value).some(([k, v]) => (SECRET_LIKE.test(k) && typeof v === 'string') || holdsSecretLike(v));
  return false;
}

const isPrefix = (a: JsonPath, b: JsonPath): boolean => a.length <= b.length && a.every((x, i) => x === b[i]);

function withValueAt(target: unknown, path: JsonPath, value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string | number, ...JsonPath];
  const copy: Record<string | number, unknown> = Array.isArray(target) ? ([...target] as unknown as Record<number, unknown>) : target && typeof target === 'object' ? { ...(target as Record<string, unknown>) } : {};
  const inner = withValueAt(copy[head], rest, value);
  if (inner === undefined) delete copy[head];
  else copy[head] = inner;
  return copy;
}

/**
 * Adds one value change to the records (in place): under a recorded ancestor it only updates what the ancestor now
 * holds; on a recorded path it updates what was written and keeps the first value before.
 */
export function recordValue(records: ValueRecord[], path: JsonPath, had: boolean, before: unknown, after: unknown, unrestorable = false): void {
  const ancestor = records.find((r) => r.path.length < path.length && isPrefix(r.path, path));
  const written = (r: ValueRecord, value: unknown) => {
    if (r.unrestorable) return;
    if (value === undefined) delete r.after;
    else if (holdsSecretLike(value)) {
      // Carried over from the file (a renamed key): not kept, so that value is not restored either.
      delete r.after;
      delete r.before;
      r.unrestorable = true;
    } else r.after = value;
  };
  if (ancestor) return written(ancestor, withValueAt(ancestor.after, path.slice(ancestor.path.length), after));
  const same = records.find((r) => r.path.length === path.length && isPrefix(r.path, path));
  if (same) return written(same, after);
  // A container replaced (it was not an object): what was recorded under it is covered by this record now.
  for (let i = records.length - 1; i >= 0; i--) if (isPrefix(path, (records[i] as ValueRecord).path)) records.splice(i, 1);
  const record: ValueRecord = { path: [...path] };
  if (unrestorable || (had && holdsSecretLike(before))) record.unrestorable = true;
  else if (had) record.before = before;
  records.push(record);
  written(record, after);
}

/** The records of a file change merged into what earlier runs recorded (a new array; the file's first state wins). */
export function mergeFileRecords(recorded: readonly FileRecord[] | undefined, change: FileChange): FileRecord[] {
  const file = change.path.split(/[\\/]/).pop() as string;
  const out = (recorded ?? []).map((r) => ({ ...r, values: r.values.map((v) => ({ ...v, path: [...v.path] })) }));
  let entry = out.find((r) => r.file === file);
  if (!entry) {
    entry = { file, created: change.before === undefined, values: [] };
    out.push(entry);
  }
  for (const v of change.values ?? []) recordValue(entry.values, v.path, 'before' in v, v.before, v.after, !!v.unrestorable);
  return out;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (!a || !b || typeof a !== 'object' || typeof b !== 'object') return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** A file's restore: the change back to before the setup, and the values left as they are now (and why). */
export interface FileRestore {
  readonly change?: FileChange;
  /** Values that are not restored: changed since the setup wrote them, or not recorded. */
  readonly kept: readonly string[];
  /** How many values go back. */
  readonly restored: number;
}

/**
 * The change that puts back the values the setup recorded for a file, computed on its current text with the same
 * format-preserving edits as the setup's own: only values that still say what the setup wrote go back (a later edit
 * by someone is kept); a file the setup created goes when it still holds only what the setup wrote.
 */
export function restoreChange(path: string, current: string | undefined, record: FileRecord): FileRestore {
  const name = record.file;
  if (current === undefined) return { kept: [`${name} does not exist any more`], restored: 0 };
  const root = parseTree(current);
  if (!root || root.type !== 'object') return { kept: [`${name} is not valid JSON now`], restored: 0 };
  const e = new Editor(current, detectFormatting(current));
  const kept: string[] = [];
  let restored = 0;
  for (const v of [...record.values].reverse()) {
    const label = v.path.join('.');
    const node = e.node(v.path);
    const now = node ? getNodeValue(node) : undefined;
    if (v.unrestorable) {
      kept.push(`${label} (it held a secret-like key, so it was not recorded)`);
      continue;
    }
    if (!deepEqual(now, v.after)) {
      kept.push(`${label} (changed since the setup wrote it)`);
      continue;
    }
    if ('before' in v) e.set(v.path, v.before);
    else {
      e.remove(v.path);
      // The key was added to an empty object (`"connectionParameters": {}`): it reads as it did.
      e.compactIfEmpty(v.path.slice(0, -1));
    }
    restored++;
  }
  if (restored === 0) return { kept, restored };
  if (record.created && kept.length === 0) {
    const left = getNodeValue(parseTree(e.text) as Node) as Record<string, unknown>;
    if (Object.keys(left).length === 0) return { change: { path, before: current, after: '', edits: [], remove: true }, kept, restored };
  }
  return { change: { path, before: current, after: e.text, edits: e.edits() }, kept, restored };
}


function parse(text: string, file: string): Node {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  if (!root || errors.length > 0) {
    const first = errors[0];
    const line = first ? text.slice(0, first.offset).split('\n').length : 1;
    fail(
      'ConnectorFileInvalid',
      `${file} is not valid JSON (${first ? printParseErrorCode(first.error) : 'empty'} at line ${line}), so the setup cannot edit it.`,
      `Fix the JSON syntax in ${file} (the Problems view shows where), then run the step again.`,
    );
  }
  if (root.type !== 'object') {
    fail('ConnectorFileInvalid', `${file} does not hold a JSON object.`, `Replace ${file} with a connector definition, or delete it and run the step again to create one.`);
  }
  return root;
}

/** Applies edits one by one, each computed on the current text; returns the final text. */
class Editor {
  text: string;
  constructor(
    readonly original: string,
    private readonly formatting: FormattingOptions,
  ) {
    this.text = original;
  }
  get root(): Node {
    return parseTree(this.text) as Node;
  }
  node(path: JSONPath): Node | undefined {
    return findNodeAtLocation(this.root, path);
  }
  value(path: JSONPath): unknown {
    const n = this.node(path);
    return n ? getNodeValue(n) : undefined;
  }
  /** Every value set or removed, with its value before (what Undo restores). */
  readonly values: ValueRecord[] = [];
  /** Sets the value unless it is already equal (deep). */
  set(path: JSONPath, value: unknown): void {
    if (value !== undefined && deepEqual(this.value(path), value)) return;
    const had = !!this.node(path);
    const before = this.value(path);
    this.text = applyEdits(this.text, modify(this.text, path, value, { formattingOptions: this.formatting }));
    recordValue(this.values, path, had, before, value);
  }
  remove(path: JSONPath): void {
    if (!this.node(path)) return;
    const before = this.value(path);
    this.text = applyEdits(this.text, modify(this.text, path, undefined, { formattingOptions: this.formatting }));
    recordValue(this.values, path, true, before, undefined);
  }
  /** Writes an empty object at `path` as `{}` (a removal leaves its braces on two lines). */
  compactIfEmpty(path: JSONPath): void {
    const n = this.node(path);
    if (n?.type !== 'object' || (n.children ?? []).length > 0 || this.text.slice(n.offset, n.offset + n.length) === '{}') return;
    this.text = `${this.text.slice(0, n.offset)}{}${this.text.slice(n.offset + n.length)}`;
  }
  /** The key under `path` matching `key` case-insensitively, preferring the exact spelling. */
  keyLike(path: JSONPath, key: string): string | undefined {
    const obj = this.node(path);
    if (!obj || obj.type !== 'object') return undefined;
    const keys = (obj.children ?? []).map((p) => p.children?.[0]?.value as string);
    return keys.find((k) => k === key) ?? keys.find((k) => k.toLowerCase() === key.toLowerCase());
  }
  /** One minimal edit from the original to the current text (common prefix and suffix kept). */
  edits(): Edit[] {
    return minimalEdit(this.original, this.text);
  }
}

const PUBLIC_LOGIN_ALIASES = new Set(['https://login.microsoftonline.com', 'https://login.windows.net']);

function sameLogin(a: unknown, b: string): boolean {
  if (typeof a !== 'string') return false;
  const x = a.replace(/\/+$/, '').toLowerCase();
  const y = b.replace(/\/+$/, '').toLowerCase();
  return x === y || (PUBLIC_LOGIN_ALIASES.has(x) && PUBLIC_LOGIN_ALIASES.has(y));
}

export function tokenParameter(s: TokenSettings): Record<string, unknown> {
  return {
    type: 'oauthSetting',
    oAuthSettings: {
      identityProvider: 'aad',
      clientId: s.clientId,
      scopes: [...s.scopes],
      redirectMode: 'GlobalPerConnector',
      properties: {
        IsFirstParty: 'False',
        AzureActiveDirectoryResourceId: s.resourceUri,
        // A capability flag: every aad connector says true; the choice is enableOnbehalfOfLogin.
        IsOnbehalfofLoginSupported: true,
      },
      customParameters: {
        loginUri: { value: s.loginUri },
        tenantId: { value: s.tenantId },
        resourceUri: { value: s.resourceUri },
        enableOnbehalfOfLogin: { value: s.obo ? 'true' : 'false' },
      },
    },
  };
}

export const TENANT_ID_PARAMETER = {
  type: 'string',
  metadata: { sourceType: 'AzureActiveDirectoryTenant' },
  uiDefinition: { constraints: { required: 'false', hidden: 'true' } },
};

/** The apiProperties.json change for these settings (created with 2-space indentation when missing). */
export function apiPropertiesChange(path: string, before: string | undefined, s: TokenSettings): FileChange {
  if (before === undefined || before.trim() === '') {
    const written = { properties: { connectionParameters: { token: tokenParameter(s), 'token:TenantId': TENANT_ID_PARAMETER } } };
    const after = `${JSON.stringify(written, null, 2)}\n`;
    return { path, before, after, edits: [{ offset: 0, length: before?.length ?? 0, content: after }], values: [{ path: ['properties'], after: written.properties }] };
  }
  if (before.charCodeAt(0) === 0xfeff) {
    fail('ConnectorFileInvalid', 'apiProperties.json starts with a byte-order mark, which breaks paconn.', 'Save the file as UTF-8 without BOM, then run the step again.');
  }
  parse(before, 'apiProperties.json');
  const e = new Editor(before, detectFormatting(before));
  const cp: JSONPath = ['properties', 'connectionParameters'];
  if (!e.node(['properties'])) e.set(['properties'], {});
  if (!e.node(cp)) e.set(cp, {});
  const token = [...cp, 'token'];
  const wanted = tokenParameter(s);
  if (!e.node(token) || e.node(token)?.type !== 'object') {
    e.set(token, wanted);
  } else {
    e.set([...token, 'type'], 'oauthSetting');
    // paconn only reads the key spelled `oAuthSettings`: move a differently cased one.
    const spelled = e.keyLike(token, 'oAuthSettings');
    if (spelled && spelled !== 'oAuthSettings') {
      const carried = e.value([...token, spelled]);
      e.remove([...token, spelled]);
      e.set([...token, 'oAuthSettings'], typeof carried === 'object' && carried !== null ? carried : {});
    }
    const oa = [...token, 'oAuthSettings'];
    if (e.node(oa)?.type !== 'object') e.set(oa, wanted.oAuthSettings);
    const w = wanted.oAuthSettings as Record<string, unknown>;
    for (const key of ['identityProvider', 'clientId', 'scopes', 'redirectMode'] as const) e.set([...oa, key], w[key]);
    // GlobalPerConnector: Power Platform assigns the redirect URL; a stale one in the file is a certification failure.
    const redirectUrlKey = e.keyLike(oa, 'redirectUrl');
    if (redirectUrlKey) e.remove([...oa, redirectUrlKey]);
    const props = [...oa, 'properties'];
    if (e.node(props)?.type !== 'object') e.set(props, {});
    e.set([...props, 'IsFirstParty'], 'False');
    e.set([...props, 'AzureActiveDirectoryResourceId'], s.resourceUri);
    e.set([...props, 'IsOnbehalfofLoginSupported'], true);
    const custom = [...oa, 'customParameters'];
    if (e.node(custom)?.type !== 'object') e.set(custom, {});
    const params: [string, string][] = [
      ['loginUri', s.loginUri],
      ['tenantId', s.tenantId],
      ['resourceUri', s.resourceUri],
      ['enableOnbehalfOfLogin', s.obo ? 'true' : 'false'],
    ];
    for (const [name, value] of params) {
      // Keep the author's spelling of the key (`LoginUri`) when there is one.
      const key = e.keyLike(custom, name) ?? name;
      const current = e.value([...custom, key, 'value']);
      if (name === 'loginUri' && sameLogin(current, value)) continue;
      if (e.node([...custom, key])?.type !== 'object') e.set([...custom, key], { value });
      else e.set([...custom, key, 'value'], value);
    }
  }
  if (!e.node([...cp, 'token:TenantId'])) e.set([...cp, 'token:TenantId'], TENANT_ID_PARAMETER);
  return { path, before, after: e.text, edits: e.edits(), values: e.values };
}

const OAUTH_DEFINITION = 'oauth2-auth';

/**
 * The swagger's securityDefinitions consistent with the token parameter: an `oauth2` accessCode definition on the
 * cloud's sign-in host, referenced by `security`. A missing swagger is left missing (it comes with the connector).
 */
export function swaggerChange(path: string, before: string | undefined, s: Pick<TokenSettings, 'loginUri'>): FileChange | undefined {
  if (before === undefined) return undefined;
  parse(before, 'apiDefinition.swagger.json');
  const e = new Editor(before, detectFormatting(before));
  const defs = e.value(['securityDefinitions']);
  const entries = typeof defs === 'object' && defs !== null ? Object.entries(defs as Record<string, { type?: string }>) : [];
  const name = entries.find(([, d]) => d?.type === 'oauth2')?.[0] ?? OAUTH_DEFINITION;
  const url = `${s.loginUri.replace(/\/+$/, '')}/common/oauth2/authorize`;
  const def = ['securityDefinitions', name];
  if (!e.node(def)) {
    e.set(def, { type: 'oauth2', flow: 'accessCode', authorizationUrl: url, tokenUrl: url, scopes: {} });
  } else {
    e.set([...def, 'flow'], 'accessCode');
    for (const key of ['authorizationUrl', 'tokenUrl']) {
      const current = e.value([...def, key]);
      if (typeof current === 'string' && sameLogin(new URL(current, 'https://x').origin, new URL(url).origin)) continue;
      e.set([...def, key], url);
    }
    if (e.node([...def, 'scopes'])?.type !== 'object') e.set([...def, 'scopes'], {});
  }
  const security = e.value(['security']);
  const referenced = Array.isArray(security) && security.some((r) => typeof r === 'object' && r !== null && name in r);
  if (!referenced) e.set(['security'], [...(Array.isArray(security) ? security : []), { [name]: [] }]);
  return { path, before, after: e.text, edits: e.edits(), values: e.values };
}
