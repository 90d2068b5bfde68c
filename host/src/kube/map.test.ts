import { describe, expect, test } from 'vitest';
import { allChecks, fn, input, notesLike, spec, tcp } from './fixtures.js';
import { mapService } from './map.js';
import type { KubeObject } from './model.js';

/** The parts of the objects the tests read. */
interface Probe { tcpSocket?: unknown; httpGet?: unknown; exec?: { command: string[] } }
interface Container { name: string; restartPolicy?: string; startupProbe: Probe; readinessProbe?: Probe; livenessProbe: Probe; volumeMounts: { mountPath: string }[]; securityContext?: unknown; resources: { limits: Record<string, string> } }
interface Pod { initContainers: Container[]; containers: Container[]; volumes: unknown[]; shareProcessNamespace: boolean; terminationGracePeriodSeconds: number }
interface Loose {
  stringData: Record<string, string>;
  data: Record<string, string>;
  spec: { ingress: unknown; egress: unknown[]; ports: unknown; volumeClaimTemplates: { metadata: { name: string } }[]; template: { spec: Pod } };
}

const objects = (r: ReturnType<typeof mapService>): KubeObject[] => r.files.flatMap((f) => f.objects);
const find = (r: ReturnType<typeof mapService>, kind: string, name?: string): Loose => {
  const o = objects(r).find((x) => x.kind === kind && (name === undefined || x.metadata.name === name));
  if (o === undefined) throw new Error(`no ${kind} ${name ?? ''}`);
  return o as unknown as Loose;
};
function codeOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return (error as { code?: unknown }).code;
  }
  return null;
}
const podOf = (r: ReturnType<typeof mapService>): Pod => find(r, 'StatefulSet').spec.template.spec;
const at = <T>(list: T[], i: number): T => {
  const v = list[i];
  if (v === undefined) throw new Error(`no item ${i}`);
  return v;
};

