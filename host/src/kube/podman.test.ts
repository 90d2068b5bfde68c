import { describe, expect, test } from 'vitest';
import { notesLike, input, spec, tcp } from './fixtures.js';
import { mapService } from './map.js';
import type { KubeObject } from './model.js';
import { podmanPod } from './podman.js';

const setOf = (r: ReturnType<typeof mapService>): KubeObject => {
  const set = r.files.flatMap((f) => f.objects).find((o) => o.kind === 'StatefulSet');
  if (set === undefined) throw new Error('no StatefulSet');
  return set;
};

describe('the Podman variant', () => {
  test('is the StatefulSet pod as a Pod, each claim a PersistentVolumeClaim that kube play makes a volume', () => {
    const i = input({ id: 'web', images: { main: { source: { type: 'directory', path: 'i' } } }, volumes: ['data'] }, [spec('init', { kind: 'task' }), spec('web', { requires: ['init'], ready: tcp(80) })]);
    const objects = podmanPod(setOf(mapService(i)));
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['PersistentVolumeClaim/web-data', 'Pod/web']);
    const pod = objects[1] as unknown as { metadata: { annotations: Record<string, string> }; spec: { volumes: unknown[]; restartPolicy: string } };
    expect(pod.spec.volumes).toContainEqual({ name: 'data', persistentVolumeClaim: { claimName: 'web-data' } });
    expect(pod.metadata.annotations['io.podman.annotations.init.container.type']).toBe('always');
    expect(pod.spec.restartPolicy).toBe('OnFailure');
  });

  test('a daemon a task requires (a native sidecar) is refused for Podman 4.3, naming it', () => {
    expect(() => podmanPod(setOf(mapService(notesLike())))).toThrow(/no native sidecars, and db must be ready/);
  });
});
