import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { HearthError, defaultSettings, dict, ownValue, type InputSchema, type ServiceConfig } from '@hearth/sdk/contract';

/** settings.json is hearthd's, small by construction; anything larger is not read. */
export const MAX_SETTINGS_FILE_BYTES = 256 * 1024;

export type Settings = ServiceConfig['settings'];

/**
 * The settings package code sees: the schema's defaults, overlaid with the stored values whose
 * key the schema has and whose type matches it. hearthd validated them; a value of a schema that
 * changed under it is dropped rather than handed to `main` with the wrong type.
 */
export function settingsFor(schema: InputSchema, stored: unknown): Settings {
  const out = dict<string | number | boolean>();
  Object.assign(out, defaultSettings(schema));
  if (typeof stored !== 'object' || stored === null) return out;
  for (const [key, field] of Object.entries(schema)) {
    const value = ownValue(stored as Record<string, unknown>, key);
    if (typeof value === field.type) out[key] = value as string | number | boolean;
  }
  return out;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The settings in `<hostDir>/settings.json` (`{ "settings": {...} }`) as hearthd wrote it before this start, or `{}` when there is none (an
 * older hearthd, or a service without settings). Opened without following a link and bounded.
 */
export async function readSettingsFile(file: string): Promise<Record<string, unknown>> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile() || info.size > MAX_SETTINGS_FILE_BYTES) {
      throw new HearthError('CONTAINER_FAILED', `${file} is not a regular file of at most ${MAX_SETTINGS_FILE_BYTES} bytes`, { hint: 'start the service again: hearthd writes it before each start' });
    }
    const text = await handle.readFile('utf8');
    const parsed: unknown = JSON.parse(text);
    const settings: unknown = isObject(parsed) ? parsed['settings'] : undefined;
    if (!isObject(settings)) {
      throw new HearthError('CONTAINER_FAILED', `${file} is not a JSON object with an object of settings`, { hint: 'start the service again: hearthd writes it before each start' });
    }
    return settings;
  } catch (error) {
    if (error instanceof HearthError) throw error;
    throw new HearthError('CONTAINER_FAILED', `${file} cannot be read as settings: ${(error as Error).message}`, { hint: 'start the service again: hearthd writes it before each start' });
  } finally {
    await handle.close();
  }
}
