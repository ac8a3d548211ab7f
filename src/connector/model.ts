/**
 * The apiProperties.json model: where the OAuth `token` parameters are and the nodes the rules look at, found
 * through the casing variants real authors write (`oauthSettings`, `LoginUri`, `ResourceUri`…). Nodes, not
 * values, so that every diagnostic has a range and every fix an exact place to edit.
 */
import type { Node } from './jsonc';
import {
  keyOf,
  parseJsonDocument,
  propertiesIgnoringCase,
  propertyOf,
  stringValue,
  valueAt,
  valueOf,
  type JsonDocument,
} from './jsonDocument';

/** The identity providers that sign in with Microsoft Entra ID. */
export const ENTRA_PROVIDERS = ['aad', 'aadcertificate'] as const;

/** The canonical spelling of the customParameters keys, lower-cased → canonical. */
export const CUSTOM_PARAMETER_KEYS: Readonly<Record<string, string>> = {
  loginuri: 'loginUri',
  tenantid: 'tenantId',
  resourceuri: 'resourceUri',
  enableonbehalfoflogin: 'enableOnbehalfOfLogin',
};

export interface OAuthToken {
  /** The connection parameter's name (`token`). */
  readonly name: string;
  /** The `"token": {...}` property. */
  readonly parameter: Node;
  /** Where it was found, for messages: `connectionParameters` or `connectionParameterSets.values[1]`. */
  readonly location: string;
  /** The oAuthSettings property as written (maybe `oauthSettings`), undefined when absent. */
  readonly settingsProperty: Node | undefined;
  readonly settings: Node | undefined;
  readonly identityProvider: string | undefined;
  /** aad / aadcertificate. */
  readonly isEntra: boolean;
  prop(key: string): Node | undefined;
  /** `properties.<key>`. */
  property(key: string): Node | undefined;
  readonly propertiesObject: Node | undefined;
  readonly customParameters: Node | undefined;
  /** The `customParameters.<key>` property, exact casing first, else a casing variant. */
  customParameter(key: string): Node | undefined;
  /** The string in `customParameters.<key>.value`, found through casing variants. */
  customParameterValue(key: string): string | undefined;
}

export interface ApiProperties {
  readonly doc: JsonDocument;
  readonly tokens: readonly OAuthToken[];
}

function makeToken(name: string, parameter: Node, location: string): OAuthToken {
  const value = valueOf(parameter);
  const settingsCandidates = propertiesIgnoringCase(value, 'oAuthSettings');
  const settingsProperty = propertyOf(value, 'oAuthSettings') ?? settingsCandidates[settingsCandidates.length - 1];
  const settings = valueOf(settingsProperty);
  const identityProvider = stringValue(valueAt(settings, 'identityProvider'));
  const propertiesObject = valueAt(settings, 'properties');
  const customParameters = valueAt(settings, 'customParameters');
  const customParameter = (key: string): Node | undefined => {
    const exact = propertyOf(customParameters, key);
    if (exact) return exact;
    const variants = propertiesIgnoringCase(customParameters, key);
    return variants[variants.length - 1];
  };
  return {
    name,
    parameter,
    location,
    settingsProperty,
    settings,
    identityProvider,
    isEntra: (ENTRA_PROVIDERS as readonly string[]).includes(identityProvider ?? ''),
    prop: (key) => propertyOf(settings, key),
    property: (key) => propertyOf(propertiesObject, key),
    propertiesObject,
    customParameters,
    customParameter,
    customParameterValue: (key) => stringValue(valueAt(valueOf(customParameter(key)), 'value')),
  };
}

function tokensIn(parameters: Node | undefined, location: string): OAuthToken[] {
  if (parameters?.type !== 'object') return [];
  const found: OAuthToken[] = [];
  for (const parameter of parameters.children ?? []) {
    const value = valueOf(parameter);
    if (stringValue(valueAt(value, 'type')) !== 'oauthSetting') continue;
    found.push(makeToken(keyOf(parameter), parameter, location));
  }
  return found;
}

/** Finds the OAuth parameters in `connectionParameters` and in each of `connectionParameterSets.values[]`. */
export function readApiProperties(text: string): ApiProperties {
  const doc = parseJsonDocument(text);
  const tokens: OAuthToken[] = [];
  if (doc.root) {
    const props = valueAt(doc.root, 'properties');
    tokens.push(...tokensIn(valueAt(props, 'connectionParameters'), 'connectionParameters'));
    const sets = valueAt(props, 'connectionParameterSets', 'values');
    if (sets?.type === 'array') {
      sets.children?.forEach((set, i) =>
        tokens.push(...tokensIn(valueAt(set, 'parameters'), `connectionParameterSets.values[${i}]`)),
      );
    }
  }
  return { doc, tokens };
}
