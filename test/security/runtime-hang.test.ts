import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ServiceStatus } from '@hearth/sdk/contract';
import { TestHearthd } from '../support/hearthd.js';
import { processAlive, processTree } from '../support/leftovers.js';
import { keygen, packDir } from '../support/packages.js';
import { FIXTURES, isRoot } from '../support/repo.js';
import { skipUnless } from '../support/require.js';

const ID = 'action-spin';
/** hearthd's liveness probe declares the runtime unresponsive 30 s after its first unanswered ask (asked every 10 s). */
const DECLARED_WITHIN_MS = 60_000;
const RECOVERED_WITHIN_MS = 60_000;
const POLL_MS = 250;

describe.skipIf(skipUnless({ root: isRoot }))('package code that blocks the container runtime forever is noticed, and the service restarted', () => {
  let work: string;
  let hearthd: TestHearthd;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hearth-runtime-hang-'));
    const key = await keygen(join(work, 'key.pem'));
    hearthd = await TestHearthd.start(19_000 + Math.floor(Math.random() * 10_000));
    await hearthd.trust(key);
    await hearthd.json('install', await packDir(join(FIXTURES, ID), '../supervision/build-images.sh', key, join(work, `${ID}.hpk`)));
  });

  afterAll(async () => {
    await hearthd?.cli('uninstall', ID, '--purge', '--yes');
    await hearthd?.[Symbol.asyncDispose]();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const status = () => hearthd.json<ServiceStatus>('status', ID);
  const serverAnswers = async (): Promise<void> => {
    expect((await hearthd.json<{ version: string }>('server')).version).toBe('0.1.0');
  };

  test('an action looping forever (`while (true) {}`): within a minute the status says the runtime is blocked, the container is killed, and the service runs again in a new one', async () => {
    const started = await hearthd.json<ServiceStatus>('start', ID);
    expect(started.ready).toBe(true);
    const before = started.container!.initPid;
    const oldTree = processTree(before);

    // Never answered while the runtime spins: fired, not awaited, until the runtime is gone.
    const action = hearthd.cli('action', ID, 'spin');
    const firedAt = Date.now();

    // hearthd keeps answering while the runtime is stuck, and the status names the cause.
    const messages = new Set<string>();
    for (;;) {
      await serverAnswers();
      const s = await status();
      if (s.message !== undefined) messages.add(s.message);
      if (s.message?.includes('has not answered')) break;
      if (Date.now() - firedAt > DECLARED_WITHIN_MS) throw new Error(`the stuck runtime went unnoticed for ${DECLARED_WITHIN_MS} ms; status: ${JSON.stringify(s)}\n${hearthd.logTail()}`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    expect([...messages].at(-1)).toBe('the container runtime has not answered for 30 s: package code (a hook, action, check or file render) is blocking it; the service is restarted');

    // Restarted in a new container, ready, its daemon answering; the stuck one is gone, every process of it.
    await expect
      .poll(async () => {
        await serverAnswers();
        const s = await status();
        return s.ready && s.container !== null && s.container.initPid !== before;
      }, { timeout: RECOVERED_WITHIN_MS, interval: POLL_MS })
      .toBe(true);
    const after = await status();
    expect(after.message).toBeUndefined();
    expect((await fetch(after.interfaces[0]!.url)).status).toBe(200);
    expect(oldTree.filter(processAlive)).toEqual([]);

    // The caller of the action got an error instead of waiting out the action timeout (10 min).
    const result = await action;
    expect(result.exitCode).not.toBe(0);
    expect(hearthd.log).toContain('the container runtime is unresponsive');
    expect(hearthd.log).toContain('not asking it to stop the daemons');
    expect(hearthd.log).toContain('restarting the service after a failure');
    await serverAnswers();
  });
});
