// Small HTTP building blocks shared by the emulator's services.
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export interface Req {
  method: string;
  /** Path inside the service (no prefix, no query). */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Raw body text ('' when none). */
  body: string;
  /** The body's bytes (for binary uploads). */
  raw?: Buffer;
  /** Origin of the emulator, e.g. https://127.0.0.2:4443 */
  origin: string;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON; strings as given (set content-type yourself). */
  body?: unknown;
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body };
}

export function html(status: number, page: string, headers: Record<string, string> = {}): Reply {
  return {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'x-frame-options': 'DENY',
      ...headers,
    },
    body: page,
  };
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Graph's error body: {"error":{"code","message","details?","innerError":{...}}}. */
export function graphError(status: number, code: string, message: string, details?: { code: string; message: string; target?: string }[], headers: Record<string, string> = {}): Reply {
  const requestId = randomUUID();
  const error: Record<string, unknown> = { code, message };
  if (details && details.length > 0) error.details = details;
  error.innerError = { date: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), 'request-id': requestId, 'client-request-id': requestId };
  return json(status, { error }, { 'request-id': requestId, 'client-request-id': requestId, ...headers });
}

/** Entra's OAuth error body: {error, error_description "AADSTSnnnnn: …", error_codes, timestamp, trace_id, correlation_id}. */
export function oauthError(status: number, error: string, aadsts: number, message: string, extra: Record<string, unknown> = {}): Reply {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
  return json(status, {
    error,
    error_description: `AADSTS${aadsts}: ${message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [aadsts],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    ...extra,
  });
}

export function parseForm(body: string): URLSearchParams {
  return new URLSearchParams(body);
}

export function contentType(headers: IncomingHttpHeaders): string {
  return String(headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

export function page(title: string, inner: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;background:#f2f2f2;margin:0}main{max-width:440px;margin:48px auto;background:#fff;padding:32px 40px;box-shadow:0 2px 6px rgba(0,0,0,.2)}h1{font-size:1.4em;font-weight:600}label{display:block;margin:.5em 0}button{margin:.6em .6em 0 0;padding:.4em 1.2em}.muted{color:#555;font-size:.9em}.error{color:#a00}</style>
</head><body><main><p class="muted">Contoso (emulated Microsoft Entra ID)</p>
${inner}
</main></body></html>`;
}
