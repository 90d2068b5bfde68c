import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { MAX_SETTINGS_FILE_BYTES, readSettingsFile, settingsFor } from './settings.js';

describe('the settings package code sees', () => {
  const schema = { title: { type: 'string' as const, default: 'Notes' }, pageSize: { type: 'number' as const, default: 20 }, token: { type: 'string' as const } };

  test('stored values over the defaults; unknown keys and values of another type dropped', () => {
    expect(settingsFor(schema, { title: 'Mine', pageSize: 'many', gone: true })).toEqual({ title: 'Mine', pageSize: 20 });
    expect(settingsFor(schema, null)).toEqual({ title: 'Notes', pageSize: 20 });
  });

  test('settings.json: absent is {}, a link or an oversized or non-object file is refused naming it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hearth-settings-'));
    try {
      const file = join(dir, 'settings.json');
      expect(await readSettingsFile(file)).toEqual({});
      await writeFile(file, '{"settings":{"title":"From file"}}');
      expect(await readSettingsFile(file)).toEqual({ title: 'From file' });
      for (const bad of ['[1]', '{"title":"not inside settings"}', 'nope', ' '.repeat(MAX_SETTINGS_FILE_BYTES + 1)]) {
        await writeFile(file, bad);
        await expect(readSettingsFile(file)).rejects.toMatchObject({ code: 'CONTAINER_FAILED', message: expect.stringContaining(file) as string });
      }
      await rm(file);
      await writeFile(join(dir, 'elsewhere'), '{}');
      await symlink(join(dir, 'elsewhere'), file);
      await expect(readSettingsFile(file)).rejects.toThrow(/ELOOP/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
