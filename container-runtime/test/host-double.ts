import { createServer, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import type { DaemonStatus, ExecOutput, HookReport, LogEntry, RuntimeMethods } from '@hearth/sdk/contract';
import { createRpcPeer, type RpcPeer } from '@hearth/sdk/rpc';
import { alive } from './harness.js';

/** The runtime started as hearthd would, with this process playing hearthd on `host/host.sock`. */

export const RUNTIME_MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'main.js');
const HELLO_TIMEOUT_MS = 15_000;
const EXIT_WAIT_MS = 20_000;

export interface HostDouble {
  runtimePid: number;
  states: DaemonStatus[];
  logs: LogEntry[];
  outputs: ExecOutput[];
  reports: HookReport[];
  messages: (string | null)[];
  /** What the runtime wrote to its stdout and stderr so far (hearthd's runtime.log). */
  console(): string;
  call<M extends keyof RuntimeMethods>(method: M, params?: RuntimeMethods[M]['params'] | Record<string, never>): Promise<RuntimeMethods[M]['result']>;
  /** Run a command in a daemon and collect what it wrote. */
  exec(params: Omit<RuntimeMethods['runtime.exec']['params'], 'execId'>): Promise<RuntimeMethods['runtime.exec']['result'] & { stdout: string; stderr: string }>;
  /** SIGTERM the runtime (SIGKILL if it does not exit), close the socket. */
  close(): Promise<void>;
}

/**
 * Serve runtime.hello on `<media>/host/host.sock` and start the runtime as root in a private mount
 * and network namespace. With `sharedRun`, the media's /run is made a shared mount in that
 * namespace first, and its scratch too (as a host with systemd has them), so a mount under a
 * daemon's /run or root that is not kept private would show in every other daemon's.
 */
export async function startRuntime(media: string, options: { sharedRun?: boolean } = {}): Promise<HostDouble> {
  let peer: RpcPeer | null = null;
  const hellos: unknown[] = [];
  const double = { states: [] as DaemonStatus[], logs: [] as LogEntry[], outputs: [] as ExecOutput[], reports: [] as HookReport[], messages: [] as (string | null)[] };
  const server: Server = createServer((socket) => {
    const connection = createRpcPeer(socket, {
      onNotification: (method, params) => {
        if (method === 'runtime.daemonState') double.states.push(params as DaemonStatus);
        else if (method === 'runtime.log') double.logs.push(params as LogEntry);
        else if (method === 'runtime.execOutput') double.outputs.push(params as ExecOutput);
        else if (method === 'runtime.hookReport') double.reports.push(params as HookReport);
        else if (method === 'runtime.message') double.messages.push((params as { text: string | null }).text);
      },
    });
    connection.addMethod('runtime.hello', (params) => {
      hellos.push(params);
      peer = connection;
      return { serviceId: 'runtime-test' };
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(join(media, 'host', 'host.sock'), resolve);
  });
  const shared = (n: number) => `mount --bind "$${n}" "$${n}" && mount --make-shared "$${n}" && `;
  const prelude = options.sharedRun ? shared(1) + shared(2) : '';
  // sh execs node, so the pid held is the runtime's; its mounts stay in its namespace.
  const runtime = execa('unshare', ['--mount', '--propagation', 'private', '--net', 'sh', '-c', `${prelude}exec "$3" "$4"`, 'sh', join(media, 'run'), join(media, 'scratch'), process.execPath, RUNTIME_MAIN], {
    env: { HEARTH_MEDIA_DIR: media },
    reject: false,
    all: true,
  });
  const runtimePid = runtime.pid ?? -1;
  let consoleText = '';
  runtime.all?.on('data', (chunk: Buffer) => (consoleText += chunk.toString('utf8')));
  const deadline = Date.now() + HELLO_TIMEOUT_MS;
  while (hellos.length === 0 && Date.now() < deadline && alive(runtimePid)) await sleep(50);
  if (hellos.length === 0) throw new Error(`the runtime did not say hello: ${(await Promise.race([runtime, sleep(1_000)]))?.all ?? 'still running'}`);
  const call = <M extends keyof RuntimeMethods>(method: M, params: RuntimeMethods[M]['params'] | Record<string, never> = {}): Promise<RuntimeMethods[M]['result']> => {
    if (peer === null) throw new Error('the runtime has not connected');
    return peer.request<RuntimeMethods[M]['result']>(method, params, 30_000);
  };
  return {
    runtimePid,
    ...double,
    console: () => consoleText,
    call,
    exec: async (params) => {
      const execId = `x${Math.random()}`;
      const result = await call('runtime.exec', { timeoutMs: 5_000, ...params, execId });
      const text = (stream: string) => double.outputs.filter((o) => o.execId === execId && o.stream === stream).map((o) => o.data).join('');
      return { ...result, stdout: text('stdout'), stderr: text('stderr') };
    },
    close: async () => {
      if (alive(runtimePid)) {
        process.kill(runtimePid, 'SIGTERM');
        const exited = await Promise.race([runtime.then(() => true), sleep(EXIT_WAIT_MS).then(() => false)]);
        if (!exited) process.kill(runtimePid, 'SIGKILL');
      }
      await runtime;
      peer?.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
