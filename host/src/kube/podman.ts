import { HearthError } from '@hearth/sdk/contract';
import type { KubeObject } from './model.js';

interface PodTemplate {
  metadata: KubeObject['metadata'];
  spec: { initContainers?: { name: string; restartPolicy?: string }[]; volumes: Record<string, unknown>[] } & Record<string, unknown>;
}

/**
 * The StatefulSet's pod as a Pod for `podman kube play` (Podman 4.3 plays Pods, not StatefulSets):
 * each claim becomes a named Podman volume (a PersistentVolumeClaim, which kube play creates), the
 * objects beside it stay as they are. Podman 4.3 has no native sidecars, so a daemon that a task
 * requires cannot be expressed there: refused, naming it (Kubernetes 1.29+ runs it).
 */
export function podmanPod(set: KubeObject): KubeObject[] {
  const spec = set['spec'] as { template: PodTemplate; volumeClaimTemplates: { metadata: { name: string }; spec: Record<string, unknown> }[] };
  const template = structuredClone(spec.template);
  const sidecars = (template.spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always').map((c) => c.name);
  if (sidecars.length > 0) {
    throw new HearthError('KUBE_EXPORT_UNSUPPORTED', `Podman 4.3 has no native sidecars, and ${sidecars.join(', ')} must be ready before a later init container`, {
      hint: 'run it on Kubernetes 1.29 or later (the StatefulSet), or without --podman',
      details: { sidecars },
    });
  }
  const name = set.metadata.name;
  const claims = spec.volumeClaimTemplates.map((c): KubeObject => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: `${name}-${c.metadata.name}` }, spec: c.spec }));
  template.spec.volumes = [...template.spec.volumes, ...spec.volumeClaimTemplates.map((c) => ({ name: c.metadata.name, persistentVolumeClaim: { claimName: `${name}-${c.metadata.name}` } }))];
  // Under Always, Podman 4.3 starts a finished "always" init container again and again (measured: 300 runs a
  // minute); OnFailure runs each task once, and a daemon that exits 0 stays down (a caveat of this variant).
  const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { ...template.metadata, name }, spec: { ...template.spec, restartPolicy: 'OnFailure' } };
  return [...claims, pod];
}
