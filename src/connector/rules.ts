/**
 * The offline rules for apiProperties.json: one table, stable codes. Each rule reads the model and returns
 * diagnostics with their fixes (format-preserving edits). The VS Code diagnostics, the code actions and the CLI
 * all come from this table, so a diagnostic and its fix cannot drift apart.
 */
import type { Node } from './jsonc';
import type { ConnectorDiagnostic, Fix, OfflineRuleCode, RuleCode, Severity } from './diagnostic';
import { insertProperty, removeProperty, renameKey, replaceValue } from './edits';
import {
  keyNodeOf,
  keyOf,
  parseJsonDocument,
  propertyOf,
  scalar,
  stringValue,
  valueAt,
  valueOf,
  type JsonDocument,
  type TextEdit,
} from './jsonDocument';
import { CUSTOM_PARAMETER_KEYS, readApiProperties, type ApiProperties, type OAuthToken } from './model';
import { UTF16_MESSAGE, type DecodedFile } from './files';
import { describeSecret, isEmptyOrPlaceholder, isGuid, isPlaceholder, looksLikeEntraSecret } from './values';

export interface RuleInfo {
  readonly code: RuleCode;
  /** The usual severity; some findings of a rule are graver or milder, and say so on the diagnostic. */
  readonly severity: Severity;
  readonly title: string;
  /** Needs sign-in and the directory. */
  readonly online: boolean;
}

export const RULES: Readonly<Record<RuleCode, RuleInfo>> = {
  'invalid-json': { code: 'invalid-json', severity: 'error', title: 'Not valid JSON', online: false },
  'aad-missing-resource': { code: 'aad-missing-resource', severity: 'error', title: 'Missing resourceUri', online: false },
  'aad-resource-mismatch': { code: 'aad-resource-mismatch', severity: 'warning', title: 'Resource IDs disagree', online: false },
  'aad-missing-first-party': { code: 'aad-missing-first-party', severity: 'error', title: 'IsFirstParty missing or not a string', online: false },
  'aad-key-casing': { code: 'aad-key-casing', severity: 'information', title: 'Key spelled with the wrong casing', online: false },
  'redirect-mode-shared': { code: 'redirect-mode-shared', severity: 'warning', title: 'Shared redirect URL', online: false },
  'redirect-url-invalid': { code: 'redirect-url-invalid', severity: 'error', title: 'redirectUrl is not a URL', online: false },
  'secret-in-file': { code: 'secret-in-file', severity: 'error', title: 'Secret in the file', online: false },
  'client-id-invalid': { code: 'client-id-invalid', severity: 'error', title: 'Client ID is not a GUID', online: false },
  'client-id-placeholder': { code: 'client-id-placeholder', severity: 'information', title: 'Client ID is a placeholder', online: false },
  'login-uri-cloud': { code: 'login-uri-cloud', severity: 'error', title: 'Login URI is not an Entra login host', online: false },
  'obo-inconsistent': { code: 'obo-inconsistent', severity: 'warning', title: 'On-behalf-of settings disagree', online: false },
  'swagger-security-mismatch': { code: 'swagger-security-mismatch', severity: 'warning', title: 'No OAuth 2.0 security definition in the swagger', online: false },
  'client-app-not-found': { code: 'client-app-not-found', severity: 'error', title: 'Client app not in the directory', online: true },
  'resource-not-found': { code: 'resource-not-found', severity: 'error', title: 'Resource not in the directory', online: true },
  'permission-missing': { code: 'permission-missing', severity: 'error', title: 'Permission not requested by the client app', online: true },
  'consent-missing': { code: 'consent-missing', severity: 'warning', title: 'No consent for the permission', online: true },
  'redirect-uri-not-registered': { code: 'redirect-uri-not-registered', severity: 'error', title: 'Redirect URI not on the app', online: true },
  'tenant-common-single-tenant': { code: 'tenant-common-single-tenant', severity: 'error', title: '"common" with a single-tenant app', online: true },
  'secret-expiring': { code: 'secret-expiring', severity: 'warning', title: 'Client secret expires soon', online: true },
  'secret-expired': { code: 'secret-expired', severity: 'error', title: 'Client secret expired', online: true },
  'service-audience': { code: 'service-audience', severity: 'error', title: "The API's site refuses the connector's token audience (401)", online: true },
  'service-issuer': { code: 'service-issuer', severity: 'error', title: "The API's site expects another token issuer (401)", online: true },
  'service-client-not-allowed': { code: 'service-client-not-allowed', severity: 'error', title: "The API's site does not admit the connector app (403)", online: true },
};

