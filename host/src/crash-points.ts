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
  | 'start:runtime-connected'
  | 'start:container-started'
  | 'stop:recorded'
  | 'stop:daemons-stopped'
  // hearth restart of a running service, in its container: the daemons are stopped, not yet started.
  | 'restart:daemons-stopped'
  // An update of a running service, in order (install:committed and install:recorded fall between the first two).
  | 'update:old-stopped'
  | 'update:recorded'
  | 'update:new-started'
  | 'update:ready-recorded'
  // A restore: restic has written the snapshot beside the volumes; the swap is recorded (backup/restore-commit.ts).
  | 'restore:restored'
  | 'restore:committed'
  // A backup: the service's staging is made and restic is reading.
  | 'backup:reading';

export function crashPoint(point: CrashPoint): void {
  if (process.env['HEARTH_CRASH_AT'] === point) process.kill(process.pid, 'SIGKILL');
}
