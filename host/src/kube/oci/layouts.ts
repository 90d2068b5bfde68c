import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { HearthError, type ImageConfig } from '@hearth/sdk/contract';
import { writeLayer } from './layer.js';
import { writeLayout } from './layout.js';

/** Unpacking a big image (a Debian with PostgreSQL) takes seconds; minutes mean something is wrong. */
const UNSQUASHFS_TIMEOUT_MS = 10 * 60_000;

/** Per image: its layout as `images/<id>:<tag>`, and the entries a layer cannot hold (device nodes, fifos, sockets). */
export interface ImageLayouts {
  layouts: Map<string, string>;
  skipped: Map<string, string[]>;
}

export interface ImageToExport {
  id: string;
  /** The full reference; its tag names the image in the layout. */
  ref: string;
  /** Where the image's squashfs starts in the archive. */
  offset: number;
  config: ImageConfig;
}

/**
 * Each image of the archive as an OCI image layout in `out/images/<id>`: its squashfs unpacked
 * (straight from the archive, at its offset) into a temporary folder, written as one layer.
 * `images/<id>:<tag>` is what `skopeo copy oci:…` takes.
 */
export async function writeImageLayouts(input: { archive: string; images: ImageToExport[]; out: string }): Promise<ImageLayouts> {
  const layouts = new Map<string, string>();
  const skipped = new Map<string, string[]>();
  await mkdir(join(input.out, 'images'), { recursive: true });
  for (const image of input.images) {
    const tag = image.ref.slice(image.ref.lastIndexOf(':') + 1);
    const dir = join(input.out, 'images', image.id);
    await rm(dir, { recursive: true, force: true });
    const tmp = await mkdtemp(join(input.out, 'images', `.unpack-${image.id}-`));
    try {
      const root = join(tmp, 'root');
      const r = await execa('unsquashfs', ['-o', String(image.offset), '-d', root, '-no-progress', '-quiet', '-no-xattrs', input.archive], { reject: false, timeout: UNSQUASHFS_TIMEOUT_MS, stdin: 'ignore' });
      if (r.exitCode !== 0) throw new HearthError('INTERNAL', `unpacking image ${image.id} failed: ${r.stderr.trim().split('\n').at(-1) ?? r.shortMessage}`, { hint: 'is squashfs-tools installed (bash scripts/setup.sh)?' });
      const layerFile = join(tmp, 'layer.tar');
      const layer = await writeLayer(root, layerFile);
      await writeLayout(dir, layerFile, layer, image.config, tag);
      layouts.set(image.id, `images/${image.id}:${tag}`);
      if (layer.skipped.length > 0) skipped.set(image.id, layer.skipped);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
  return { layouts, skipped };
}
