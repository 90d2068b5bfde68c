import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';

/** Mount points at or under `prefix`, read from the host's mount table. */
export function mountsUnder(prefix: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((m) => m === prefix || m.startsWith(`${prefix}/`));
}

export function processAlive(pid: number): boolean {
  return existsSync(`/proc/${pid}`);
}

/** A process and all its descendants, from /proc (the children lists of each task). */
export function processTree(pid: number): number[] {
  const out: number[] = [];
  const visit = (p: number): void => {
    out.push(p);
    const taskDir = `/proc/${p}/task`;
    if (!existsSync(taskDir)) return;
    for (const task of readdirSync(taskDir)) {
      let children = '';
      try {
        children = readFileSync(join(taskDir, task, 'children'), 'utf8');
      } catch {
        continue; // the task exited while we looked
      }
      for (const c of children.split(' ').filter(Boolean)) visit(Number(c));
    }
  };
  visit(pid);
  return out;
}

export function hostUid(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('Uid:'));
  return Number(line?.split(/\s+/)[1]);
}

export async function containerRunning(lxcPath: string, name: string): Promise<boolean> {
  const result = await execa('lxc-info', ['-P', lxcPath, '-n', name, '-s', '-H'], { reject: false });
  return result.exitCode === 0 && result.stdout.trim() === 'RUNNING';
}

/** cgroup directories (any controller) whose name mentions the container. */
export function cgroupsOf(containerName: string): string[] {
  const root = '/sys/fs/cgroup';
  const found: string[] = [];
  for (const controller of readdirSync(root)) {
    let entries: string[] = [];
    try {
      entries = readdirSync(join(root, controller));
    } catch {
      continue;
    }
    for (const entry of entries) if (entry.includes(containerName)) found.push(join(controller, entry));
  }
  return found;
}
