import type { HealthCheckSpec } from '@hearth/sdk/contract';
import type { Caveat } from './model.js';

/** A startup probe gives a daemon this long to become ready before Kubernetes restarts it (hearth waits without a deadline). */
export const STARTUP_ALLOWANCE_S = 300;

export type Probe = Record<string, unknown>;

const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/** The probe action of a check, or null for a package function, which only hearth's runtime can call. */
function action(check: HealthCheckSpec): Probe | null {
  switch (check.kind) {
    case 'tcp':
      return { tcpSocket: { port: check.port } };
    case 'http':
      return { httpGet: { path: check.path, port: check.port } };
    case 'command':
      return { exec: { command: [...check.command] } };
    case 'function':
      return null;
  }
}

export interface DaemonProbes {
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
}

/**
 * Kubernetes probes from a daemon's checks: the ready check is its startup probe (which gates
 * what comes after a sidecar) and its readiness probe; the live check its liveness probe.
 */
export function probesOf(daemon: string, ready: HealthCheckSpec | null, live: HealthCheckSpec | null, caveats: Caveat[]): DaemonProbes {
  const out: DaemonProbes = {};
  const timing = (c: HealthCheckSpec): Probe => ({ periodSeconds: seconds(c.intervalMs), timeoutSeconds: seconds(c.timeoutMs), failureThreshold: c.failureThreshold });
  const unmappable = (c: HealthCheckSpec, which: string): void => {
    if (c.kind === 'function') caveats.push({ subject: daemon, message: `its ${which} check is a package function (${c.ref}), which runs only in hearth's runtime: no ${which} probe` });
    if (c.kind === 'http' && c.statuses !== null && c.statuses.some((s) => s < 200 || s > 399)) {
      caveats.push({ subject: daemon, message: `its ${which} check accepts statuses ${c.statuses.join(', ')}; a Kubernetes HTTP probe accepts 200-399` });
    }
  };
  if (ready !== null) {
    unmappable(ready, 'readiness');
    const a = action(ready);
    if (a !== null) {
      const period = seconds(ready.intervalMs);
      // hearth counts no failure during the grace period and then waits for readiness without a deadline.
      const startupFailures = Math.max(ready.failureThreshold, Math.ceil((STARTUP_ALLOWANCE_S + ready.gracePeriodMs / 1000) / period));
      out.startupProbe = { ...a, ...timing(ready), failureThreshold: startupFailures };
      out.readinessProbe = { ...a, ...timing(ready) };
    }
  }
  if (live !== null) {
    unmappable(live, 'liveness');
    const a = action(live);
    if (a !== null) out.livenessProbe = { ...a, ...timing(live) };
  }
  return out;
}

/** tcp and http checks connect to 127.0.0.1 in hearth, to the pod's address in Kubernetes. */
export function probeAddressCaveat(daemon: string, checks: (HealthCheckSpec | null)[]): Caveat | null {
  return checks.some((c) => c !== null && (c.kind === 'tcp' || c.kind === 'http'))
    ? { subject: daemon, message: 'its tcp/http checks connect to the pod address in Kubernetes (127.0.0.1 in hearth): the daemon must listen on 0.0.0.0 or the pod address' }
    : null;
}
