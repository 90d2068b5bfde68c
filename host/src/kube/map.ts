import { checkNames, place, type ContainerContext } from './containers.js';
import { MANAGED_BY, type Caveat, type ExportInput, type ExportResult, type KubeObject } from './model.js';
import { configMap, namespaceObject, networkPolicies, secretObject, service } from './objects.js';
import { statefulSet, type PodNames } from './pod.js';
import { containerResources } from './resources.js';

/**
 * The Kubernetes objects of one hearth service. Pure: everything it needs (code's output, rendered
 * files, secret values, image references) is in `input`; what it cannot express exactly is a caveat.
 */
export function mapService(input: ExportInput): ExportResult {
  const { manifest } = input;
  checkNames(input);
  const placement = place(input);
  const caveats: Caveat[] = [];
  const app = manifest.id;
  const names: PodNames = {
    app,
    labels: { 'app.kubernetes.io/name': app, 'app.kubernetes.io/version': manifest.version, 'app.kubernetes.io/managed-by': MANAGED_BY },
    secretName: `${app}-secrets`,
    filesName: `${app}-files`,
    secretFilesName: `${app}-secret-files`,
  };
  // Rendered files: one key each, in the ConfigMap, or in a Secret when the content came from a secret.
  const fileKeys = new Map<string, { key: string; secret: boolean }>();
  const files: Record<string, string> = {};
  const secretFiles: Record<string, string> = {};
  input.files.forEach((f, i) => {
    const secret = f.secretsRead.length > 0;
    const key = `${f.daemon}.${i}`;
    fileKeys.set(`${f.daemon}:${f.path}`, { key, secret });
    (secret ? secretFiles : files)[key] = f.content;
  });
  const daemons = input.specs.filter((s) => s.kind === 'daemon').length;
  const ctx: ContainerContext = { input, placement, resources: containerResources(manifest, daemons, caveats), fileKeys, caveats };
  const hasFiles = Object.keys(files).length > 0;
  const hasSecretFiles = Object.keys(secretFiles).length > 0;
  const pod = statefulSet(ctx, names, hasFiles, hasSecretFiles);

  const secretNames = Object.keys(manifest.secrets);
  const known = Object.fromEntries(secretNames.filter((s) => Object.hasOwn(input.secrets, s)).map((s) => [s, input.secrets[s] ?? '']));
  for (const s of secretNames.filter((n) => !Object.hasOwn(known, n))) {
    caveats.push({ subject: s, message: `secret ${s} is set by the user in hearth: add it before the pod can start (kubectl -n hearth patch secret ${names.secretName} -p '{"stringData":{"${s}":"…"}}')` });
  }
  for (const d of Object.keys(manifest.dependencies)) {
    caveats.push({ subject: d, message: `dependency ${d}: export it too, into the same namespace; its Service answers at ${d}.hearth only when the namespace is "hearth"` });
  }

  const out: ExportResult['files'] = [{ name: 'namespace.yaml', objects: [namespaceObject()] }];
  const config: KubeObject[] = [];
  if (secretNames.length > 0) config.push(secretObject(names.secretName, names, known));
  if (hasSecretFiles) config.push(secretObject(names.secretFilesName, names, secretFiles));
  // The settings the export saw, for the record: `main` and the render functions already used them.
  const settingsData: Record<string, string> = Object.keys(input.settings).length > 0 ? { 'settings.json': `${JSON.stringify(input.settings, null, 2)}\n` } : {};
  if (hasFiles || Object.keys(settingsData).length > 0) config.push(configMap(names.filesName, names, { ...files, ...settingsData }));
  if (config.length > 0) out.push({ name: 'config.yaml', objects: config });
  const svc = service(manifest, names);
  if (svc !== null) out.push({ name: 'service.yaml', objects: [svc] });
  out.push({ name: 'networkpolicy.yaml', objects: networkPolicies(manifest, names) });
  out.push({ name: 'statefulset.yaml', objects: [pod] });

  const mapped = [
    `one StatefulSet of 1 replica, pod with shareProcessNamespace; /run and /dev/shm as emptyDir (memory)`,
    ...placement.init.map((s) => (s.kind === 'task' ? `task ${s.id}: init container` : `daemon ${s.id}: native sidecar (init container, restartPolicy Always${s.ready !== null ? ', startup probe' : ''}), since ${input.specs.filter((o) => o.requires.includes(s.id)).map((o) => o.id).join(', ')} require${input.specs.filter((o) => o.requires.includes(s.id)).length === 1 ? 's' : ''} it`)),
    ...placement.main.map((s) => `daemon ${s.id}: container`),
    ...manifest.volumes.map((v) => `volume ${v}: volumeClaimTemplate (ReadWriteOnce, ${'1Gi'}: change the size to fit)`),
    ...(svc !== null ? [`interfaces ${Object.keys(manifest.interfaces).join(', ')}: Service ${app}`] : []),
    ...(secretNames.length > 0 ? [`secrets ${secretNames.join(', ')}: Secret ${names.secretName}, files at /run/secrets/<name> in the daemons that name them${Object.keys(known).length > 0 ? ` (generated values: ${Object.keys(known).join(', ')}, made at export)` : ''}`] : []),
    ...(input.files.length > 0 ? [`files ${input.files.map((f) => `${f.daemon}:${f.path}`).join(', ')}: rendered at export time with settings ${JSON.stringify(input.settings)}, in ${hasFiles ? `ConfigMap ${names.filesName}` : ''}${hasFiles && hasSecretFiles ? ' and ' : ''}${hasSecretFiles ? `Secret ${names.secretFilesName}` : ''}; export again after changing a setting`] : []),
    `network: NetworkPolicies ${app}-ingress (interface ports only) and ${app}-egress (${manifest.network.outbound ? 'outbound allowed' : `DNS${Object.keys(manifest.dependencies).length > 0 ? ` and ${Object.keys(manifest.dependencies).join(', ')}` : ''} only`})`,
  ];
  return { files: out, mapped, caveats };
}
