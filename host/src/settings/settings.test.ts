import { expect, test } from 'vitest';
import type { InputSchema } from '@hearth/sdk/contract';
import { applySettingChanges, changedKeys, missingSettings, reconcileSettings } from './settings.js';

const schema: InputSchema = {
  title: { type: 'string', default: 'Notes' },
  pageSize: { type: 'number', default: 20, description: 'notes per page' },
  debug: { type: 'boolean', default: false },
  adminEmail: { type: 'string', required: true },
};

test('an install fills defaults; an update keeps values that still fit, drops removed and retyped ones', () => {
  expect(reconcileSettings(schema, undefined).settings).toEqual({ title: 'Notes', pageSize: 20, debug: false });
  const updated = reconcileSettings({ ...schema, pageSize: { type: 'string', default: 'twenty' } }, { title: 'Mine', pageSize: 50, gone: 1, adminEmail: 'a@b' });
  expect(updated.settings).toEqual({ title: 'Mine', pageSize: 'twenty', debug: false, adminEmail: 'a@b' });
  expect(updated.dropped.sort()).toEqual(['gone']);
});

test('a required setting without a value is reported missing', () => {
  expect(missingSettings(schema, reconcileSettings(schema, undefined).settings)).toEqual(['adminEmail']);
  expect(missingSettings(schema, { adminEmail: 'x' })).toEqual([]);
});

test('changes from the CLI are converted by type; the result is a new object', () => {
  const current = { title: 'Notes', pageSize: 20, debug: false };
  const next = applySettingChanges(schema, current, { pageSize: '50', debug: 'true', title: 'My notes' }, 'notes');
  expect(next).toEqual({ title: 'My notes', pageSize: 50, debug: true });
  expect(current.pageSize).toBe(20);
  expect(changedKeys(current, next).sort()).toEqual(['debug', 'pageSize', 'title']);
});

test('a bad value names the field, its type and the value; an unknown key names the settings there are', () => {
  const current = { title: 'Notes', pageSize: 20 };
  expect(() => applySettingChanges(schema, current, { title: 'ok', pageSize: 'many' }, 'notes')).toThrow(/setting pageSize must be a number, got "many"/);
  expect(() => applySettingChanges(schema, current, { debug: 'yes' }, 'notes')).toThrow(/setting debug must be a boolean/);
  expect(() => applySettingChanges(schema, current, { nope: '1' }, 'notes')).toThrow(expect.objectContaining({ code: 'INVALID_PARAMS', message: 'notes has no setting "nope"' }));
  expect(() => applySettingChanges(schema, current, { constructor: '1' }, 'notes')).toThrow(/no setting "constructor"/);
  expect(() => applySettingChanges(schema, current, {}, 'notes')).toThrow(/no settings to change/);
  expect(() => applySettingChanges(schema, current, { title: 'x'.repeat(5000) }, 'notes')).toThrow(/longer than 4096/);
});

test("a value outside a field's limits is refused in the limit's words; an update drops a kept value the new limits refuse", () => {
  const limited: InputSchema = { pageSize: { type: 'number', default: 20, min: 1, max: 100, integer: true }, title: { type: 'string', maxLength: 8 } };
  const current = { pageSize: 20 };
  expect(() => applySettingChanges(limited, current, { pageSize: '0' }, 'notes')).toThrow('setting pageSize must be at least 1, got 0');
  expect(() => applySettingChanges(limited, current, { pageSize: '101' }, 'notes')).toThrow('setting pageSize must be at most 100, got 101');
  expect(() => applySettingChanges(limited, current, { pageSize: '2.5' }, 'notes')).toThrow('setting pageSize must be a whole number, got 2.5');
  expect(() => applySettingChanges(limited, current, { title: 'far too long' }, 'notes')).toThrow('setting title must be at most 8 characters, got "far too long"');
  expect(applySettingChanges(limited, current, { pageSize: '100' }, 'notes')).toEqual({ pageSize: 100 });
  expect(reconcileSettings(limited, { pageSize: 500, title: 'short' }).settings).toEqual({ pageSize: 20, title: 'short' });
});
