import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { KubeObject } from './model.js';

/** Multi-document YAML: one `---` per object, keys in insertion order, no anchors (every object stands alone). */
export function toYaml(objects: readonly KubeObject[]): string {
  return objects.map((o) => `---\n${stringify(o, { aliasDuplicateObjects: false, lineWidth: 0 })}`).join('');
}

/** Files that may hold secret values are the owner's only. */
const SECRET_FILE_MODE = 0o600;
const FILE_MODE = 0o644;

export async function writeManifests(dir: string, files: readonly { name: string; objects: KubeObject[] }[], readme: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const f of files) {
    const secret = f.objects.some((o) => o.kind === 'Secret');
    const path = join(dir, f.name);
    await writeFile(path, toYaml(f.objects), { mode: secret ? SECRET_FILE_MODE : FILE_MODE });
    // An existing file keeps its mode through writeFile: a secret must not stay readable from an earlier export.
    await chmod(path, secret ? SECRET_FILE_MODE : FILE_MODE);
    written.push(f.name);
  }
  await writeFile(join(dir, 'README.md'), readme, { mode: FILE_MODE });
  return [...written, 'README.md'];
}
