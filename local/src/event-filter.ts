/**
 * Lambda event filtering (an event source mapping's FilterCriteria): a record is handed
 * to the function when any filter's pattern matches it. The pattern syntax is
 * EventBridge's: nested objects mirror the record, a leaf is a list of alternatives,
 * each an exact value or one of the operators below. Implemented: exact strings,
 * numbers, booleans and null; `prefix`, `suffix`, `equals-ignore-case`, `exists`,
 * `anything-but` (a value, a list or a prefix), `numeric` ranges, and `$or`.
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html
 */
type Pattern = Record<string, unknown>;

function matchesValue(rule: unknown, value: unknown, present: boolean): boolean {
  if (rule === null || typeof rule !== 'object') return present && value === rule;
  const r = rule as Record<string, unknown>;
  if ('exists' in r) return r.exists ? present : !present;
  if (!present) return false;
  const s = typeof value === 'string' ? value : undefined;
  if ('prefix' in r) {
    const p = r.prefix as string | { 'equals-ignore-case': string };
    return (
      s !== undefined &&
      (typeof p === 'string'
        ? s.startsWith(p)
        : s.toLowerCase().startsWith(p['equals-ignore-case'].toLowerCase()))
    );
  }
  if ('suffix' in r) return s !== undefined && s.endsWith(String(r.suffix));
  if ('equals-ignore-case' in r)
    return s !== undefined && s.toLowerCase() === String(r['equals-ignore-case']).toLowerCase();
  if ('anything-but' in r) {
    const but = r['anything-but'];
    if (but && typeof but === 'object' && !Array.isArray(but) && 'prefix' in but)
      return s !== undefined && !s.startsWith(String((but as { prefix: string }).prefix));
    const list = Array.isArray(but) ? but : [but];
    return !list.includes(value);
  }
  if ('numeric' in r) {
    if (typeof value !== 'number') return false;
    const ops = r.numeric as Array<string | number>;
    for (let i = 0; i < ops.length; i += 2) {
      const [op, n] = [ops[i] as string, Number(ops[i + 1])];
      const ok = { '=': value === n, '<': value < n, '<=': value <= n, '>': value > n, '>=': value >= n }[op];
      if (!ok) return false;
    }
    return true;
  }
  return false;
}

export function matchesPattern(pattern: Pattern, event: unknown): boolean {
  if ('$or' in pattern) {
    const { $or, ...rest } = pattern as { $or: Pattern[] };
    return $or.some((alt) => matchesPattern({ ...rest, ...alt }, event));
  }
  const obj = (event ?? {}) as Record<string, unknown>;
  return Object.entries(pattern).every(([key, rule]) => {
    const present = typeof obj === 'object' && key in obj;
    const value = present ? obj[key] : undefined;
    if (Array.isArray(rule)) {
      // A list of alternatives; against an array value, any element may match.
      const values = Array.isArray(value) ? value : [value];
      return rule.some((alt) => values.some((v) => matchesValue(alt, v, present)));
    }
    if (rule && typeof rule === 'object') return present && matchesPattern(rule as Pattern, value);
    return false;
  });
}

/** FilterCriteria as packaged: `{ Filters: [{ Pattern: '<json>' }] }`; none = everything passes. */
export function filterOf(criteria: unknown): (record: unknown) => boolean {
  const filters = ((criteria as { Filters?: Array<{ Pattern: string }> } | undefined)?.Filters ?? []).map(
    (f) => JSON.parse(f.Pattern) as Pattern,
  );
  if (filters.length === 0) return () => true;
  return (record) => filters.some((p) => matchesPattern(p, record));
}
