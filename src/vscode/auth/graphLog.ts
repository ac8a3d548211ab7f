import type { GraphLogEntry } from '../../graph/client';

/**
 * One output-channel line per Graph request: method, path, status, request-id, duration. The query is dropped
 * (`$filter`/`$search` can hold what the user typed); the entry never carries a token or a header.
 */
export function graphLogLine(entry: GraphLogEntry): { line: string; problem: boolean } {
  const q = entry.path.indexOf('?');
  const path = q < 0 ? entry.path : `${entry.path.slice(0, q)}?…`;
  const outcome = entry.networkError ? `network error (${entry.networkError})` : String(entry.status);
  return {
    line: `Graph ${entry.method} ${path} → ${outcome} request-id ${entry.requestId ?? '-'} ${Math.round(entry.durationMs)} ms`,
    problem: !!entry.networkError || entry.status >= 400,
  };
}
