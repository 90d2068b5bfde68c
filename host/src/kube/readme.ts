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
    ...result.files.map((f) => `kubectl apply -f ${f.name}`),
    '```',
    '',
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
