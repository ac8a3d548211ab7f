/**
 * What the registrations tree needs from a connector's apiProperties.json: which Entra apps it points at and which
 * redirect URL Power Platform will send. Read with the same tolerant model as the diagnostics (casing variants,
 * placeholders), so a file the diagnostics accept is a file the tree understands.
 */
import { readApiProperties } from '../connector/model';
import { scalar, stringValue, valueOf } from '../connector/jsonDocument';
import { isEmptyOrPlaceholder } from '../connector/values';

/**
 * The legacy redirect URL every connector shared before per-connector URLs (`redirectMode: "GlobalPerConnector"`;
 * https://learn.microsoft.com/connectors/custom-connectors/azure-active-directory-authentication).
 */
export const SHARED_REDIRECT_URL = 'https://global.consent.azure-apim.net/redirect';

export type ConnectorAuth =
  /** No OAuth connection parameter at all (or no apiProperties.json): the connector can be secured. */
  | { readonly kind: 'none' }
  /** OAuth with another identity provider: nothing in Entra to show. */
  | { readonly kind: 'other'; readonly identityProvider: string }
  /** The file could not be parsed as JSON. */
  | { readonly kind: 'invalid'; readonly reason: string }
  | {
      readonly kind: 'entra';
      readonly identityProvider: string;
      /** The connector app's appId; undefined when missing or a placeholder. */
      readonly clientId: string | undefined;
      /** customParameters.resourceUri (or AzureActiveDirectoryResourceId); undefined when missing or a placeholder. */
      readonly resourceUri: string | undefined;
      /** `Global` when absent (Power Platform's default). */
      readonly redirectMode: string;
      /** The redirect URL Power Platform sends, when the file tells: the shared URL for `Global`, else `redirectUrl`. */
      readonly redirectUrl: string | undefined;
    };

function valueString(node: Parameters<typeof scalar>[0]): string | undefined {
  const v = stringValue(node);
  return v === undefined || isEmptyOrPlaceholder(v) ? undefined : v.trim();
}

export function readConnectorAuth(text: string | undefined): ConnectorAuth {
  if (text === undefined) return { kind: 'none' };
  const props = readApiProperties(text);
  if (!props.doc.root) return { kind: 'invalid', reason: 'apiProperties.json is not valid JSON.' };
  const token = props.tokens.find((t) => t.isEntra) ?? props.tokens[0];
  if (!token) return { kind: 'none' };
  if (!token.isEntra) return { kind: 'other', identityProvider: token.identityProvider ?? 'unknown' };
  const clientId = valueString(valueOf(token.prop('clientId')));
  const resourceUri =
    (isEmptyOrPlaceholder(token.customParameterValue('resourceUri')) ? undefined : token.customParameterValue('resourceUri')?.trim()) ??
    valueString(valueOf(token.property('AzureActiveDirectoryResourceId')));
  const redirectMode = valueString(valueOf(token.prop('redirectMode'))) ?? 'Global';
  const fileUrl = valueString(valueOf(token.prop('redirectUrl')));
  const redirectUrl = redirectMode.toLowerCase() === 'global' ? (fileUrl ?? SHARED_REDIRECT_URL) : fileUrl;
  return { kind: 'entra', identityProvider: token.identityProvider ?? 'aad', clientId, resourceUri, redirectMode, redirectUrl };
}
