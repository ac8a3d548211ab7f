// Fault injection and the request log.
import type { FaultRule, Faults, RecordedRequest } from './types';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

interface LiveRule {
  rule: FaultRule;
  regex?: RegExp;
  seen: number;
  applied: number;
}

export class FaultEngine {
  private faults: Faults = {};
  private rules: LiveRule[] = [];

  constructor(initial: Faults = {}) {
    this.set(initial);
  }

  /** Replaces the whole fault configuration (counters restart). Throws on a malformed configuration. */
  set(faults: Faults): void {
    const f = validateFaults(faults);
    this.faults = f;
    this.rules = (f.rules ?? []).map((rule) => ({ rule, regex: rule.match?.path ? new RegExp(rule.match.path, 'i') : undefined, seen: 0, applied: 0 }));
  }

  get(): Faults {
    return structuredClone(this.faults);
  }

  latencyMs(): number {
    return this.faults.latencyMs ?? 0;
  }

  replicationLagMs(): number {
    return this.faults.replicationLagMs ?? 0;
  }

  tokenLifetimeSeconds(): number {
    return this.faults.tokenLifetimeSeconds ?? 3600;
  }

  /** The faults that apply to this request, counting it against every matching rule. */
  take(service: string, method: string, path: string): FaultRule[] {
    const out: FaultRule[] = [];
    for (const live of this.rules) {
      const m = live.rule.match ?? {};
      if (m.service && m.service !== service) continue;
      // Without a service a rule targets the APIs (Graph, ARM), never sign-in: a "throttle after N writes" rule
      // must not hit token requests.
      if (!m.service && service !== 'graph' && service !== 'arm') continue;
      if (m.method) {
        const want = m.method.toUpperCase();
        if (want === 'WRITE' ? !WRITES.has(method) : want !== method) continue;
      }
      if (live.regex && !live.regex.test(path)) continue;
      live.seen++;
      if (live.seen <= (live.rule.afterN ?? 0)) continue;
      if (live.rule.times !== undefined && live.applied >= live.rule.times) continue;
      live.applied++;
      out.push(live.rule);
    }
    return out;
  }
}

const KINDS = ['throttle', 'unavailable', 'resetAfterCommit', 'expireToken', 'latency'];

export function validateFaults(input: unknown): Faults {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw new Error('faults must be a JSON object');
  const f = input as Record<string, unknown>;
  for (const k of Object.keys(f)) {
    if (!['latencyMs', 'replicationLagMs', 'tokenLifetimeSeconds', 'rules'].includes(k)) throw new Error(`unknown faults property '${k}'`);
  }
  for (const k of ['latencyMs', 'replicationLagMs', 'tokenLifetimeSeconds']) {
    if (f[k] !== undefined && (typeof f[k] !== 'number' || (f[k] as number) < 0)) throw new Error(`faults.${k} must be a non-negative number`);
  }
  if (f.rules !== undefined) {
    if (!Array.isArray(f.rules)) throw new Error('faults.rules must be an array');
    f.rules.forEach((r: unknown, i: number) => {
      if (!r || typeof r !== 'object') throw new Error(`faults.rules[${i}] must be an object`);
      const rule = r as Record<string, unknown>;
      if (!KINDS.includes(String(rule.fault))) throw new Error(`faults.rules[${i}].fault must be one of ${KINDS.join(', ')}`);
      for (const n of ['times', 'afterN', 'retryAfter', 'ms']) {
        if (rule[n] !== undefined && (typeof rule[n] !== 'number' || (rule[n] as number) < 0)) throw new Error(`faults.rules[${i}].${n} must be a non-negative number`);
      }
      const match = rule.match as Record<string, unknown> | undefined;
      if (match?.path !== undefined) {
        try {
          new RegExp(String(match.path));
        } catch {
          throw new Error(`faults.rules[${i}].match.path is not a valid regular expression`);
        }
      }
    });
  }
  return structuredClone(f) as Faults;
}

/**
 * The longest chain of sequential round trips: the most requests that can be ordered so each one starts after the
 * previous one ended. Requests inside a $batch are not round trips of their own and are ignored.
 */
export function criticalPath(log: Pick<RecordedRequest, 'start' | 'end' | 'batch'>[]): number {
  const reqs = log.filter((r) => r.batch === undefined).slice().sort((a, b) => a.end - b.end);
  const best: number[] = [];
  let longest = 0;
  for (let i = 0; i < reqs.length; i++) {
    let chain = 1;
    for (let j = 0; j < i; j++) {
      if (reqs[j]!.end <= reqs[i]!.start && best[j]! + 1 > chain) chain = best[j]! + 1;
    }
    best[i] = chain;
    if (chain > longest) longest = chain;
  }
  return longest;
}