describe('kube export mapping', () => {
  test('tasks are init containers in graph order, and a daemon a later task requires is a native sidecar with a startup probe', () => {
    const pod = podOf(mapService(notesLike()));
    expect(pod.initContainers.map((c) => c.name)).toEqual(['db-dirs', 'initdb', 'db', 'db-password', 'migrate']);
    const db = at(pod.initContainers, 2);
    expect(db.restartPolicy).toBe('Always');
    expect(db.startupProbe.exec?.command).toEqual(['pg_isready']);
    expect(at(pod.initContainers, 0).restartPolicy).toBeUndefined();
    expect(pod.containers.map((c) => c.name)).toEqual(['web']);
    expect(pod.shareProcessNamespace).toBe(true);
    expect(pod.volumes.slice(0, 2)).toEqual([{ name: 'run', emptyDir: { medium: 'Memory' } }, { name: 'dev-shm', emptyDir: { medium: 'Memory' } }]);
    expect(pod.terminationGracePeriodSeconds).toBe(60);
  });

  test('a daemon another daemon requires starts first as a sidecar, so it is ready before its dependent starts', () => {
    const r = mapService(input({ id: 'sp', images: { main: { source: { type: 'directory', path: 'i' } } } }, [spec('checker', { ready: tcp(1) }), spec('web', { requires: ['checker'] })]));
    const pod = podOf(r);
    expect(pod.initContainers.map((c) => [c.name, c.restartPolicy])).toEqual([['checker', 'Always']]);
    expect(pod.containers.map((c) => c.name)).toEqual(['web']);
  });

  test('secrets are one Secret, mounted as files at /run/secrets only in the daemons that name them', () => {
    const r = mapService(notesLike());
    expect(find(r, 'Secret', 'notes-secrets').stringData).toEqual({ 'db-password': 'x'.repeat(32) });
    const pod = podOf(r);
    const web = at(pod.containers, 0);
    expect(web.volumeMounts).toContainEqual({ name: 'secrets-web', mountPath: '/run/secrets', readOnly: true });
    expect(pod.volumes).toContainEqual({ name: 'secrets-web', secret: { secretName: 'notes-secrets', items: [{ key: 'db-password', path: 'db-password', mode: 0o400 }] } });
    // The postgres user is not root: the file must be readable by it.
    expect(pod.volumes).toContainEqual({ name: 'secrets-db-password', secret: { secretName: 'notes-secrets', items: [{ key: 'db-password', path: 'db-password', mode: 0o444 }] } });
    expect(at(pod.initContainers, 0).volumeMounts.some((m) => m.mountPath === '/run/secrets')).toBe(false);
  });

  test('rendered files and the settings go in a ConfigMap, each file mounted at its path with its mode', () => {
    const r = mapService(notesLike());
    const cm = find(r, 'ConfigMap', 'notes-files');
    expect(cm.data['db.0']).toBe('local all postgres peer\n');
    expect(JSON.parse(cm.data['settings.json'] ?? 'null')).toEqual({ title: 'Notes' });
    const db = at(podOf(r).initContainers, 2);
    expect(db.volumeMounts).toContainEqual({ name: 'files', mountPath: '/etc/notes/pg_hba.conf', subPath: 'db.0', readOnly: true });
    expect(podOf(r).volumes).toContainEqual({ name: 'files', configMap: { name: 'notes-files', items: [{ key: 'db.0', path: 'db.0', mode: 0o600 }] } });
    expect(r.mapped.some((m) => m.includes('rendered at export time'))).toBe(true);
  });

  test('volumes are claim templates, a named user is resolved to numbers, resources are limits', () => {
    const r = mapService(notesLike());
    const set = find(r, 'StatefulSet');
    expect(set.spec.volumeClaimTemplates.map((v) => v.metadata.name)).toEqual(['db', 'files']);
    const db = at(podOf(r).initContainers, 2);
    expect(db.securityContext).toEqual({ runAsUser: 100, runAsGroup: 102 });
    expect(db.resources.limits.memory).toBe('512Mi');
    expect(r.caveats.some((c) => c.subject === 'db' && c.message.includes('SIGINT'))).toBe(true);
  });

  test('every kind of health check becomes a probe, and a function check is reported, not dropped', () => {
    const r = mapService(allChecks());
    const byName = new Map(podOf(r).containers.map((c) => [c.name, c]));
    const c = (name: string): Container => byName.get(name) ?? at([] as Container[], 0);
    expect(c('tcp').readinessProbe?.tcpSocket).toEqual({ port: 80 });
    expect(c('tcp').livenessProbe.tcpSocket).toEqual({ port: 80 });
    expect(c('http').readinessProbe?.httpGet).toEqual({ path: '/ready', port: 81 });
    expect(c('http').livenessProbe.httpGet).toEqual({ path: '/live', port: 81 });
    expect(c('cmd').startupProbe.exec?.command).toEqual(['test', '-f', '/run/ok']);
    expect(c('fn').readinessProbe).toBeUndefined();
    expect(r.caveats.filter((c) => c.subject === 'fn').map((c) => c.message)).toEqual([expect.stringContaining('readiness check is a package function'), expect.stringContaining('liveness check is a package function')]);
  });

  test('the network rules are NetworkPolicies: interface ports in; DNS and the dependencies out', () => {
    const r = mapService(allChecks());
    expect(find(r, 'NetworkPolicy', 'checks-ingress').spec.ingress).toEqual([{ ports: [{ protocol: 'TCP', port: 80 }] }]);
    const egress = find(r, 'NetworkPolicy', 'checks-egress').spec.egress;
    expect(egress).toContainEqual({ to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'hello-world' } } }] });
    expect(egress).not.toContainEqual({});
    expect(find(r, 'Service', 'checks').spec.ports).toEqual([{ name: 'a', port: 80, targetPort: 80, protocol: 'TCP', appProtocol: 'http' }]);
  });

  test('a daemon whose readiness is a package function and that a task waits for is refused with the reason', () => {
    const i = input({ id: 'x', images: { main: { source: { type: 'directory', path: 'i' } } } }, [spec('db', { ready: fn('db.ready') }), spec('migrate', { kind: 'task', requires: ['db'] })]);
    expect(() => mapService(i)).toThrow(/migrate wait for daemon db to be ready/);
    expect(codeOf(() => mapService(i))).toBe('KUBE_EXPORT_UNSUPPORTED');
  });

  test('a daemon id that cannot be a container name is refused, naming it', () => {
    const i = input({ id: 'x', images: { main: { source: { type: 'directory', path: 'i' } } } }, [spec('Web_1')]);
    expect(() => mapService(i)).toThrow(/"Web_1"/);
    expect(codeOf(() => mapService(i))).toBe('KUBE_EXPORT_UNSUPPORTED');
  });
});
