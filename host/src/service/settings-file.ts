import { join } from 'node:path';
import { SETTINGS_FILE_NAME, type SettingValue } from '@hearth/sdk/contract';
import { writeFileAtomic } from '../store/atomic.js';

/**
 * settings.json in the service's host dir (host-owned, bound read-only: the container reads it and
 * can never replace it), so package code has the settings when it loads. Replaced atomically: the
 * runtime may read it while a change is written. Settings are not secret: readable by the container.
 */
export async function writeSettingsFile(hostDir: string, settings: Record<string, SettingValue>): Promise<void> {
  await writeFileAtomic(join(hostDir, SETTINGS_FILE_NAME), `${JSON.stringify({ settings })}\n`, 0o644);
}
