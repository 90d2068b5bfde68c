import type { InputField } from './input.js';

// A field's limits, checked and put in words. Its own module, with nothing but types imported, so
// the dashboard's bundle shows the same words without the rest of the sdk.

/** What a value of the right type still breaks in its field's limits, in words ("must be at least 1"), or null. */
export function fieldProblem(field: InputField, value: string | number | boolean): string | null {
  if (field.type === 'number' && typeof value === 'number') {
    if (field.integer && !Number.isInteger(value)) return 'must be a whole number';
    if (field.min !== undefined && value < field.min) return `must be at least ${field.min}`;
    if (field.max !== undefined && value > field.max) return `must be at most ${field.max}`;
  }
  if (field.type === 'string' && typeof value === 'string' && field.maxLength !== undefined && value.length > field.maxLength) {
    return `must be at most ${field.maxLength} characters`;
  }
  return null;
}

/** A field's type and limits in words, for forms and `hearth actions`: "a whole number from 1 to 100". */
export function describeField(field: InputField): string {
  if (field.type === 'number') {
    const kind = field.integer ? 'a whole number' : 'a number';
    if (field.min !== undefined && field.max !== undefined) return `${kind} from ${field.min} to ${field.max}`;
    if (field.min !== undefined) return `${kind}, at least ${field.min}`;
    if (field.max !== undefined) return `${kind}, at most ${field.max}`;
    return kind;
  }
  if (field.type === 'string') return field.maxLength === undefined ? 'text' : `text of at most ${field.maxLength} characters`;
  return 'yes or no';
}

