import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, type ResultPromise } from 'execa';
import { HEARTHD, HEARTH_CLI } from './repo.js';

export const HEARTHD_READY_TIMEOUT_MS = 30_000;
export const HEARTHD_STOP_TIMEOUT_MS = 60_000;

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A hearthd of its own (data dir, socket, port range) for one test file; stop it with `await using`. */
export class TestHearthd implements AsyncDisposable {
  private constructor(
    readonly dir: string,
    readonly dataDir: string,
    readonly socket: string,
    private readonly process: ResultPromise,
    private output: () => string,
  ) {}

  static async start(portBase: number): Promise<TestHearthd> {
    const dir = await mkdtemp(join(tmpdir(), 'hearth-test-'));
    await chmod(dir, 0o711); // containers (unprivileged uids) must pass through to the data dir
    const dataDir = join(dir, 'data');
    const socket = join(dir, 'hearthd.sock');
    let output = '';
    const child = execa('node', [HEARTHD, '--data-dir', dataDir, '--socket', socket, '--port-base', String(portBase)], {
      reject: false,
      buffer: false,
      stdin: 'ignore',
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + HEARTHD_READY_TIMEOUT_MS;
    while (!existsSync(socket)) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`hearthd did not start:\n${output}`);
      }
      await sleep(50);
    }
    return new TestHearthd(dir, dataDir, socket, child, () => output);
  }

  get log(): string {
    return this.output();
  }

  /** Run the `hearth` CLI against this hearthd. */
  async cli(...args: string[]): Promise<CliResult> {
    const result = await execa('node', [HEARTH_CLI, '--socket', this.socket, ...args], { reject: false });
    return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
  }

  /** Run the CLI with --json and parse stdout, failing with stderr when the command failed. */
  async json<T>(...args: string[]): Promise<T> {
    const result = await this.cli('--json', ...args);
    if (result.exitCode !== 0) throw new Error(`hearth ${args.join(' ')} exited ${result.exitCode}: ${result.stdout}${result.stderr}`);
    return JSON.parse(result.stdout) as T;
  }

  async stop(): Promise<void> {
    if (this.process.exitCode === null) {
      this.process.kill('SIGTERM');
      const timer = setTimeout(() => this.process.kill('SIGKILL'), HEARTHD_STOP_TIMEOUT_MS);
      await this.process;
      clearTimeout(timer);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}
