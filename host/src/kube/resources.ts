import type { Manifest } from '@hearth/sdk/contract';
import type { Caveat } from './model.js';

/** A request below this is noise to a scheduler. */
const MIN_REQUEST_MIB = 16;

/**
 * hearth limits the service as a whole; Kubernetes 1.29 limits containers. So each container may
 * use up to the service's limit, and requests share it between the daemons that run together.
 */
export function containerResources(manifest: Manifest, daemons: number, caveats: Caveat[]): Record<string, unknown> {
  const r = manifest.resources;
  const share = Math.max(MIN_REQUEST_MIB, Math.floor(r.memoryMiB / Math.max(1, daemons)));
  caveats.push({ subject: 'service', message: `memory ${r.memoryMiB} MiB is each container's limit (hearth: the whole service's); requests ${share} MiB each` });
  caveats.push({ subject: 'service', message: `pids ${r.pids}: Kubernetes sets the process limit per node (kubelet podPidsLimit), not per pod` });
  return {
    limits: { memory: `${r.memoryMiB}Mi`, 'ephemeral-storage': `${r.scratchMiB}Mi`, ...(r.cpus !== null && { cpu: String(r.cpus) }) },
    requests: { memory: `${share}Mi` },
  };
}
