/**
 * Records keyed by ids that come from packages, clients or JSON. A plain `{}` answers
 * `constructor`, `toString` or `__proto__` from Object.prototype, and assigning `__proto__` to
 * it replaces its prototype; a record without a prototype treats every string as an ordinary key.
 */
export function dict<T>(entries: Iterable<readonly [string, T]> = []): Record<string, T> {
  const out = Object.create(null) as Record<string, T>;
  for (const [key, value] of entries) out[key] = value;
  return out;
}

/** `record[key]` when it is the record's own property; never an inherited `constructor` or `toString`. */
export function ownValue<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** JSON.parse whose objects have no prototype (arrays stay arrays): ids read from a file stay plain keys. */
export function parseJsonDict(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown) => (typeof value === 'object' && value !== null && !Array.isArray(value) ? dict(Object.entries(value)) : value));
}
