import type { Manifest } from '@hearth/sdk/contract';
import { KUBE_NAMESPACE, type KubeObject } from './model.js';
import type { PodNames } from './pod.js';

/** A Service port name: IANA service name rules (15 characters, a letter, no leading/trailing -). */
const PORT_NAME_RE = /^(?=.*[a-z])[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/;
const DNS_PORT = 53;

const meta = (name: string, names: PodNames): KubeObject['metadata'] => ({ name, namespace: KUBE_NAMESPACE, labels: names.labels });

export function namespaceObject(): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: KUBE_NAMESPACE } };
}

/** The interfaces, at their own ports, under the package id: `<id>.hearth` from the pods of the namespace. */
export function service(manifest: Manifest, names: PodNames): KubeObject | null {
  const entries = Object.entries(manifest.interfaces);
  if (entries.length === 0) return null;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(names.app, names),
    spec: {
      selector: { 'app.kubernetes.io/name': names.app },
      ports: entries.map(([id, i]) => ({ name: PORT_NAME_RE.test(id) ? id : `port-${i.port}`, port: i.port, targetPort: i.port, protocol: 'TCP', ...(i.protocol === 'http' && { appProtocol: 'http' }) })),
    },
  };
}

export function secretObject(name: string, names: PodNames, data: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'Secret', metadata: meta(name, names), type: 'Opaque', stringData: data };
}

export function configMap(name: string, names: PodNames, data: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(name, names), data };
}

/**
 * hearth's nftables rules as NetworkPolicies: only the interfaces' ports are reachable; outbound
 * only when the manifest asks, else DNS and the pods of the declared dependencies.
 */
export function networkPolicies(manifest: Manifest, names: PodNames): KubeObject[] {
  const selector = { matchLabels: { 'app.kubernetes.io/name': names.app } };
  const ports = Object.values(manifest.interfaces).map((i) => ({ protocol: 'TCP', port: i.port }));
  const ingress: KubeObject = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta(`${names.app}-ingress`, names),
    spec: { podSelector: selector, policyTypes: ['Ingress'], ingress: ports.length > 0 ? [{ ports }] : [] },
  };
  const dependencies = Object.keys(manifest.dependencies).sort();
  const egressRules = manifest.network.outbound
    ? [{}]
    : [
        { ports: [{ protocol: 'UDP', port: DNS_PORT }, { protocol: 'TCP', port: DNS_PORT }] },
        ...dependencies.map((d) => ({ to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': d } } }] })),
      ];
  const egress: KubeObject = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta(`${names.app}-egress`, names),
    spec: { podSelector: selector, policyTypes: ['Egress'], egress: egressRules },
  };
  return [ingress, egress];
}
