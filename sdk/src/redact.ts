import { HearthError } from './errors.js';
import { MIN_SECRET_LENGTH } from './manifest-validation.js';

/** What stands in for a secret's value in what hearthd stores or returns. */
export const redacted = (name: string): string => `[secret:${name}]`;

/** Deeper than this, an action's `data` is not walked (the RPC layer bounds depth at 64 anyway). */
const MAX_WALK_DEPTH = 64;

/**
 * Replaces every secret value with `[secret:<name>]` in text hearthd keeps or passes on (log lines,
 * action results, errors and messages from the runtime), and in what the runtime writes to its
 * console (runtime.log on the host). Values shorter than MIN_SECRET_LENGTH are
 * never stored, so an ordinary word is never hidden. Longest values first: one that contains
 * another is replaced whole.
 */
export class Redactor {
  private readonly values: [value: string, name: string][];

  private constructor(values: [string, string][]) {
    this.values = values.filter(([value]) => value.length >= MIN_SECRET_LENGTH).sort((a, b) => b[0].length - a[0].length);
  }

  static none(): Redactor {
    return new Redactor([]);
  }

  /** `secrets`: values by name. */
  static of(secrets: Record<string, string>): Redactor {
    return new Redactor(Object.entries(secrets).map(([name, value]) => [value, name]));
  }

  /** Also redacts `secrets` (a rotated value stays redacted: lines written before the rotation may still come). */
  with(secrets: Record<string, string>): Redactor {
    const known = new Set(this.values.map(([value]) => value));
    return new Redactor([...this.values, ...Object.entries(secrets).flatMap(([name, value]): [string, string][] => (known.has(value) ? [] : [[value, name]]))]);
  }

  get empty(): boolean {
    return this.values.length === 0;
  }

  text(text: string): string {
    let out = text;
    for (const [value, name] of this.values) if (out.includes(value)) out = out.split(value).join(redacted(name));
    return out;
  }

  /** Strings anywhere in a JSON value (keys too), redacted; other values as they are. */
  value(input: unknown, depth = 0): unknown {
    if (this.empty) return input;
    if (typeof input === 'string') return this.text(input);
    if (input === null || typeof input !== 'object' || depth > MAX_WALK_DEPTH) return input;
    if (Array.isArray(input)) return input.map((item) => this.value(item, depth + 1));
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const [key, item] of Object.entries(input)) out[this.text(key)] = this.value(item, depth + 1);
    return out;
  }

  /**
   * An error from the runtime with its message, hint and details redacted; its cause is left out
   * (it may quote the value too). Other errors become INTERNAL with the message redacted.
   */
  error(error: unknown): unknown {
    if (this.empty) return error;
    const from = HearthError.from(error);
    const details = this.value(from.details) as Record<string, unknown>;
    return new HearthError(from.code, this.text(from.message), { ...(from.hint !== undefined && { hint: this.text(from.hint) }), details });
  }

}
