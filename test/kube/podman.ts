import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';

const PODMAN_TIMEOUT_MS = 120_000;
const PAGE_POLL_MS = 200;

/**
 * Podman with storage of its own in `dir`, configured as bench/podman-compare.ts found it works
 * here: cgroupfs, runc, no network (the page is read inside the pod's network namespace), the
 * open file limit raised within what runc may set. `dispose` removes all it made.
 */
export class Podman implements AsyncDisposable {
  private constructor(private readonly dir: string) {}

  static async create(dir: string): Promise<Podman> {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'containers.conf'), '[containers]\nnetns="none"\ndefault_ulimits=["nofile=20000:20000","nproc=4096:4096"]\n[engine]\nevents_logger="file"\n');
    return new Podman(dir);
  }

  async run(args: string[]): Promise<string> {
    const r = await execa('podman', ['--root', join(this.dir, 'root'), '--runroot', join(this.dir, 'run'), '--cgroup-manager', 'cgroupfs', '--runtime', 'runc', ...args], {
      env: { CONTAINERS_CONF: join(this.dir, 'containers.conf') },
      timeout: PODMAN_TIMEOUT_MS,
      stdin: 'ignore',
    });
    return r.stdout;
  }

  /** An OCI image layout (`dir:tag`) as `ref` in Podman's storage, copied by skopeo as a user copies it to a registry. */
  async load(layout: string, ref: string): Promise<void> {
    const storage = `containers-storage:[overlay@${join(this.dir, 'root')}+${join(this.dir, 'run')}]${ref}`;
    await execa('skopeo', ['copy', '-q', `oci:${layout}`, storage], { timeout: PODMAN_TIMEOUT_MS, stdin: 'ignore' });
  }

  /** GET http://127.0.0.1:port/ from inside the container's network namespace, until it answers or the deadline. */
  async page(container: string, port: number, deadlineMs: number): Promise<string> {
    const pid = (await this.run(['inspect', '--format', '{{.State.Pid}}', container])).trim();
    const until = Date.now() + deadlineMs;
    for (;;) {
      const r = await execa('nsenter', ['-t', pid, '-n', 'busybox', 'wget', '-q', '-O', '-', `http://127.0.0.1:${port}/`], { reject: false, timeout: 5_000 });
      if (r.exitCode === 0) return r.stdout;
      if (Date.now() > until) throw new Error(`no page on port ${port} of ${container}: ${r.stderr}`);
      await sleep(PAGE_POLL_MS);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const args of [['pod', 'rm', '-af'], ['volume', 'prune', '-f'], ['rmi', '-af']]) await this.run(args).catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}
