// Validates Microsoft Graph request and response bodies against the Graph v1.0 OpenAPI contract kept in
// test/fixtures/graph (copied from Microsoft's metadata, see its NOTICE). Used by the contract tests and by any test
// that wants to assert the product's request bodies or the emulator's responses.
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const CONTRACT_PATH = resolve(__dirname, '..', 'fixtures', 'graph', 'graph-v1.0-app-registration.openapi.json');

type Json = Record<string, unknown>;

export interface ContractResult {
  /** True when the body satisfies the contract (or the operation has no body to check). */
  valid: boolean;
  /** False when the contract has no such operation; `valid` is then false too. */
  covered: boolean;
  /** "GET /applications/{application-id}" — the contract operation that matched. */
  operation?: string;
  errors: string[];
}

interface Operation {
  method: string;
  template: string;
  regex: RegExp;
  op: Json;
}

const METHODS = ['get', 'post', 'patch', 'put', 'delete'];

/** OpenAPI 3.0 schema → JSON Schema (draft 7 as Ajv reads it): `nullable`, `$ref`s into one document, no vendor keys. */
function convert(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(convert);
  if (!node || typeof node !== 'object') return node;
  const src = node as Json;
  const out: Json = {};
  for (const [k, v] of Object.entries(src)) {
    if (k.startsWith('x-') || k === 'discriminator' || k === 'nullable' || k === 'example') continue;
    if (k === '$ref' && typeof v === 'string') {
      out.$ref = v.replace('#/components/schemas/', 'graph#/definitions/');
      continue;
    }
    out[k] = convert(v);
  }
  if (src.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else if (!out.type) return { anyOf: [out, { type: 'null' }] };
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  }
  return out;
}

class GraphContract {
  readonly spec: Json;
  private readonly ajv: Ajv;
  private readonly operations: Operation[] = [];
  private readonly cache = new Map<string, ValidateFunction>();

  constructor(specPath = CONTRACT_PATH) {
    this.spec = JSON.parse(readFileSync(specPath, 'utf8')) as Json;
    this.ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    addFormats(this.ajv);
    for (const f of ['int32', 'int64', 'base64url', 'time']) this.ajv.addFormat(f, true);
    const schemas = (this.spec.components as Json).schemas as Json;
    this.ajv.addSchema({ $id: 'graph', definitions: convert(schemas) as Json });
    for (const [template, item] of Object.entries(this.spec.paths as Json)) {
      for (const m of METHODS) {
        const op = (item as Json)[m] as Json | undefined;
        if (op) this.operations.push({ method: m.toUpperCase(), template, regex: templateRegex(template), op });
      }
    }
  }

  private compile(schema: Json): ValidateFunction {
    const key = JSON.stringify(schema);
    let v = this.cache.get(key);
    if (!v) {
      v = this.ajv.compile(convert(schema) as Json);
      this.cache.set(key, v);
    }
    return v;
  }