/**
 * Login hosts of Microsoft Entra ID, per cloud (https://learn.microsoft.com/entra/identity-platform/authentication-national-cloud;
 * `login.windows.net` is the public cloud's legacy name).
 */
export const ENTRA_LOGIN_HOSTS: Readonly<Record<string, readonly string[]>> = {
  AzureCloud: ['login.microsoftonline.com', 'login.windows.net', 'login.microsoft.com'],
  AzureUSGovernment: ['login.microsoftonline.us', 'login.usgovcloudapi.net'],
  AzureUSGovernmentDoD: ['login.microsoftonline.us', 'login.usgovcloudapi.net'],
  AzureChinaCloud: ['login.chinacloudapi.cn', 'login.partner.microsoftonline.cn'],
};

export interface AnalysisOptions {
  /**
   * The text of the sibling `apiDefinition.swagger.json`; `swagger-security-mismatch` runs only when it is given
   * (a connector folder without one is not an error: paconn can take the definition from elsewhere).
   */
  readonly swaggerText?: string;
  /** The configured cloud (`entraConnector.cloud`) and its login endpoint; without them any Entra login host passes. */
  readonly cloud?: { readonly name: string; readonly loginEndpoint: string };
  /** How the file was stored (see `decodeFile`); anything but UTF-8 is `invalid-json` for paconn. */
  readonly encoding?: DecodedFile['encoding'];
}

interface Context {
  readonly model: ApiProperties;
  /** Secret values already reported (a value found by key and by pattern is reported once). */
  readonly secrets: Set<Node>;
  readonly doc: JsonDocument;
  readonly options: AnalysisOptions;
  report(code: OfflineRuleCode, node: Node, message: string, fixes?: Fix[], severity?: Severity): void;
}

type Rule = (token: OAuthToken, ctx: Context) => void;

const fix = (title: string, edits: TextEdit[], extra: Partial<Fix> = {}): Fix => ({ title, edits, unattended: true, ...extra });

function normalizeResource(value: string): string {
  return value.trim().replace(/\/+$/, '').toLowerCase();
}

const aadMissingResource: Rule = (token, ctx) => {
  if (!token.isEntra || !token.settings) return;
  const prop = token.customParameter('resourceUri');
  const value = token.customParameterValue('resourceUri');
  if (value !== undefined && value.trim() !== '') return;
  const fromProperties = stringValue(valueOf(token.property('AzureActiveDirectoryResourceId')));
  const known = fromProperties !== undefined && !isEmptyOrPlaceholder(fromProperties) ? fromProperties : undefined;
  const fixes: Fix[] = [];
  if (known !== undefined) {
    const title = `Set resourceUri to "${known}" (the AzureActiveDirectoryResourceId)`;
    const holder = valueOf(prop);
    const valueNode = valueAt(holder, 'value');
    if (!token.customParameters) fixes.push(fix(title, [insertProperty(ctx.doc, token.settings, 'customParameters', { resourceUri: { value: known } })]));
    else if (!prop) fixes.push(fix(title, [insertProperty(ctx.doc, token.customParameters, 'resourceUri', { value: known })]));
    else if (valueNode) fixes.push(fix(title, [replaceValue(valueNode, known)]));
    else if (holder?.type === 'object') fixes.push(fix(title, [insertProperty(ctx.doc, holder, 'value', known)]));
  }
  ctx.report(
    'aad-missing-resource',
    prop ? keyNodeOf(prop) : keyNodeOf(token.settingsProperty!),
    `The "${token.identityProvider}" sign-in has no customParameters.resourceUri: Power Platform cannot ask Entra ID for a token without the resource (the API's App ID URI or appId).` +
      (known === undefined ? ' Set it to the resource the connector calls.' : ''),
    fixes,
  );
};

