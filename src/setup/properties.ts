/**
 * The apiProperties.json and apiDefinition.swagger.json changes of the setup, as format-preserving text edits
 * (jsonc-parser): every other key, the indentation, the line endings and a missing final newline are kept; a value
 * that already matches is not touched, so an unchanged run produces no edit at all. Never writes a secret.
 */
import { applyEdits, findNodeAtLocation, getNodeValue, modify, parseTree, type Edit, type FormattingOptions, type JSONPath, type Node, type ParseError, printParseErrorCode } from 'jsonc-parser';

/** What the connector's `token` parameter must say (DOMAIN.md §2). */
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
}

export class PropertiesError extends Error {
  constructor(
    message: string,
    readonly next: string,
  ) {
    super(message);
    this.name = 'PropertiesError';
  }
}

export function detectFormatting(text: string): FormattingOptions {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const indented = /^([ \t]+)\S/m.exec(text)?.[1];
  if (indented?.startsWith('\t')) return { insertSpaces: false, tabSize: 4, eol };
  return { insertSpaces: true, tabSize: indented ? Math.min(indented.length, 8) : 2, eol };
}

function parse(text: string, file: string): Node {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  if (!root || errors.length > 0) {
    const first = errors[0];
    const line = first ? text.slice(0, first.offset).split('\n').length : 1;
    throw new PropertiesError(
      `${file} is not valid JSON (${first ? printParseErrorCode(first.error) : 'empty'} at line ${line}), so the setup cannot edit it.`,
      `Fix the JSON syntax in ${file} (the Problems view shows where), then run the step again.`,
    );
  }
  if (root.type !== 'object') {
    throw new PropertiesError(`${file} does not hold a JSON object.`, `Replace ${file} with a connector definition, or delete it and run the step again to create one.`);
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
  /** Sets the value unless it is already equal (deep). */
  set(path: JSONPath, value: unknown): void {
    if (value !== undefined && deepEqual(this.value(path), value)) return;
    this.text = applyEdits(this.text, modify(this.text, path, value, { formattingOptions: this.formatting }));
  }
  remove(path: JSONPath): void {
    if (!this.node(path)) return;
    this.text = applyEdits(this.text, modify(this.text, path, undefined, { formattingOptions: this.formatting }));
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

export function minimalEdit(before: string, after: string): Edit[] {
  if (before === after) return [];
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let endB = before.length;
  let endA = after.length;
  while (endB > start && endA > start && before[endB - 1] === after[endA - 1]) {
    endB--;
    endA--;
  }
  return [{ offset: start, length: endB - start, content: after.slice(start, endA) }];
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
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
    const after = `${JSON.stringify({ properties: { connectionParameters: { token: tokenParameter(s), 'token:TenantId': TENANT_ID_PARAMETER } } }, null, 2)}\n`;
    return { path, before, after, edits: [{ offset: 0, length: before?.length ?? 0, content: after }] };
  }
  if (before.charCodeAt(0) === 0xfeff) {
    throw new PropertiesError('apiProperties.json starts with a byte-order mark, which breaks paconn.', 'Save the file as UTF-8 without BOM, then run the step again.');
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
  return { path, before, after: e.text, edits: e.edits() };
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
  return { path, before, after: e.text, edits: e.edits() };
}
