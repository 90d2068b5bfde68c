import { spawnSync } from 'node:child_process';

/** The uid and gid of `nobody`: an unprivileged host user, as an attacker on the host would be. */
export const NOBODY = 65_534;

/** Run `file` as nobody (no supplementary groups); the errno code when it cannot even be executed. */
export function execAsNobody(file: string, args: string[] = []): string | undefined {
  const result = spawnSync(file, args, { uid: NOBODY, gid: NOBODY, timeout: 10_000 });
  const error: unknown = result.error;
  return (error as NodeJS.ErrnoException | undefined)?.code;
}