const aadResourceMismatch: Rule = (token, ctx) => {
  if (!token.isEntra) return;
  const resource = token.customParameterValue('resourceUri');
  const resourceNode = valueAt(valueOf(token.customParameter('resourceUri')), 'value');
  const idProp = token.property('AzureActiveDirectoryResourceId');
  const idNode = valueOf(idProp);
  const id = stringValue(idNode);
  if (resource === undefined || resource.trim() === '' || id === undefined || !idNode) return;
  if (isPlaceholder(resource) && isPlaceholder(id)) return;
  if (normalizeResource(resource) === normalizeResource(id)) return;
  ctx.report(
    'aad-resource-mismatch',
    idNode,
    `properties.AzureActiveDirectoryResourceId ("${id}") differs from customParameters.resourceUri ("${resource}"); they name the same resource and should be equal.`,
    [
      ...(isPlaceholder(resource) ? [] : [fix(`Set AzureActiveDirectoryResourceId to "${resource}"`, [replaceValue(idNode, resource)], { isPreferred: true })]),
      // Which of the two is right only the directory can tell (the online check prefers the one it finds).
      ...(resourceNode && !isPlaceholder(id) ? [fix(`Set resourceUri to "${id}"`, [replaceValue(resourceNode, id)], { unattended: false })] : []),
    ],
  );
};

const aadMissingFirstParty: Rule = (token, ctx) => {
  if (!token.isEntra || !token.settings) return;
  const expected = token.identityProvider === 'aadcertificate' ? 'True' : 'False';
  const prop = token.property('IsFirstParty');
  if (!prop) {
    const title = `Add "IsFirstParty": "${expected}"`;
    const edit = token.propertiesObject?.type === 'object'
      ? insertProperty(ctx.doc, token.propertiesObject, 'IsFirstParty', expected)
      : token.propertiesObject
        ? undefined
        : insertProperty(ctx.doc, token.settings, 'properties', { IsFirstParty: expected });
    ctx.report(
      'aad-missing-first-party',
      keyNodeOf(token.settingsProperty!),
      `properties.IsFirstParty is missing; certification requires it ("${expected}" for ${token.identityProvider === 'aadcertificate' ? 'a certificate (first-party) sign-in' : 'your own app registration'}).`,
      edit ? [fix(title, [edit], { isPreferred: true })] : [],
    );
    return;
  }
  const node = valueOf(prop)!;
  const value = scalar(node);
  if (value === 'True' || value === 'False') return;
  const canonical = value === true || (typeof value === 'string' && value.toLowerCase() === 'true')
    ? 'True'
    : value === false || (typeof value === 'string' && value.toLowerCase() === 'false') ? 'False' : undefined;
  ctx.report(
    'aad-missing-first-party',
    node,
    `properties.IsFirstParty must be the string "True" or "False", not ${JSON.stringify(value ?? node.type)}.`,
    canonical ? [fix(`Change IsFirstParty to "${canonical}"`, [replaceValue(node, canonical)], { isPreferred: true })] : [],
  );
};

const aadKeyCasing: Rule = (token, ctx) => {
  const settingsKey = token.settingsProperty ? keyOf(token.settingsProperty) : undefined;
  if (token.settingsProperty && settingsKey !== 'oAuthSettings') {
    const canRename = !propertyOf(valueOf(token.parameter), 'oAuthSettings');
    ctx.report(
      'aad-key-casing',
      keyNodeOf(token.settingsProperty),
      `"${settingsKey}" must be spelled "oAuthSettings": paconn puts the client secret only into "oAuthSettings", so this connector would get none.`,
      canRename ? [fix('Rename to "oAuthSettings"', [renameKey(token.settingsProperty, 'oAuthSettings')], { isPreferred: true })] : [],
      'error',
    );
  }
  if (!token.isEntra || token.customParameters?.type !== 'object') return;
  for (const prop of token.customParameters.children ?? []) {
    const key = keyOf(prop);
    const canonical = CUSTOM_PARAMETER_KEYS[key.toLowerCase()];
    if (!canonical || canonical === key) continue;
    const canRename = !propertyOf(token.customParameters, canonical);
    ctx.report(
      'aad-key-casing',
      keyNodeOf(prop),
      `customParameters key "${key}" should be spelled "${canonical}"${canRename ? '' : ` (and "${canonical}" is also present: remove one)`}.`,
      canRename ? [fix(`Rename to "${canonical}"`, [renameKey(prop, canonical)], { isPreferred: true })] : [],
    );
  }
};

