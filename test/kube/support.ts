import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { validateManifest, type ImageConfig } from '@hearth/sdk/contract';
import { bundlePackage, readPackageEntry } from '../../sdk/dist/pack/bundle.js';
import { DEFAULT_IMAGE_CONFIG } from '../../sdk/dist/pack/images/defaults.js';
import { inputFromModule } from '../../host/dist/kube/export.js';
import { mapService } from '../../host/dist/kube/map.js';
import type { ExportResult, KubeObject } from '../../host/dist/kube/model.js';
import { toYaml } from '../../host/dist/kube/write.js';

/**
 * A package folder exported without its images (none are built): its code bundled as hearth-pack
 * bundles it, the images' configs the defaults. What differs from an archive's export is only the
 * image configs and users named by name (which stay unresolved, a caveat).
 */
export async function exportFolder(dir: string): Promise<ExportResult> {
  const code = await bundlePackage(await readPackageEntry(dir), dir);
  const tmp = await mkdtemp(join(tmpdir(), 'hearth-kube-test-'));
  try {
    const file = join(tmp, 'index.mjs');
    await writeFile(file, code);
    const mod = (await import(pathToFileURL(file).href)) as { manifest: unknown };
    const manifest = validateManifest(mod.manifest);
    const configs = new Map<string, ImageConfig>(Object.keys(manifest.images).map((id) => [id, DEFAULT_IMAGE_CONFIG]));
    return mapService(await inputFromModule({ manifest, code, configs, what: dir }));
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The objects as a cluster would read them: written as YAML, parsed back. */
export function roundTrip(result: ExportResult): KubeObject[] {
  return result.files.flatMap((f) => parseAllDocuments(toYaml(f.objects)).map((d) => d.toJS() as KubeObject));
}
