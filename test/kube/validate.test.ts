import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { allChecks, notesLike } from '../../host/dist/kube/fixtures.js';
import { mapService } from '../../host/dist/kube/map.js';
import type { KubeObject } from '../../host/dist/kube/model.js';
import { REPO } from '../support/repo.js';
import { exportFolder, roundTrip } from './support.js';

/**
 * The exported objects against the Kubernetes API schemas of kubernetes-models 4.5 (Kubernetes
 * 1.31's OpenAPI: native sidecars, ImageVolumeSource), after a YAML round trip.
 */
const KINDS: Record<string, (o: KubeObject) => { validate(): void }> = {
  Namespace: (o) => new Namespace(o),
  Service: (o) => new Service(o),
  Secret: (o) => new Secret(o),
  ConfigMap: (o) => new ConfigMap(o),
  NetworkPolicy: (o) => new NetworkPolicy(o),
  StatefulSet: (o) => new StatefulSet(o),
};

function validateAll(objects: KubeObject[]): string[] {
  return objects.map((o) => {
    const make = KINDS[o.kind];
    if (make === undefined) throw new Error(`no schema for ${o.kind}`);
    make(o).validate();
    return `${o.kind}/${o.metadata.name}`;
  });
}

describe('exported objects validate against the Kubernetes 1.29+ schemas', () => {
  test('hello-world: namespace, service, network policies and the stateful set', async () => {
    const names = validateAll(roundTrip(await exportFolder(join(REPO, 'packages-examples/hello-world'))));
    expect(names).toEqual(['Namespace/hearth', 'Service/hello-world', 'NetworkPolicy/hello-world-ingress', 'NetworkPolicy/hello-world-egress', 'StatefulSet/hello-world']);
  });

  test('notes: its tasks, the database as a native sidecar, the secret and the rendered pg_hba.conf', async () => {
    const result = await exportFolder(join(REPO, 'packages-examples/notes'));
    const objects = roundTrip(result);
    expect(validateAll(objects)).toContain('Secret/notes-secrets');
    const set = objects.find((o) => o.kind === 'StatefulSet') as unknown as { spec: { template: { spec: { initContainers: { name: string; restartPolicy?: string }[] } } } };
    expect(set.spec.template.spec.initContainers.map((c) => `${c.name}${c.restartPolicy === 'Always' ? ' (sidecar)' : ''}`)).toEqual(['prepare-files', 'db-dirs', 'initdb', 'db (sidecar)', 'db-password', 'migrate']);
  });

  test('a package with every kind of health check: tcp, http, command as probes; the function checks named in the caveats', async () => {
    const result = await exportFolder(join(REPO, 'test/fixtures/kube-checks'));
    expect(validateAll(roundTrip(result))).toContain('StatefulSet/kube-checks');
    expect(result.caveats.filter((c) => c.subject === 'fn').length).toBe(2);
    expect(result.caveats.some((c) => c.message.includes('api-key'))).toBe(true);
    const text = roundTrip(result).find((o) => o.kind === 'Secret' && o.metadata.name === 'kube-checks-secret-files') as unknown as { stringData: Record<string, string> };
    expect(Object.values(text.stringData)[0]).toMatch(/^token=\w{24}\n$/);
  });

  test('the unit fixtures validate too, and the validator does reject a malformed object', () => {
    validateAll(roundTrip(mapService(notesLike())));
    validateAll(roundTrip(mapService(allChecks())));
    const set = roundTrip(mapService(notesLike())).find((o) => o.kind === 'StatefulSet') as unknown as { spec: { template: { spec: { containers: { ports?: unknown }[] } } } };
    const first = set.spec.template.spec.containers[0];
    if (first !== undefined) first.ports = [{ containerPort: 'eighty' }];
    expect(() => validateAll([set as unknown as KubeObject])).toThrow(/containerPort/);
  });
});
