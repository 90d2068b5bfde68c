import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, type ResultPromise } from 'execa';
import { HEARTHD, HEARTH_CLI } from './repo.js';
import { mountsUnder } from './leftovers.js';

export const HEARTHD_READY_TIMEOUT_MS = 30_000;
export const HEARTHD_STOP_TIMEOUT_MS = 60_000;

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * A hearthd of its own (data dir, socket, port range) for one test file; stop it with `await using`.
 * It can be killed with SIGKILL and started again on the same data dir, as after a crash.
 */
export class TestHearthd implements AsyncDisposable {
  private process: ResultPromise | null = null;
  private output = '';
  /** The hearthd and CLI run: this checkout's, or another's (`useCheckout`). */
  private programs = { hearthd: HEARTHD, cli: HEARTH_CLI };
  /** A network namespace the test made, hearthd runs in (its bridge and firewall live there). */
  private netns: string | null = null;

  private constructor(
    readonly dir: string,
    readonly dataDir: string,
    readonly socket: string,
    private readonly portBase: number,
    private readonly flags: string[],
  ) {}

  /** `flags`: more hearthd flags, such as `--listen-tcp`. */
  static async start(portBase: number, env: Record<string, string> = {}, flags: string[] = []): Promise<TestHearthd> {
    const hearthd = await TestHearthd.create(portBase, flags);
    await hearthd.launch(env);
    return hearthd;
  }

  /** Its dirs, not yet launched (to launch another checkout's hearthd first). */
  static async create(portBase: number, flags: string[] = []): Promise<TestHearthd> {
    const dir = await mkdtemp(join(tmpdir(), 'hearth-test-'));
    await chmod(dir, 0o711); // containers (unprivileged uids) must pass through to the data dir
    return new TestHearthd(dir, join(dir, 'data'), join(dir, 'hearthd.sock'), portBase, flags);
  }

  /** Run the hearthd and CLI built in another checkout (an older commit's worktree) from the next launch on. */
  useCheckout(root: string): void {
    this.programs = { hearthd: join(root, 'host/dist/hearthd.js'), cli: join(root, 'host/dist/cli/main.js') };
  }

  /**
   * Run hearthd in this network namespace from the next launch on. Without one, hearthd runs with
   * `--network none`: a test never builds a bridge or firewall in the host's own namespace.
   */
  useNetns(name: string): void {
    this.netns = name;
  }

  /** Start hearthd (again) on this data dir; `env` may set HEARTH_CRASH_AT. */
  async launch(env: Record<string, string> = {}): Promise<void> {
    await rm(this.socket, { force: true });
    // Another checkout's hearthd (an older commit) may predate --network, and had no bridge.
    const network = this.netns !== null || this.flags.includes('--network') || this.programs.hearthd !== HEARTHD ? [] : ['--network', 'none'];
    // No dashboard unless a test asks (`--web`): test hearthds would all want the same default port.
    const web = this.flags.includes('--web') || this.programs.hearthd !== HEARTHD ? [] : ['--web', 'off'];
    const command = ['node', this.programs.hearthd, '--data-dir', this.dataDir, '--socket', this.socket, '--port-base', String(this.portBase), ...network, ...web, ...this.flags];
    // nsenter, not `ip netns exec`: that also mounts a sysfs of the namespace over /sys, which hides
    // the cgroup mounts LXC needs.
    const [file = 'node', ...args] = this.netns === null ? command : ['nsenter', `--net=/run/netns/${this.netns}`, '--', ...command];
    const child = execa(file, args, {
      reject: false,
      buffer: false,
      stdin: 'ignore',
      env,
    });
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.process = child;
    const deadline = Date.now() + HEARTHD_READY_TIMEOUT_MS;
    while (!existsSync(this.socket)) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`hearthd did not start:\n${this.output}`);
      }
      await sleep(50);
    }
  }

  get log(): string {
    return this.output;
  }

  /** hearthd's last lines of output, for the message of a test that failed. */
  logTail(lines = 40): string {
    return this.output.split('\n').slice(-lines).join('\n');
  }

  /** In an afterEach: when the test failed, the step it was at and hearthd's last lines, on stderr. */
  reportFailure(context: { task: { result?: { state: string } } }, step: string): void {
    if (context.task.result?.state === 'fail') process.stderr.write(`failed at step ${step}; hearthd log:\n${this.logTail()}\n`);
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  /** Wait for hearthd to exit by itself (a crash point, a restart), then forget it: its exit code. */
  async exited(): Promise<number | undefined> {
    const result = await this.process;
    this.process = null;
    return result?.exitCode;
  }

  /** SIGKILL, as a crash would. */
  async kill9(): Promise<void> {
    this.process?.kill('SIGKILL');
    await this.exited();
  }

  /** Run the `hearth` CLI against this hearthd. */
  async cli(...args: string[]): Promise<CliResult> {
    const result = await execa('node', [this.programs.cli, '--socket', this.socket, ...args], { reject: false });
    return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
  }

  /** Run the CLI with `input` on its stdin (a secret's value: never on the command line). */
  async cliWithInput(input: string, ...args: string[]): Promise<CliResult> {
    const result = await execa('node', [this.programs.cli, '--socket', this.socket, ...args], { reject: false, input });
    return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
  }

  /** Trust the publisher key in `pem` on this host, as `hearth trust add` does. */
  async trust(pem: string): Promise<void> {
    await this.json('trust', 'add', pem, '--name', 'test publisher');
  }

  /** Run the CLI with --json and parse stdout, failing with stderr when the command failed. */
  async json<T>(...args: string[]): Promise<T> {
    const result = await this.cli('--json', ...args);
    if (result.exitCode !== 0) throw new Error(`hearth ${args.join(' ')} exited ${result.exitCode}: ${result.stdout}${result.stderr}`);
    return JSON.parse(result.stdout) as T;
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (child === null || child.exitCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), HEARTHD_STOP_TIMEOUT_MS);
    await child;
    clearTimeout(timer);
    this.process = null;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
    // A hearthd that did not stop cleanly (killed, or failed to start) leaves its data dir's own bind and the base.
    for (const mount of mountsUnder(this.dir).sort((a, b) => b.length - a.length)) await execa('umount', [mount], { reject: false });
    await rm(this.dir, { recursive: true, force: true });
  }
}
