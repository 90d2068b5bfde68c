import { defineHooks } from '@hearth/sdk';
import { manifest } from './manifest.js';

export const hooks = defineHooks<typeof manifest, 'db' | 'web'>({
  // Shown by `hearth status` until replaced.
  daemonCrashed: (ctx, crash) => {
    const how = crash.signal ?? `code ${crash.exitCode}`;
    ctx.setMessage(`${crash.daemon} exited (${how})${crash.restarting ? '; restarting' : ''}: ${crash.lastLines.at(-1) ?? ''}`);
  },
  daemonReady: (ctx, { daemon }) => {
    if (daemon === 'web') ctx.setMessage(null);
  },
  // Awaited before the daemons stop (at most HOOK_TIMEOUT_MS).
  beforeStop: async (ctx) => {
    await ctx.exec('web', ['node', '/opt/wiki/flush-queue.js']);
  },
  // Once, on the first start after an update, with both versions.
  afterUpdate: async (ctx, { from, to }) => {
    await ctx.writeFile('uploads', '/UPGRADED', `${from} -> ${to}\n`);
  },
});