  find(method: string, path: string): Operation | undefined {
    const p = normalisePath(path);
    const candidates = this.operations.filter((o) => o.method === method.toUpperCase() && o.regex.test(p));
    // Prefer literal matches ("/applications/{id}/addPassword" over "/applications/{id}").
    return candidates.sort((a, b) => b.template.replace(/\{[^}]+\}/g, '').length - a.template.replace(/\{[^}]+\}/g, '').length)[0];
  }

  private resolveResponse(ref: Json): Json {
    if (typeof ref.$ref === 'string' && ref.$ref.startsWith('#/components/responses/')) {
      return ((this.spec.components as Json).responses as Json)[ref.$ref.slice('#/components/responses/'.length)] as Json;
    }
    return ref;
  }

  private schemaOf(container: Json | undefined): Json | undefined {
    const content = container?.content as Json | undefined;
    const media = content?.['application/json'] as Json | undefined;
    return media?.schema as Json | undefined;
  }

  private check(schema: Json, body: unknown, label: string): string[] {
    const v = this.compile(schema);
    if (v(body)) return [];
    return (v.errors ?? []).slice(0, 10).map((e) => `${label}${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);
  }

  validateResponse(method: string, path: string, status: number, body: unknown): ContractResult {
    const found = this.find(method, path);
    if (!found) return { valid: false, covered: false, errors: [`The contract has no operation ${method.toUpperCase()} ${path}`] };
    const operation = `${found.method} ${found.template}`;
    const responses = found.op.responses as Json;
    const key = [String(status), `${String(status)[0]}XX`, ...(status >= 400 ? ['default'] : [])].find((k) => k in responses);
    // Graph answers every failure with its error body, also where an operation documents no error response.
    const errorFallback = !key && status >= 400 ? { $ref: '#/components/responses/error' } : undefined;
    if (!key && !errorFallback) return { valid: false, covered: true, operation, errors: [`Status ${status} is not a documented response of ${operation}`] };
    const response = this.resolveResponse((key ? responses[key] : errorFallback) as Json);
    const schema = this.schemaOf(response);
    if (!schema) {
      const empty = body === undefined || body === null || body === '';
      return { valid: empty, covered: true, operation, errors: empty ? [] : [`${operation} ${status} documents no body but one was sent`] };
    }
    if (body === undefined || body === '') {
      // 204 from an upsert/update carries no body even where the 2XX entry documents one.
      const ok = status === 204;
      return { valid: ok, covered: true, operation, errors: ok ? [] : [`${operation} ${status} has no body`] };
    }
    const errors = this.check(schema, body, 'response');
    return { valid: errors.length === 0, covered: true, operation, errors };
  }

  validateRequest(method: string, path: string, body: unknown): ContractResult {
    const found = this.find(method, path);
    if (!found) return { valid: false, covered: false, errors: [`The contract has no operation ${method.toUpperCase()} ${path}`] };
    const operation = `${found.method} ${found.template}`;
    const schema = this.schemaOf(found.op.requestBody as Json | undefined);
    if (!schema) return { valid: body === undefined || body === '', covered: true, operation, errors: body === undefined ? [] : [`${operation} takes no body`] };
    const errors = this.check(schema, body, 'request');
    const unknown = unknownProperties(this.spec, schema, body);
    errors.push(...unknown.map((p) => `request${p} is not a declared property`));
    return { valid: errors.length === 0, covered: true, operation, errors };
  }

  /** The declared properties of a schema (following allOf/anyOf/$ref), e.g. for "microsoft.graph.application". */
  declaredProperties(schemaName: string): Set<string> {
    return collectProperties(this.spec, { $ref: `#/components/schemas/${schemaName}` });
  }
}

function collectProperties(spec: Json, schema: Json, seen = new Set<string>()): Set<string> {
  const out = new Set<string>();
  const visit = (s: Json | undefined) => {
    if (!s) return;
    if (typeof s.$ref === 'string') {
      if (seen.has(s.$ref)) return;
      seen.add(s.$ref);
      const name = s.$ref.replace('#/components/schemas/', '');
      visit(((spec.components as Json).schemas as Json)[name] as Json);
      seen.delete(s.$ref);
      return;
    }
    for (const k of Object.keys((s.properties as Json | undefined) ?? {})) out.add(k);
    for (const sub of [...((s.allOf as Json[]) ?? []), ...((s.anyOf as Json[]) ?? [])]) visit(sub);
  };
  visit(schema);
  return out;
}

function itemSchema(spec: Json, schema: Json, prop: string): Json | undefined {
  let found: Json | undefined;
  const visit = (s: Json | undefined) => {
    if (!s || found) return;
    if (typeof s.$ref === 'string') return visit(((spec.components as Json).schemas as Json)[s.$ref.replace('#/components/schemas/', '')] as Json);
    const p = (s.properties as Json | undefined)?.[prop] as Json | undefined;
    if (p) {
      found = p;
      return;
    }
    for (const sub of [...((s.allOf as Json[]) ?? []), ...((s.anyOf as Json[]) ?? [])]) visit(sub);
  };
  visit(schema);
  return found;
}

