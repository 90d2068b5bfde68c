import { connect, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { DaemonStatus, ExecOutput, HookReport, LogEntry } from '@hearth/sdk/contract';
import { createLogger } from '../log.js';
import { RuntimeLink } from './runtime-link.js';
import { requestRuntime } from './runtime-results.js';

/** hearthd's end of a container's socket, attacked by a client playing a hostile runtime. */
describe('RuntimeLink with a hostile runtime', () => {
  let dir: string;
  let link: RuntimeLink;
  let runtime: Socket;
  let received: { states: DaemonStatus[]; logs: LogEntry[]; execs: ExecOutput[]; messages: (string | null)[]; hooks: HookReport[] };
  let warnings: string[];
  let fromHost: unknown[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hearth-link-'));
    received = { states: [], logs: [], execs: [], messages: [], hooks: [] };
    warnings = [];
    fromHost = [];
    const logger = createLogger({}, (line) => warnings.push(line) > 0);
    link = await RuntimeLink.listen(
      join(dir, 'host.sock'),
      'svc',
      0,
      {
        onDaemonState: (s) => received.states.push(s),
        onLog: (e) => {
          if (e.line === 'throw') throw new Error('handler failed');
          received.logs.push(e);
        },
        onExecOutput: (o) => received.execs.push(o),
        onMessage: (m) => received.messages.push(m.text),
        onHookReport: (r) => received.hooks.push(r),
        onDisconnect: () => undefined,
      },
      logger,
    );
    runtime = connect(join(dir, 'host.sock'));
    await new Promise((resolve) => runtime.once('connect', resolve));
    let rest = '';
    runtime.on('data', (d) => {
      const parts = (rest + d.toString()).split('\n');
      rest = parts.pop() ?? '';
      for (const part of parts) if (part) fromHost.push(JSON.parse(part));
    });
  });

  afterEach(async () => {
    runtime.destroy();
    await link.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const send = (value: unknown): boolean => runtime.write(`${typeof value === 'string' ? value : JSON.stringify(value)}\n`);
  const note = (method: string, params: unknown): boolean => send({ jsonrpc: '2.0', method, params });
  const hello = async (): Promise<void> => {
    send({ jsonrpc: '2.0', id: 1, method: 'runtime.hello', params: { runtimeVersion: '0', pid: 1 } });
    await link.waitConnected(new AbortController().signal, 5_000);
  };

  test('a hello with a deeply nested id or params is refused and a real hello still connects', async () => {
    send(`{"jsonrpc":"2.0","id":${'['.repeat(100_000)}${']'.repeat(100_000)},"method":"runtime.hello"}`);
    send(`{"jsonrpc":"2.0","id":{"a":1},"method":"runtime.hello"}`);
    send(`{"jsonrpc":"2.0","id":2,"method":"runtime.hello","params":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`);
    await hello();
    await expect.poll(() => fromHost.length).toBe(4);
    expect(fromHost.slice(0, 3)).toMatchObject([{ id: null, error: {} }, { id: null, error: {} }, { id: null, error: {} }]);
    expect(fromHost[3]).toMatchObject({ id: 1, result: { serviceId: 'svc' } });
  });

  test('notifications of the wrong shape are dropped; valid ones arrive bounded; a flood is logged a few times', async () => {
    await hello();
    note('runtime.daemonState', { id: { nested: [1] }, state: 'ready', since: 1 });
    note('runtime.daemonState', { id: 'web', state: 'ready', since: 1, message: 'x'.repeat(1_000_000) });
    note('runtime.log', { daemon: 'web', stream: 'stdout', line: 'l'.repeat(1_000_000), time: 2 });
    note('runtime.log', { daemon: 'web', stream: 'stdout', line: 'throw', time: 3 });
    note('runtime.log', 'just a string');
    note('runtime.execOutput', { execId: ['x'], stream: 'stdout', data: 'x' });
    note('runtime.execOutput', { execId: 'e', stream: 'stdout', data: 'ok' });
    for (let i = 0; i < 1000; i += 1) note(i % 2 ? '__proto__' : 'runtime.log', { constructor: i });
    send({ jsonrpc: '2.0', method: 'runtime.daemonState', params: { id: 'db', state: 'ready', since: 4 } });
    await expect.poll(() => received.states.length).toBe(2);
    expect(received.states[0]?.message?.length).toBe(4096);
    expect(received.logs.map((l) => l.line.length)).toEqual([16 * 1024]);
    expect(received.execs).toEqual([{ execId: 'e', stream: 'stdout', data: 'ok' }]);
    expect(warnings.length).toBeLessThanOrEqual(12);
    expect(link.runtime).not.toBeNull(); // still connected
  });

  test('status messages and hook reports arrive cut to their bounds; wrong shapes and unknown hooks are dropped', async () => {
    await hello();
    note('runtime.message', { text: 'm'.repeat(1_000_000) });
    note('runtime.message', { text: 42 });
    note('runtime.message', { text: null });
    note('runtime.hookReport', { hook: 'daemonCrashed', ok: false, error: 'e'.repeat(100_000), durationMs: 5, time: 6 });
    note('runtime.hookReport', { hook: '__proto__', ok: true, durationMs: 1, time: 1 });
    note('runtime.hookReport', { hook: 'daemonReady', ok: 'yes', durationMs: 1, time: 1 });
    note('runtime.hookReport', { hook: 'daemonReady', ok: true, durationMs: -1, time: 1 });
    note('runtime.daemonState', { id: 'web', state: 'ready', since: 1, secrets: ['db-password', { x: 1 }] });
    note('runtime.daemonState', { id: 'web', state: 'ready', since: 2, secrets: ['db-password'] });
    await expect.poll(() => received.states.length).toBe(1);
    expect(received.messages.map((m) => m?.length ?? null)).toEqual([1000, null]);
    expect(received.hooks).toHaveLength(1);
    expect(received.hooks[0]).toMatchObject({ hook: 'daemonCrashed', ok: false, durationMs: 5, time: 6 });
    expect(received.hooks[0]?.error?.length).toBe(4096);
    expect(received.states[0]?.secrets).toEqual(['db-password']);
  });

  test('a malformed answer to a request becomes CONTAINER_FAILED, not a crash', async () => {
    await hello();
    runtime.on('data', () => {
      const request = fromHost.find((m): m is { id: number; method: string } => (m as { method?: string }).method === 'runtime.status');
      if (request) send({ jsonrpc: '2.0', id: request.id, result: { daemons: [{ id: { deep: true }, state: 'ready' }] } });
    });
    const peer = link.runtime;
    if (!peer) throw new Error('not connected');
    await expect(requestRuntime(peer, 'runtime.status', {})).rejects.toMatchObject({ code: 'CONTAINER_FAILED' });
  });

  test('a second connection while the runtime is connected is closed', async () => {
    await hello();
    const second = connect(join(dir, 'host.sock'));
    await new Promise((resolve) => second.once('close', resolve));
    expect(link.runtime).not.toBeNull();
  });
});