const redirectModeShared: Rule = (token, ctx) => {
  if (!token.isEntra || !token.settings) return;
  const modeProp = token.prop('redirectMode');
  const modeNode = valueOf(modeProp);
  const mode = scalar(modeNode);
  if (modeProp && !(typeof mode === 'string' && mode.toLowerCase() === 'global')) return;
  const urlProp = token.prop('redirectUrl');
  const edits: TextEdit[] = [];
  if (modeNode) {
    edits.push(replaceValue(modeNode, 'GlobalPerConnector'));
    if (urlProp) edits.push(removeProperty(ctx.doc, urlProp));
  } else if (urlProp) {
    edits.push({
      offset: urlProp.offset,
      length: urlProp.length,
      content: `${JSON.stringify('redirectMode')}: ${JSON.stringify('GlobalPerConnector')}`,
    });
  } else {
    edits.push(insertProperty(ctx.doc, token.settings, 'redirectMode', 'GlobalPerConnector'));
  }
  ctx.report(
    'redirect-mode-shared',
    modeNode ?? keyNodeOf(token.settingsProperty!),
    `${modeNode ? `redirectMode "${String(mode)}"` : 'No redirectMode (so "Global")'} uses the shared redirect URL https://global.consent.azure-apim.net/redirect; Power Platform asks every connector to use its own ("GlobalPerConnector"), and certification requires it. After the change, add the connector's new redirect URL to the app registration.`,
    [fix(`Use "GlobalPerConnector"${urlProp ? ' and remove redirectUrl' : ''}`, edits, { isPreferred: true })],
  );
};

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

const redirectUrlInvalid: Rule = (token, ctx) => {
  if (!token.isEntra) return;
  const prop = token.prop('redirectUrl');
  const node = valueOf(prop);
  if (!prop || !node || node.type === 'null') return;
  const value = stringValue(node);
  if (value !== undefined && (isHttpUrl(value) || isPlaceholder(value))) return;
  const what = value !== undefined ? `"${value}" is not an absolute URL` : `it is ${node.type === 'array' ? 'an array' : `a ${node.type}`}, not a string`;
  ctx.report(
    'redirect-url-invalid',
    node,
    `redirectUrl must be a single URL string: ${what}. Power Platform fills it in; remove it (with "redirectMode": "GlobalPerConnector") or set the one URL.`,
    [fix('Remove redirectUrl', [removeProperty(ctx.doc, prop)])],
  );
};

const SECRET_KEY = /secret|password/i;

const secretInFile: Rule = (token, ctx) => {
  if (!token.settings || token.settings.type !== 'object') return;
  const clientId = stringValue(valueOf(token.prop('clientId')));
  const seen = ctx.secrets;
  const check = (prop: Node, viaPattern: boolean): void => {
    const node = valueOf(prop);
    const value = stringValue(node);
    if (!node || value === undefined || seen.has(node)) return;
    if (!viaPattern && isEmptyOrPlaceholder(value)) return;
    seen.add(node);
    const key = keyOf(prop);
    const fixes: Fix[] = isGuid(clientId)
      ? [fix(`Move the secret to VS Code's secret storage for client ID ${clientId.trim()} and put null here`, [replaceValue(node, null)], { moveSecret: { clientId: clientId.trim(), value }, unattended: false, isPreferred: true })]
      : [fix('Replace the secret with null (the value is not kept: the client ID is not a GUID to store it under)', [replaceValue(node, null)], { unattended: false })];
    ctx.report(
      'secret-in-file',
      node,
      `"${key}" holds ${describeSecret(value)} that looks like a secret. Secrets must not be committed: certification requires null or [[DUMMY]], and paconn takes the secret from --secret.`,
      fixes,
    );
  };
  for (const prop of token.settings.children ?? []) {
    if (SECRET_KEY.test(keyOf(prop))) check(prop, false);
  }
  if (token.customParameters?.type === 'object') {
    for (const prop of token.customParameters.children ?? []) {
      if (SECRET_KEY.test(keyOf(prop))) {
        const inner = propertyOf(valueOf(prop), 'value');
        if (inner) check(inner, false);
      }
    }
  }
  // Entra-issued secret values, wherever they were pasted inside this sign-in's settings.
  const stack: Node[] = [token.settings];
  while (stack.length) {
    const node = stack.pop()!;
    if (node.type === 'property' && node.children?.[1]?.type === 'string' && looksLikeEntraSecret(node.children[1].value as string)) check(node, true);
    if (node.children) stack.push(...node.children);
  }
};