/** Property names in `body` that the schema does not declare, as JSON pointers ("/api/foo"). Open types allow any. */
export function unknownProperties(spec: Json, schema: Json, body: unknown, at = ''): string[] {
  if (!body || typeof body !== 'object') return [];
  if (Array.isArray(body)) {
    const items = schema.items as Json | undefined;
    return items ? body.flatMap((b, i) => unknownProperties(spec, items, b, `${at}/${i}`)) : [];
  }
  const declared = collectProperties(spec, schema);
  if (declared.size === 0) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(body as Json)) {
    if (k.includes('@odata.')) continue;
    if (!declared.has(k)) {
      out.push(`${at}/${k}`);
      continue;
    }
    const sub = itemSchema(spec, schema, k);
    if (sub && v && typeof v === 'object') {
      const target = Array.isArray(v) ? (sub.items as Json | undefined) ?? sub : sub;
      out.push(...unknownProperties(spec, Array.isArray(v) ? { items: target } : target, v, `${at}/${k}`));
    }
  }
  return out;
}

function normalisePath(path: string): string {
  let p = path.split('?')[0]!;
  p = p.replace(/^https?:\/\/[^/]+/, '');
  const v = p.indexOf('/v1.0/');
  if (v >= 0) p = p.slice(v + 5);
  if (!p.startsWith('/')) p = `/${p}`;
  try {
    p = decodeURIComponent(p);
  } catch {
    // keep as is
  }
  return p.replace(/\/+$/, '') || '/';
}

function templateRegex(template: string): RegExp {
  const parts = template.split(/(\{[^}]+\})/);
  const src = parts.map((part) => (/^\{[^}]+\}$/.test(part) ? "[^/()']+" : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${src}$`, 'i');
}

let shared: GraphContract | undefined;
function contract(): GraphContract {
  shared ??= new GraphContract();
  return shared;
}

/** Validates a Graph response (status + parsed JSON body, or undefined for none). `path` may be a full URL. */
export function validateGraphResponse(method: string, path: string, status: number, body: unknown): ContractResult {
  return contract().validateResponse(method, path, status, body);
}

/** Validates a Graph request body (parsed JSON) the product sends, including undeclared properties. */
export function validateGraphRequest(method: string, path: string, body: unknown): ContractResult {
  return contract().validateRequest(method, path, body);
}

export function declaredProperties(schemaName: string): Set<string> {
  return contract().declaredProperties(schemaName);
}

export function graphContract(): GraphContract {
  return contract();
}

/** One Graph round trip as the emulator saw it. */
export interface GraphExchange {
  method: string;
  /** Path below the Graph endpoint, e.g. /v1.0/applications?$top=5 */
  path: string;
  requestBody: unknown;
  status: number;
  responseBody: unknown;
}

/**
 * Collects Graph exchanges (pass `recorder.hook` as the emulator's `onGraphExchange` option) and validates every
 * request body and response against the contract. Operations outside the contract are listed, not failed.
 */
export class ContractRecorder {
  readonly exchanges: GraphExchange[] = [];
  readonly hook = (ex: GraphExchange): void => {
    this.exchanges.push(ex);
  };

  /** Human-readable contract violations, empty when everything conforms. */
  violations(): string[] {
    const out: string[] = [];
    for (const ex of this.exchanges) {
      const label = `${ex.method} ${ex.path} → ${ex.status}`;
      const resp = validateGraphResponse(ex.method, ex.path, ex.status, ex.responseBody);
      if (!resp.covered) continue;
      if (!resp.valid) out.push(`${label}: ${resp.errors.join('; ')}`);
      if (ex.requestBody !== undefined && ex.status < 400) {
        const reqResult = validateGraphRequest(ex.method, ex.path, ex.requestBody);
        if (!reqResult.valid) out.push(`${label} (request): ${reqResult.errors.join('; ')}`);
      }
    }
    return out;
  }

  uncovered(): string[] {
    return [...new Set(this.exchanges.filter((ex) => !graphContract().find(ex.method, ex.path)).map((ex) => `${ex.method} ${ex.path.split('?')[0]}`))];
  }
}
