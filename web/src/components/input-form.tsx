import { useRef, useState } from 'preact/hooks';
import type { InputField, InputSchema, SettingValue } from '@hearth/sdk/contract';
import { describeField } from '@hearth/sdk/input-limits';
import { ApiError } from '../api.js';
import { ErrorNote } from './state.js';
import { asError } from '../task.js';

export type FormValues = Record<string, SettingValue>;

/**
 * A form generated from a typed input schema (an action's input, a package's settings): a text box,
 * a number box or a checkbox per field, its description, its default. Values go to hearthd as typed
 * (numbers as the text entered, as the CLI sends them), so the schema's own check on the host
 * (sdk parseInput) decides, and its message is shown at the field it names.
 */
export function InputForm({
  schema,
  current,
  name,
  submitLabel,
  busyLabel,
  onlyChanged,
  onSubmit,
}: {
  schema: InputSchema;
  /** Values to start from (settings); else the defaults. */
  current?: FormValues;
  /** Names the form for screen readers and makes its ids unique on the page. */
  name: string;
  submitLabel: string;
  busyLabel: string;
  /** Send only fields that differ from `current` (settings); else every filled-in field (actions). */
  onlyChanged?: boolean;
  onSubmit: (values: Record<string, string | number | boolean>) => Promise<string>;
}) {
  const start = (key: string, field: InputField): string | boolean => {
    const value = current?.[key] ?? field.default;
    return field.type === 'boolean' ? value === true : value === undefined ? '' : String(value);
  };
  const [values, setValues] = useState<Record<string, string | boolean>>(() => Object.fromEntries(Object.entries(schema).map(([k, f]) => [k, start(k, f)])));
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<string | null>(null);
  const [error, setError] = useState<{ field: string | null; error: Error } | null>(null);
  const form = useRef<HTMLFormElement>(null);
  const id = (key: string): string => `${name.replace(/[^a-z0-9]+/gi, '-')}-${key}`;

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    const input: Record<string, string | number | boolean> = {};
    for (const [key, field] of Object.entries(schema)) {
      const value = values[key];
      if (value === undefined) continue;
      if (onlyChanged && value === start(key, field)) continue;
      // An empty box is "not given": the default applies, or the schema says it is required.
      if (value === '' && !onlyChanged) continue;
      input[key] = value;
    }
    if (onlyChanged && Object.keys(input).length === 0) {
      setError(null);
      setResult('Nothing changed.');
      return;
    }
    setBusy(true);
    setResult(null);
    setError(null);
    try {
      setResult(await onSubmit(input));
    } catch (e) {
      const err = asError(e);
      const field = fieldNamed(err, schema);
      setError({ field, error: err });
      if (field) form.current?.querySelector<HTMLElement>(`#${CSS.escape(id(field))}`)?.focus();
    } finally {
      setBusy(false);
    }
  };

  return (
    <form ref={form} class="form input-form" aria-label={name} onSubmit={(e) => void submit(e)} noValidate>
      {Object.entries(schema).map(([key, field]) => {
        const invalid = error?.field === key;
        const describedBy = [field.description ? `${id(key)}-desc` : '', invalid ? `${id(key)}-err` : ''].filter(Boolean).join(' ') || undefined;
        const label = (
          <span>
            {key}
            {field.required ? <span class="muted"> (required)</span> : null}
          </span>
        );
        return (
          <div class="field" key={key}>
            {field.type === 'boolean' ? (
              <label class="check">
                <input id={id(key)} type="checkbox" checked={values[key] === true} aria-describedby={describedBy} onChange={(e) => setValues({ ...values, [key]: e.currentTarget.checked })} />
                {label}
              </label>
            ) : (
              <label>
                {label}
                <input
                  id={id(key)}
                  type="text"
                  inputMode={field.type !== 'number' ? undefined : field.integer && (field.min ?? -1) >= 0 ? 'numeric' : 'decimal'}
                  value={values[key] as string}
                  placeholder={field.default !== undefined && current === undefined ? String(field.default) : undefined}
                  aria-required={field.required ? 'true' : undefined}
                  aria-invalid={invalid ? 'true' : undefined}
                  aria-describedby={describedBy}
                  onInput={(e) => setValues({ ...values, [key]: e.currentTarget.value })}
                />
              </label>
            )}
            {field.description ? (
              <p class="muted field-desc" id={`${id(key)}-desc`}>
                {field.description}
                {field.type === 'boolean' || describeField(field) === 'text' ? '' : ` (${describeField(field)})`}
              </p>
            ) : null}
            {invalid ? (
              <p class="field-error" id={`${id(key)}-err`}>
                {error.error.message}
              </p>
            ) : null}
          </div>
        );
      })}
      {error && error.field === null ? <ErrorNote error={error.error} /> : null}
      <div class="buttons">
        <button type="submit" class="primary" disabled={busy}>
          {submitLabel}
        </button>
      </div>
      <p class="progress" role="status" aria-live="polite">
        {busy ? (
          <>
            <span class="spinner" aria-hidden="true" /> {busyLabel}…
          </>
        ) : error?.field ? (
          `Refused: ${error.error.message}`
        ) : (
          result
        )}
      </p>
    </form>
  );
}

/** The field a validation message names ("input count must be a number", "setting title …"), if any. */
function fieldNamed(error: Error, schema: InputSchema): string | null {
  if (error instanceof ApiError && error.code !== undefined && error.code !== 'INVALID_PARAMS') return null;
  for (const key of Object.keys(schema)) {
    if (new RegExp(`\\b(?:input|setting) ${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`).test(error.message) || error.message.includes(`"${key}"`)) return key;
  }
  return null;
}
