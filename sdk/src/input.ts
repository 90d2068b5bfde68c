import { dict, ownValue } from './dict.js';
import { HearthError } from './errors.js';
import { fieldProblem } from './input-limits.js';

export { describeField, fieldProblem } from './input-limits.js';

/** Typed input fields: an action's input and a package's settings use the same schema. */

/** One field of an action's input or of a package's settings. */
export type InputField =
  | { type: 'string'; description?: string; required?: boolean; default?: string; /** At most this many characters. */ maxLength?: number }
  | {
      type: 'number';
      description?: string;
      required?: boolean;
      default?: number;
      /** Smallest and largest value allowed (inclusive). */
      min?: number;
      max?: number;
      /** Whole numbers only. */
      integer?: boolean;
    }
  | { type: 'boolean'; description?: string; required?: boolean; default?: boolean };

export type InputSchema = Record<string, InputField>;

type ValueOf<F extends InputField> = F['type'] extends 'string' ? string : F['type'] extends 'number' ? number : boolean;
/** The typed input a `run` function receives: required fields and fields with defaults are always set. */
export type InputOf<S extends InputSchema> = {
  [K in keyof S as S[K]['required'] extends true ? K : S[K] extends { default: unknown } ? K : never]: ValueOf<S[K]>;
} & {
  [K in keyof S as S[K]['required'] extends true ? never : S[K] extends { default: unknown } ? never : K]?: ValueOf<S[K]>;
};

/** Check and convert an action's input: strings from the CLI become numbers and booleans as the schema says. */
export function parseInput(schema: InputSchema, raw: Record<string, unknown>): Record<string, string | number | boolean> {
  const out = dict<string | number | boolean>();
  for (const key of Object.keys(raw)) {
    if (!Object.hasOwn(schema, key)) throw new HearthError('INVALID_PARAMS', `unknown input ${JSON.stringify(key)}`, { hint: `inputs: ${Object.keys(schema).join(', ') || 'none'}` });
  }
  for (const [key, field] of Object.entries(schema)) {
    let value = ownValue(raw, key);
    if (value === undefined) {
      if (field.default !== undefined) out[key] = field.default;
      else if (field.required) throw new HearthError('INVALID_PARAMS', `input ${key} (${field.type}) is required`, { hint: field.description ?? '' });
      continue;
    }
    if (field.type === 'number' && typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) value = Number(value);
    if (field.type === 'boolean' && (value === 'true' || value === 'false')) value = value === 'true';
    if (typeof value !== field.type) {
      throw new HearthError('INVALID_PARAMS', `input ${key} must be a ${field.type}, got ${shown(value)}`, { hint: field.description ?? '' });
    }
    const problem = fieldProblem(field, value as string | number | boolean);
    if (problem !== null) throw new HearthError('INVALID_PARAMS', `input ${key} ${problem}, got ${shown(value)}`, { hint: field.description ?? '' });
    out[key] = value as string | number | boolean;
  }
  return out;
}

/** The defaults of a schema: what package code sees for settings nobody has set (a required field without default stays unset). */
export function defaultSettings(schema: InputSchema): Record<string, string | number | boolean> {
  const out = dict<string | number | boolean>();
  for (const [key, field] of Object.entries(schema)) if (field.default !== undefined) out[key] = field.default;
  return out;
}

/** A value as an error message shows it: JSON, cut short (a value can be a whole pasted file). */
const MAX_SHOWN_CHARS = 100;
const shown = (value: unknown): string => {
  const json = JSON.stringify(value) ?? String(value);
  return json.length > MAX_SHOWN_CHARS ? `${json.slice(0, MAX_SHOWN_CHARS)}…` : json;
};