const clientId: Rule = (token, ctx) => {
  if (!token.isEntra || !token.settings) return;
  const prop = token.prop('clientId');
  const node = valueOf(prop);
  if (!prop || !node) {
    ctx.report('client-id-invalid', keyNodeOf(token.settingsProperty!), 'The sign-in has no clientId: set the connector app\'s application (client) ID, or "[[DUMMY]]" for a certification submission.', []);
    return;
  }
  const value = scalar(node);
  if (isGuid(value) && !/^0{8}-0{4}-0{4}-0{4}-0{12}$/.test(value.trim())) return;
  if (value === null || (typeof value === 'string' && (isEmptyOrPlaceholder(value) || /^0{8}-0{4}-0{4}-0{4}-0{12}$/.test(value.trim())))) {
    ctx.report(
      'client-id-placeholder',
      node,
      `clientId is a placeholder (${JSON.stringify(value)}): right for a certification submission, but a deployed connector needs the connector app's application (client) ID.`,
      [],
    );
    return;
  }
  ctx.report(
    'client-id-invalid',
    node,
    `clientId ${JSON.stringify(value)} is neither an application (client) ID (a GUID) nor a placeholder such as "[[DUMMY]]".`,
    [],
  );
};

const loginUriCloud: Rule = (token, ctx) => {
  if (!token.isEntra) return;
  const prop = token.customParameter('loginUri');
  const node = valueAt(valueOf(prop), 'value');
  const value = stringValue(node);
  if (!node || value === undefined || isPlaceholder(value)) return;
  const expected = ctx.options.cloud;
  const replacement = expected?.loginEndpoint.replace(/\/+$/, '') ?? 'https://login.microsoftonline.com';
  const fixes = [fix(`Use ${replacement}`, [replaceValue(node, replacement)], { isPreferred: true })];
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  const host = url?.host.toLowerCase();
  const allEntra = Object.values(ENTRA_LOGIN_HOSTS).flat();
  const expectedHosts = expected
    ? [...(ENTRA_LOGIN_HOSTS[expected.name] ?? []), new URL(expected.loginEndpoint).host.toLowerCase()]
    : allEntra;
  if (!url || url.protocol !== 'https:' || !host || !(allEntra.includes(host) || expectedHosts.includes(host))) {
    ctx.report(
      'login-uri-cloud',
      node,
      `loginUri "${value}" is not a Microsoft Entra login host over https (such as https://login.microsoftonline.com).`,
      fixes,
    );
    return;
  }
  if (!expectedHosts.includes(host)) {
    ctx.report(
      'login-uri-cloud',
      node,
      `loginUri "${value}" belongs to another cloud than the configured one (${expected!.name}, ${replacement}).`,
      fixes,
      'warning',
    );
  }
};

const oboInconsistent: Rule = (token, ctx) => {
  if (!token.isEntra || !token.settings) return;
  const supportedProp = token.property('IsOnbehalfofLoginSupported');
  const supportedNode = valueOf(supportedProp);
  const enableHolder = valueOf(token.customParameter('enableOnbehalfOfLogin'));
  const enableNode = valueAt(enableHolder, 'value');
  const supported = scalar(supportedNode);
  const enable = scalar(enableNode);
  if (supportedNode && typeof supported !== 'boolean') {
    const asBool = typeof supported === 'string' && /^(true|false)$/i.test(supported) ? supported.toLowerCase() === 'true' : undefined;
    ctx.report(
      'obo-inconsistent',
      supportedNode,
      `properties.IsOnbehalfofLoginSupported must be a boolean (true/false), not ${JSON.stringify(supported ?? supportedNode.type)}.`,
      asBool === undefined ? [] : [fix(`Change to ${String(asBool)}`, [replaceValue(supportedNode, asBool)], { isPreferred: true })],
    );
  }
  if (enableNode && !(typeof enable === 'string' && (enable === 'true' || enable === 'false'))) {
    const asString = typeof enable === 'boolean' ? String(enable) : typeof enable === 'string' && /^(true|false)$/i.test(enable) ? enable.toLowerCase() : undefined;
    ctx.report(
      'obo-inconsistent',
      enableNode,
      `customParameters.enableOnbehalfOfLogin.value must be the string "true" or "false", not ${JSON.stringify(enable ?? enableNode.type)}.`,
      asString === undefined ? [] : [fix(`Change to "${asString}"`, [replaceValue(enableNode, asString)], { isPreferred: true })],
    );
  }
  const enabled = enable === true || (typeof enable === 'string' && enable.toLowerCase() === 'true');
  const isSupported = supported === true || (typeof supported === 'string' && supported.toLowerCase() === 'true');
  if (enabled && !isSupported) {
    const edit = supportedNode
      ? replaceValue(supportedNode, true)
      : token.propertiesObject?.type === 'object'
        ? insertProperty(ctx.doc, token.propertiesObject, 'IsOnbehalfofLoginSupported', true)
        : undefined;
    ctx.report(
      'obo-inconsistent',
      enableNode!,
      'enableOnbehalfOfLogin is "true" but properties.IsOnbehalfofLoginSupported is not true: Power Platform will not use on-behalf-of sign-in.',
      edit ? [fix('Set IsOnbehalfofLoginSupported to true', [edit])] : [],
      'error',
    );
  }
};

