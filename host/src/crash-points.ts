/**
 * Fault injection for the crash-safety tests: when HEARTH_CRASH_AT names this point, hearthd
 * kills itself with SIGKILL right here, as a power cut or an OOM kill would. Unset, it does nothing.
 */
export type CrashPoint =
  | 'install:copied'
  | 'install:verified'
  | 'install:committed'
  | 'install:recorded'
  | 'start:recorded'
  | 'start:container-started'
  | 'stop:recorded'
  | 'stop:daemons-stopped';

export function crashPoint(point: CrashPoint): void {
  if (process.env['HEARTH_CRASH_AT'] === point) process.kill(process.pid, 'SIGKILL');
}
