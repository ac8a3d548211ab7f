// A small OData $filter parser covering what Graph supports on directory objects:
// eq/ne (strings, GUIDs, null, booleans), in (...), startswith(prop,'x'), prop/any(x:x eq 'v'|startswith(x,'v')),
// and/or/not, parentheses.

export type Predicate = (obj: Record<string, unknown>) => boolean;

export class FilterError extends Error {
  constructor(
    message: string,
    readonly kind: 'syntax' | 'unsupported',
    readonly property?: string,
  ) {
    super(message);
  }
}

type Tok = { t: 'str'; v: string } | { t: 'id'; v: string } | { t: 'p'; v: string };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ') {
      i++;
    } else if (c === "'") {
      let v = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new FilterError(`Syntax error: unterminated string literal at position ${i} in '${src}'.`, 'syntax');
        if (src[i] === "'") {
          if (src[i + 1] === "'") {
            v += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += src[i++];
      }
      out.push({ t: 'str', v });
    } else if ('(),:'.includes(c)) {
      out.push({ t: 'p', v: c });
      i++;
    } else {
      const m = /^[A-Za-z0-9_./@$-]+/.exec(src.slice(i));
      if (!m) throw new FilterError(`Syntax error at position ${i} in '${src}'.`, 'syntax');
      out.push({ t: 'id', v: m[0] });
      i += m[0].length;
    }
  }
  return out;
}

function get(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const seg of path.split('/')) {
    if (!cur || typeof cur !== 'object') return undefined;
    const rec = cur as Record<string, unknown>;
    const key = Object.keys(rec).find((k) => k.toLowerCase() === seg.toLowerCase());
    cur = key === undefined ? undefined : rec[key];
  }
  return cur;
}

function eqValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  if (a === undefined) return b === null;
  return a === b;
}

/** Compiles a $filter. `allowed` lists the filterable properties (lower-case, "/"-separated paths). */
export function compileFilter(src: string, allowed: string[]): Predicate {
  const toks = tokenize(src);
  let pos = 0;
  const peek = () => toks[pos];
  const next = () => {
    const t = toks[pos++];
    if (!t) throw new FilterError(`Syntax error: unexpected end of filter in '${src}'.`, 'syntax');
    return t;
  };
  const expect = (v: string) => {
    const t = next();
    if (t.v !== v || t.t === 'str') throw new FilterError(`Syntax error: '${v}' expected at position ${pos} in '${src}'.`, 'syntax');
  };
  const checkProp = (p: string) => {
    if (!allowed.includes(p.toLowerCase())) {
      throw new FilterError(`Unsupported or invalid query filter clause specified for property '${p}'.`, 'unsupported', p);
    }
  };
  const literal = (): unknown => {
    const t = next();
    if (t.t === 'str') return t.v;
    if (t.t === 'id') {
      if (t.v === 'null') return null;
      if (t.v === 'true') return true;
      if (t.v === 'false') return false;
      if (/^-?\d+$/.test(t.v)) return Number(t.v);
      if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(t.v)) return t.v;
    }
    throw new FilterError(`Syntax error: a literal was expected at position ${pos} in '${src}'.`, 'syntax');
  };

  // Inside any(x: ...) the lambda variable stands for each element.
  const lambdaBody = (variable: string): ((el: unknown) => boolean) => {
    const t = next();
    if (t.t === 'id' && t.v.toLowerCase() === 'startswith') {
      expect('(');
      const v = next();
      if (v.v !== variable) throw new FilterError(`Syntax error: '${variable}' expected in '${src}'.`, 'syntax');
      expect(',');
      const lit = literal();
      expect(')');
      return (el) => typeof el === 'string' && typeof lit === 'string' && el.toLowerCase().startsWith(lit.toLowerCase());
    }
    if (t.t === 'id' && t.v === variable) {
      const op = next();
      const lit = literal();
      if (op.v === 'eq') return (el) => eqValue(el, lit);
      if (op.v === 'ne') return (el) => !eqValue(el, lit);
      throw new FilterError(`Unsupported operator '${op.v}' in '${src}'.`, 'unsupported');
    }
    throw new FilterError(`Syntax error at position ${pos} in '${src}'.`, 'syntax');
  };

  const primary = (): Predicate => {
    const t = peek();
    if (!t) throw new FilterError(`Syntax error: unexpected end of filter in '${src}'.`, 'syntax');
    if (t.t === 'p' && t.v === '(') {
      next();
      const e = orExpr();
      expect(')');
      return e;
    }
    if (t.t === 'id' && t.v.toLowerCase() === 'not') {
      next();
      const e = primary();
      return (o) => !e(o);
    }
    if (t.t === 'id' && t.v.toLowerCase() === 'startswith') {
      next();
      expect('(');
      const p = next();
      if (p.t !== 'id') throw new FilterError(`Syntax error: property expected in '${src}'.`, 'syntax');
      checkProp(p.v);
      expect(',');
      const lit = literal();
      expect(')');
      return (o) => {
        const v = get(o, p.v);
        return typeof v === 'string' && typeof lit === 'string' && v.toLowerCase().startsWith(lit.toLowerCase());
      };
    }
    if (t.t !== 'id') throw new FilterError(`Syntax error at position ${pos} in '${src}'.`, 'syntax');
    next();
    const anyM = /^(.+)\/any$/i.exec(t.v);
    if (anyM) {
      const prop = anyM[1]!;
      checkProp(prop);
      expect('(');
      const variable = next();
      if (variable.t !== 'id') throw new FilterError(`Syntax error: lambda variable expected in '${src}'.`, 'syntax');
      expect(':');
      const body = lambdaBody(variable.v);
      expect(')');
      return (o) => {
        const arr = get(o, prop);
        return Array.isArray(arr) && arr.some(body);
      };
    }
    checkProp(t.v);
    const op = next();
    if (op.t !== 'id') throw new FilterError(`Syntax error: operator expected at position ${pos} in '${src}'.`, 'syntax');
    if (op.v === 'in') {
      expect('(');
      const values: unknown[] = [literal()];
      while (peek()?.v === ',') {
        next();
        values.push(literal());
      }
      expect(')');
      return (o) => values.some((v) => eqValue(get(o, t.v), v));
    }
    const lit = literal();
    if (op.v === 'eq') return (o) => eqValue(get(o, t.v), lit);
    if (op.v === 'ne') return (o) => !eqValue(get(o, t.v), lit);
    throw new FilterError(`Unsupported operator '${op.v}' in '${src}'.`, 'unsupported');
  };

  const andExpr = (): Predicate => {
    let left = primary();
    while (peek()?.t === 'id' && peek()!.v.toLowerCase() === 'and') {
      next();
      const l = left;
      const r = primary();
      left = (o) => l(o) && r(o);
    }
    return left;
  };
  const orExpr = (): Predicate => {
    let left = andExpr();
    while (peek()?.t === 'id' && peek()!.v.toLowerCase() === 'or') {
      next();
      const l = left;
      const r = andExpr();
      left = (o) => l(o) || r(o);
    }
    return left;
  };

  const pred = orExpr();
  if (pos !== toks.length) throw new FilterError(`Syntax error at position ${pos} in '${src}'.`, 'syntax');
  return pred;
}
