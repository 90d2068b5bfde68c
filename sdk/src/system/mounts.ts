import { readFile } from 'node:fs/promises';

/** How long one `mount`/`umount` command may take, on the host and in a container. */
export const MOUNT_TIMEOUT_MS = 15_000;

/** One line of /proc/<pid>/mountinfo, as far as hearth needs it. */
export interface MountEntry {
  /** Where it is mounted, unescaped (`\040` is a space). */
  point: string;
  /** Per-mount options: `rw`, `nosuid`, `nodev`, … */
  options: string[];
}

function unescapeMountPath(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** The mount table in mountinfo's format (proc(5)): field 5 is the mount point, field 6 its options. */
export function parseMountInfo(text: string): MountEntry[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const fields = line.split(' ');
      return { point: unescapeMountPath(fields[4] ?? ''), options: (fields[5] ?? '').split(',') };
    });
}

/** The mount table of a process's mount namespace (this one by default), in mount order. */
export async function readMountTable(pid: number | 'self' = 'self'): Promise<MountEntry[]> {
  return parseMountInfo(await readFile(`/proc/${pid}/mountinfo`, 'utf8'));
}

/** Mount points at or below `prefix`, deepest first (the order to unmount them in). */
export function pointsUnder(table: readonly MountEntry[], prefix: string): string[] {
  return table
    .map((m) => m.point)
    .filter((m) => m === prefix || m.startsWith(`${prefix}/`))
    .sort((a, b) => b.length - a.length);
}
