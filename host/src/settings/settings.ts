import { HearthError, describeField, dict, fieldProblem, ownValue, parseInput, type InputSchema, type SettingValue } from '@hearth/sdk/contract';

type InputField = InputSchema[string];

/**
 * A service's settings against its manifest's schema (the field types of action input). Pure:
 * what is stored comes in, what to store goes out, and nothing is stored on an error.
 */

export type Settings = Record<string, SettingValue>;

/** A string setting longer than this is refused (a manifest's default has the same bound). */
export const MAX_SETTING_CHARS = 4096;

const fits = (field: InputField, value: unknown): value is SettingValue =>
  typeof value === field.type &&
  (typeof value !== 'number' || Number.isFinite(value)) &&
  (typeof value !== 'string' || value.length <= MAX_SETTING_CHARS) &&
  fieldProblem(field, value as SettingValue) === null;

/**
 * The settings of a freshly installed or updated version: values that still fit the schema (type and limits) are
 * kept, fields without a value get their default, fields the schema no longer has are dropped.
 */
export function reconcileSettings(schema: InputSchema, stored: Settings | undefined): { settings: Settings; dropped: string[] } {
  const settings = dict<SettingValue>();
  for (const [key, field] of Object.entries(schema)) {
    const kept = stored === undefined ? undefined : ownValue(stored, key);
    if (kept !== undefined && fits(field, kept)) settings[key] = kept;
    else if (field.default !== undefined) settings[key] = field.default;
  }
  const dropped = Object.keys(stored ?? {}).filter((key) => !Object.hasOwn(settings, key));
  return { settings, dropped };
}

/** Required settings that have no value: the service does not start until they are set. */
export function missingSettings(schema: InputSchema, settings: Settings): string[] {
  return Object.entries(schema)
    .filter(([key, field]) => field.required === true && ownValue(settings, key) === undefined)
    .map(([key]) => key);
}

/**
 * `hearth config set`: every change checked and converted by the schema (strings from the CLI
 * become numbers and booleans), all or nothing; the error names the field, its type and the value.
 */
export function applySettingChanges(schema: InputSchema, current: Settings, changes: Record<string, SettingValue>, id: string): Settings {
  const keys = Object.keys(changes);
  if (keys.length === 0) throw new HearthError('INVALID_PARAMS', 'no settings to change', { hint: `hearth config set ${id} KEY=VALUE ...` });
  const next = dict<SettingValue>();
  Object.assign(next, current);
  for (const key of keys) {
    const field = Object.hasOwn(schema, key) ? schema[key] : undefined;
    if (field === undefined) {
      throw new HearthError('INVALID_PARAMS', `${id} has no setting ${JSON.stringify(key)}`, {
        hint: `settings: ${Object.keys(schema).join(', ') || 'none'} (hearth config get ${id})`,
        details: { field: key },
      });
    }
    let value: SettingValue;
    try {
      // parseInput converts and type-checks one field at a time; the rest of the schema is not asked for.
      value = parseInput({ [key]: { ...field, required: true } }, { [key]: ownValue(changes, key) })[key] as SettingValue;
    } catch (error) {
      // parseInput names the field and what is wrong with it ("input pageSize must be at least 1, got 0").
      const message = error instanceof Error ? error.message.replace(/^input /, 'setting ') : `setting ${key} must be ${describeField(field)}`;
      throw new HearthError('INVALID_PARAMS', message, {
        hint: field.description ?? `hearth config set ${id} ${key}=<${field.type}>`,
        details: { field: key, type: field.type },
        cause: error,
      });
    }
    if (!fits(field, value)) {
      throw new HearthError('INVALID_PARAMS', `setting ${key} is longer than ${MAX_SETTING_CHARS} characters`, { details: { field: key, type: field.type } });
    }
    next[key] = value;
  }
  return next;
}

/** Just the keys whose values differ: what a reconfiguration is about. */
export function changedKeys(before: Settings, after: Settings): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((key) => ownValue(before, key) !== ownValue(after, key));
}
