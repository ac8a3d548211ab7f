/**
 * The connector-side way through the test console's CORS check: a `setheader` policy in apiProperties.json
 * (`properties.policyTemplateInstances`) that sets the request's `Origin` header to an origin the service allows.
 * Added once; an existing Origin policy is reported and left as the author wrote it.
 */
import { parse } from 'jsonc-parser';
import { jsonProblem, setJson } from '../connector/edits';

export const ORIGIN_POLICY_TITLE = 'Set Origin for the service’s CORS';

export interface OriginPolicyEdit {
  /** The new text, or undefined when nothing changes. */
  readonly text: string | undefined;
  /** The value an existing Origin policy already sets. */
  readonly existing?: string;
  readonly problem?: string;
}

interface PolicyInstance {
  templateId?: unknown;
  parameters?: Record<string, unknown>;
}

export function originPolicy(origin: string): Record<string, unknown> {
  return {
    templateId: 'setheader',
    title: ORIGIN_POLICY_TITLE,
    parameters: {
      'x-ms-apimTemplateParameter.name': 'Origin',
      'x-ms-apimTemplateParameter.value': origin,
      'x-ms-apimTemplateParameter.existsAction': 'override',
      'x-ms-apimTemplate-policySection': 'Request',
    },
  };
}

export function addOriginPolicy(text: string, origin: string): OriginPolicyEdit {
  const problem = jsonProblem(text);
  if (problem) return { text: undefined, problem: `apiProperties.json was not changed: ${problem}.` };
  const doc = parse(text.replace(/^\uFEFF/, '')) as { properties?: { policyTemplateInstances?: unknown } };
  if (doc.properties !== undefined && (doc.properties === null || typeof doc.properties !== 'object' || Array.isArray(doc.properties))) {
    return { text: undefined, problem: 'apiProperties.json was not changed: "properties" is not an object.' };
  }
  const list = doc.properties?.policyTemplateInstances;
  if (list !== undefined && !Array.isArray(list)) return { text: undefined, problem: 'apiProperties.json was not changed: "policyTemplateInstances" is not an array.' };
  const existing = (list as PolicyInstance[] | undefined)?.find(
    (p) => String(p?.templateId ?? '').toLowerCase() === 'setheader' && String(p?.parameters?.['x-ms-apimTemplateParameter.name'] ?? '').toLowerCase() === 'origin',
  );
  if (existing) return { text: undefined, existing: String(existing.parameters?.['x-ms-apimTemplateParameter.value'] ?? '') };
  const out = list === undefined
    ? setJson(text, ['properties', 'policyTemplateInstances'], [originPolicy(origin)])
    : setJson(text, ['properties', 'policyTemplateInstances', list.length], originPolicy(origin), { isArrayInsertion: true });
  return { text: out };
}
