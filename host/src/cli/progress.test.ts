import { describe, expect, test } from 'vitest';
import type { HostEvent, InstallPhase } from '@hearth/sdk/contract';
import { installProgress } from './progress.js';

/** A stream that keeps what is written; a terminal or not. */
function stream(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const s = { isTTY, text: '', write: (chunk: string) => ((s.text += chunk), true) };
  return s as unknown as NodeJS.WriteStream & { text: string };
}

const MiB = 1024 * 1024;
const event = (phase: InstallPhase, bytes = 0, totalBytes = 0): HostEvent => ({ type: 'install.progress', path: '/x.hpk', phase, bytes, totalBytes });
const update: HostEvent[] = [event('copying', 8 * MiB, 16 * MiB), event('copying', 16 * MiB, 16 * MiB), event('verifying', 16 * MiB, 16 * MiB), event('committing'), event('starting'), event('done')];

describe('install progress', () => {
  test('not on a terminal: one line per step, for logs of scripted installs', () => {
    const out = stream(false);
    const show = installProgress(out);
    for (const e of update) show(e);
    expect(out.text).toBe('copying (16.0 MiB)\nverifying (16.0 MiB)\ncommitting\nstarting the new version\ndone\n');
  });

  test('on a terminal: a bar redrawn in place, words for steps without bytes, cleared when done', () => {
    const out = stream(true);
    const show = installProgress(out);
    for (const e of update) show(e);
    const frames = out.text.split('\r\x1b[2K').filter(Boolean);
    expect(frames).toEqual([
      `copying    [${'#'.repeat(15)}${'-'.repeat(15)}] 8.0 MiB / 16.0 MiB`,
      `copying    [${'#'.repeat(30)}] 16.0 MiB / 16.0 MiB`,
      `verifying  [${'#'.repeat(30)}] 16.0 MiB / 16.0 MiB`,
      'committing…',
      'starting the new version and waiting until it is ready…\n',
    ]);
    expect(out.text.endsWith('\r\x1b[2K')).toBe(true);
  });

  test('other events are not progress', () => {
    const out = stream(true);
    installProgress(out)({ type: 'package.installed', id: 'x', version: '1.0.0' });
    expect(out.text).toBe('');
  });
});