function swaggerHasOAuth2(text: string): boolean | undefined {
  const swagger = parseJsonDocument(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  if (!swagger.root) return undefined;
  const defs = valueAt(swagger.root, 'securityDefinitions');
  return (defs?.children ?? []).some((p) => stringValue(valueAt(valueOf(p), 'type')) === 'oauth2');
}

const swaggerSecurityMismatch: Rule = (token, ctx) => {
  const swaggerText = ctx.options.swaggerText;
  if (swaggerText === undefined || !token.settingsProperty) return;
  const ok = swaggerHasOAuth2(swaggerText);
  if (ok !== false) return;
  ctx.report(
    'swagger-security-mismatch',
    keyNodeOf(token.parameter),
    `"${token.name}" is an OAuth sign-in, but apiDefinition.swagger.json next to it has no securityDefinitions entry of type "oauth2": Power Platform will not attach the token to requests.`,
    [],
  );
};

/** An Entra client secret pasted anywhere else in the file (a policy, another parameter's default…). */
function secretsElsewhere(root: Node, ctx: Context): void {
  const stack: Node[] = [root];
  while (stack.length) {
    const node = stack.pop()!;
    const value = node.type === 'property' ? node.children?.[1] : undefined;
    if (value?.type === 'string' && !ctx.secrets.has(value) && looksLikeEntraSecret(value.value as string)) {
      ctx.secrets.add(value);
      ctx.report(
        'secret-in-file',
        value,
        `"${keyOf(node)}" holds ${describeSecret(value.value as string)} shaped like a Microsoft Entra client secret. Secrets must not be in this file: remove it, and rotate it if it was committed.`,
        [fix('Replace the secret with null (the value is not kept)', [replaceValue(value, null)], { unattended: false })],
      );
    }
    if (node.children) stack.push(...node.children);
  }
}

/** Rules run per OAuth token, in this order. */
const TOKEN_RULES: readonly Rule[] = [
  aadKeyCasing,
  aadMissingResource,
  aadResourceMismatch,
  aadMissingFirstParty,
  redirectModeShared,
  redirectUrlInvalid,
  secretInFile,
  clientId,
  loginUriCloud,
  oboInconsistent,
  swaggerSecurityMismatch,
];

/** Analyses the text of an apiProperties.json. Never throws on any input: syntax problems are `invalid-json`. */
export function analyzeApiProperties(text: string, options: AnalysisOptions = {}): ConnectorDiagnostic[] {
  const model = readApiProperties(text);
  const { doc } = model;
  const diagnostics: ConnectorDiagnostic[] = [];
  const report: Context['report'] = (code, node, message, fixes = [], severity) => {
    diagnostics.push({
      code,
      severity: severity ?? RULES[code].severity,
      message,
      offset: node.offset,
      length: node.length,
      range: doc.rangeOf(node.offset, node.length),
      fixes,
    });
  };
  if (options.encoding !== undefined && options.encoding !== 'utf-8') {
    return [{
      code: 'invalid-json',
      severity: 'error',
      message: `${UTF16_MESSAGE}.`,
      offset: 0,
      length: 0,
      range: doc.rangeOf(0, 0),
      fixes: [],
    }];
  }
  if (!doc.root) {
    const first = doc.errors[0];
    const bom = text.charCodeAt(0) === 0xfeff;
    diagnostics.push({
      code: 'invalid-json',
      severity: 'error',
      message: `${first.message}. paconn reads apiProperties.json as plain JSON, so no other check runs until this is fixed.`,
      offset: first.offset,
      length: first.length,
      range: doc.rangeOf(first.offset, first.length),
      fixes: bom ? [fix('Remove the byte-order mark', [{ offset: 0, length: 1, content: '' }])] : [],
    });
    return diagnostics;
  }
  const ctx: Context = { model, doc, options, report, secrets: new Set() };
  for (const token of model.tokens) for (const rule of TOKEN_RULES) rule(token, ctx);
  secretsElsewhere(doc.root, ctx);
  return diagnostics.sort((a, b) => a.offset - b.offset);
}

