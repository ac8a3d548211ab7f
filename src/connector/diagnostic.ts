/** The shapes the rules produce; the VS Code layer and the CLI both render these. */
import type { Range, TextEdit } from './jsonDocument';

export type Severity = 'error' | 'warning' | 'information';

export const OFFLINE_RULE_CODES = [
  'invalid-json',
  'aad-missing-resource',
  'aad-resource-mismatch',
  'aad-missing-first-party',
  'aad-key-casing',
  'redirect-mode-shared',
  'redirect-url-invalid',
  'secret-in-file',
  'client-id-invalid',
  'client-id-placeholder',
  'login-uri-cloud',
  'obo-inconsistent',
  'swagger-security-mismatch',
] as const;

export const ONLINE_RULE_CODES = [
  'client-app-not-found',
  'resource-not-found',
  'permission-missing',
  'consent-missing',
  'redirect-uri-not-registered',
  'tenant-common-single-tenant',
  'secret-expiring',
  'secret-expired',
  'service-audience',
  'service-issuer',
  'service-client-not-allowed',
] as const;

export type OfflineRuleCode = (typeof OFFLINE_RULE_CODES)[number];
export type OnlineRuleCode = (typeof ONLINE_RULE_CODES)[number];
export type RuleCode = OfflineRuleCode | OnlineRuleCode;

export type DirectoryRepair =
  | { readonly kind: 'add-redirect-uri'; readonly appId: string; readonly redirectUri: string }
  | { readonly kind: 'grant-consent'; readonly clientAppId: string; readonly resourceAppId: string; readonly scopes: readonly string[] };

export interface Fix {
  readonly title: string;
  /** Edits on the analysed text; non-overlapping. */
  readonly edits: readonly TextEdit[];
  /**
   * Before the edits are applied, store this secret in SecretStorage under `secretStorageKey(clientId)`.
   * Kept in memory only; never serialised (`toJson` keeps fix titles only).
   */
  readonly moveSecret?: { readonly clientId: string; readonly value: string };
  /** A repair in the tenant (online rules): performed after the user confirms, by the VS Code layer. */
  readonly directory?: DirectoryRepair;
  /**
   * Safe to apply without a person looking (`entra-connector check --fix`): false for fixes that need
   * SecretStorage or that drop a value the user may still need.
   */
  readonly unattended: boolean;
  readonly isPreferred?: boolean;
}

export interface ConnectorDiagnostic {
  readonly code: RuleCode;
  readonly severity: Severity;
  /** Never contains a secret. */
  readonly message: string;
  readonly offset: number;
  readonly length: number;
  readonly range: Range;
  readonly fixes: readonly Fix[];
}

/** A diagnostic as printed by `--json`: positions 1-based, fixes by title only. */
export interface DiagnosticJson {
  code: RuleCode;
  severity: Severity;
  message: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  fixes: string[];
}

export function toJson(d: ConnectorDiagnostic): DiagnosticJson {
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    line: d.range.start.line + 1,
    column: d.range.start.character + 1,
    endLine: d.range.end.line + 1,
    endColumn: d.range.end.character + 1,
    fixes: d.fixes.map((f) => f.title),
  };
}
