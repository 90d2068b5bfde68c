import type { ExportResult } from './model.js';

/** The README written beside the manifests: what was mapped, what was not, how to apply it. */
export function readmeOf(id: string, version: string, result: ExportResult, images: { id: string; ref: string; layout: string | null }[]): string {
  const lines = [
    `# ${id} ${version} for Kubernetes`,
    '',
    'Written by `hearth kube export`. Needs Kubernetes 1.29 or later (native sidecars). Apply in order:',
    '',
    '```sh',
    ...images.filter((i) => i.layout !== null).map((i) => `skopeo copy oci:${i.layout} docker://${i.ref}`),
    ...result.files.filter((f) => f.name !== 'podman.yaml').map((f) => `kubectl apply -f ${f.name}`),
    '```',
    '',
    ...(result.files.some((f) => f.name === 'podman.yaml')
      ? ['Or on one machine with Podman (4.3 or later; images loaded with `podman load -i images/<id>` and tagged as below):', '', '```sh', 'podman kube play podman.yaml', '```', '']
      : []),
    '## Mapped',
    '',
    ...result.mapped.map((m) => `- ${m}`),
    ...images.map((i) => `- image ${i.id}: ${i.ref}${i.layout !== null ? ` (OCI layout in ${i.layout})` : ''}`),
    '',
    '## Not mapped, or mapped differently',
    '',
    ...(result.caveats.length === 0 ? ['- nothing'] : result.caveats.map((c) => `- ${c.subject}: ${c.message}`)),
    '',
  ];
  return lines.join('\n');
}
