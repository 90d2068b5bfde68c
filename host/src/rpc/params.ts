import { HearthError, ownValue } from '@hearth/sdk/contract';
import { preview } from '@hearth/sdk/rpc';

/** A small schema for RPC params: each field's type and whether it may be left out. */
type Kind = 'string' | 'boolean' | 'number' | 'string[]' | 'env' | 'input';
type Field = { kind: Kind; optional?: true; check?: (value: never) => string | null };
type Schema = Record<string, Field>;
type TypeOf<K extends Kind> = K extends 'string'
  ? string
  : K extends 'boolean'
    ? boolean
    : K extends 'string[]'
      ? string[]
      : K extends 'env'
        ? Record<string, string>
        : K extends 'input'
          ? Record<string, string | number | boolean>
          : number;
export type Parsed<S extends Schema> = {
  [F in keyof S as S[F]['optional'] extends true ? never : F]: TypeOf<S[F]['kind']>;
} & {
  [F in keyof S as S[F]['optional'] extends true ? F : never]?: TypeOf<S[F]['kind']>;
};

function invalid(method: string, message: string, details: Record<string, unknown>): HearthError {
  return new HearthError('INVALID_PARAMS', `${method}: ${message}`, { hint: 'see host/README.md for the method reference', details });
}

const DESCRIBE: Record<Kind, string> = {
  string: 'a string',
  boolean: 'a boolean',
  number: 'a number',
  'string[]': 'an array of strings',
  env: 'an object of string values',
  input: 'an object of string, number or boolean values',
};

/** Validate params at the boundary: unknown fields, missing fields and wrong types are all refused by name. */
export function parseParams<S extends Schema>(method: string, params: unknown, schema: S): Parsed<S> {
  const input = params === undefined || params === null ? {} : params;
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw invalid(method, 'params must be an object', { params: preview(input) });
  }
  const record = input as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    // Own keys only: `constructor` or `toString` must not pass as known because every object has them.
    if (!Object.hasOwn(schema, key)) throw invalid(method, `unknown param ${preview(key)}; expected ${Object.keys(schema).join(', ') || 'none'}`, { param: preview(key) });
  }
  for (const [key, field] of Object.entries(schema)) {
    const value = ownValue(record, key);
    if (value === undefined) {
      if (field.optional) continue;
      throw invalid(method, `missing param ${JSON.stringify(key)} (${field.kind})`, { param: key });
    }
    const ok =
      field.kind === 'string[]'
        ? Array.isArray(value) && value.every((v) => typeof v === 'string')
        : field.kind === 'env' || field.kind === 'input'
          ? typeof value === 'object' &&
            value !== null &&
            !Array.isArray(value) &&
            Object.values(value).every((v) => typeof v === 'string' || (field.kind === 'input' && (typeof v === 'number' || typeof v === 'boolean')))
          : typeof value === field.kind && (field.kind !== 'number' || Number.isFinite(value));
    if (!ok) {
      // Quoted cut short: the reply must not echo an unbounded value.
      throw invalid(method, `param ${JSON.stringify(key)} must be ${DESCRIBE[field.kind]}, got ${preview(value)}`, { param: key, value: preview(value) });
    }
    const problem = field.check?.(value as never);
    if (problem) throw invalid(method, `param ${JSON.stringify(key)}: ${problem}`, { param: key, value: preview(value) });
  }
  return record as Parsed<S>;
}

export const serviceId = {
  kind: 'string',
  check: (v: string) => (/^[a-z][a-z0-9-]{0,62}$/.test(v) ? null : 'expected a package id: lowercase letters, digits and dashes'),
} satisfies Field;

export const serviceIdOptional = { ...serviceId, optional: true } as const satisfies Field;
