import type { DaemonSpec } from '@hearth/sdk/contract';
import { FILES_VOLUME, RUN_VOLUME, SECRET_FILES_VOLUME, SHM_VOLUME, containerOf, isRoot, secretsVolume, type ContainerContext } from './containers.js';
import { KUBE_NAMESPACE, type KubeObject } from './model.js';

/** A claim of this size per volume: the manifest says nothing of sizes. */
export const DEFAULT_VOLUME_SIZE = '1Gi';
/** Podman 4.3 removes "once" init containers racily; `always` keeps them (issue 18's measurement). */
export const PODMAN_INIT_ANNOTATION = 'io.podman.annotations.init.container.type';
const SECRET_MODE_ROOT = 0o400;
const SECRET_MODE_OTHER = 0o444;

export interface PodNames {
  app: string;
  labels: Record<string, string>;
  secretName: string;
  filesName: string;
  secretFilesName: string;
}

/** Volumes of the pod template: the shared tmpfs pair, rendered files, each daemon's secrets. */
function podVolumes(ctx: ContainerContext, names: PodNames, hasFiles: boolean, hasSecretFiles: boolean): Record<string, unknown>[] {
  const { input } = ctx;
  const volumes: Record<string, unknown>[] = [
    { name: RUN_VOLUME, emptyDir: { medium: 'Memory' } },
    { name: SHM_VOLUME, emptyDir: { medium: 'Memory' } },
  ];
  const items = (secret: boolean): Record<string, unknown>[] =>
    input.files.flatMap((f) => {
      const k = ctx.fileKeys.get(`${f.daemon}:${f.path}`);
      return k !== undefined && k.secret === secret ? [{ key: k.key, path: k.key, mode: f.mode }] : [];
    });
  if (hasFiles) volumes.push({ name: FILES_VOLUME, configMap: { name: names.filesName, items: items(false) } });
  if (hasSecretFiles) volumes.push({ name: SECRET_FILES_VOLUME, secret: { secretName: names.secretFilesName, items: items(true) } });
  for (const spec of input.specs) {
    if (spec.secrets.length === 0) continue;
    // hearth gives the file to the daemon's user (0400); a Secret's files are root's, so a non-root daemon needs them readable.
    const mode = isRoot(null, spec, input) ? SECRET_MODE_ROOT : SECRET_MODE_OTHER;
    volumes.push({ name: secretsVolume(spec.id), secret: { secretName: names.secretName, items: spec.secrets.map((s) => ({ key: s, path: s, mode })) } });
  }
  return volumes;
}

/** Longest stop of any daemon: Kubernetes stops the containers together, hearth in reverse waves. */
function gracePeriodS(specs: readonly DaemonSpec[]): number {
  return Math.ceil(Math.max(0, ...specs.map((s) => s.stopTimeoutMs)) / 1000);
}

export function statefulSet(ctx: ContainerContext, names: PodNames, hasFiles: boolean, hasSecretFiles: boolean): KubeObject {
  const { input, placement } = ctx;
  const initContainers = placement.init.map((s) => containerOf(ctx, s));
  const containers = placement.main.map((s) => containerOf(ctx, s));
  // Kubernetes ignores it; Podman then keeps its init containers instead of removing them while the pod starts.
  const annotations: Record<string, string> = placement.init.length > 0 ? { [PODMAN_INIT_ANNOTATION]: 'always' } : {};
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: names.app, namespace: KUBE_NAMESPACE, labels: names.labels },
    spec: {
      serviceName: names.app,
      replicas: 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': names.app } },
      template: {
        metadata: { labels: names.labels, ...(Object.keys(annotations).length > 0 && { annotations }) },
        spec: {
          shareProcessNamespace: true,
          // hearth gives daemons no service-discovery variables; a dependency is reached by name.
          enableServiceLinks: false,
          terminationGracePeriodSeconds: gracePeriodS(input.specs),
          ...(initContainers.length > 0 && { initContainers }),
          containers,
          volumes: podVolumes(ctx, names, hasFiles, hasSecretFiles),
        },
      },
      volumeClaimTemplates: input.manifest.volumes.map((v) => ({
        metadata: { name: v, labels: names.labels },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: DEFAULT_VOLUME_SIZE } } },
      })),
    },
  };
}
