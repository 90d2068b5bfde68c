import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { ImageConfig } from '../../contract/paths.js';
import type { ImageSource } from '../../manifest.js';
import type { InputDigest } from '../images/digest.js';
import { DEFAULT_IMAGE_CONFIG } from '../images/defaults.js';
import { debootstrap } from './debootstrap.js';
import { dockerArchiveConfig, flattenDockerArchive } from './docker-archive.js';
import { flattenOciLayout, ociLayoutConfig } from './oci-layout.js';
import { unpackTarball } from './tarball.js';

/** A path of the manifest, relative to the package folder unless absolute. */
export function sourcePath(packageDir: string, path: string): string {
  return isAbsolute(path) ? path : join(packageDir, path);
}

/** An image source other than a directory: what its base is built from, how to build it, and its config. */
export interface BaseSource {
  /** The manifest field (under `images.<id>.`) that names what `digest` reads. */
  field: string;
  /** Feed everything the base is built from into `digest` (the source's own fields already are). */
  digest(digest: InputDigest): Promise<void>;
  /** Fill `root` (an empty directory); `owners` when file owners can be kept (packing as root). */
  materialize(root: string, owners: boolean): Promise<ImageConfig>;
  /** The image config, read without building (for `hearth-pack inspect`). */
  config(): Promise<ImageConfig>;
}

export function baseSource(packageDir: string, source: Exclude<ImageSource, { type: 'directory' }>): BaseSource {
  switch (source.type) {
    case 'tarball': {
      const path = sourcePath(packageDir, source.path);
      return {
        field: 'source.path',
        digest: (d) => d.file(path),
        materialize: async (root, owners) => {
          await unpackTarball(path, root, owners);
          return DEFAULT_IMAGE_CONFIG;
        },
        config: () => Promise.resolve(DEFAULT_IMAGE_CONFIG),
      };
    }
    case 'docker-archive': {
      const path = sourcePath(packageDir, source.path);
      return {
        field: 'source.path',
        digest: (d) => d.file(path),
        materialize: (root, owners) => flattenDockerArchive(path, source.tag, root, owners),
        config: () => dockerArchiveConfig(path, source.tag),
      };
    }
    case 'oci-layout': {
      const path = sourcePath(packageDir, source.path);
      return {
        field: 'source',
        // Blobs are content-addressed: the index names every one of them. Reading the config
        // first checks the layout and the tag, with errors that say which.
        digest: async (d) => {
          await ociLayoutConfig(path, source.tag);
          d.text((await readFile(join(path, 'index.json'))).toString('utf8'));
        },
        materialize: (root, owners) => flattenOciLayout(path, source.tag, root, owners),
        config: () => ociLayoutConfig(path, source.tag),
      };
    }
    case 'debootstrap':
      return {
        field: 'source',
        digest: () => Promise.resolve(), // the recipe is the input; Debian's archive moves, rebuild with --no-cache to pick that up
        materialize: async (root, owners) => {
          await debootstrap(source, root, owners);
          return DEFAULT_IMAGE_CONFIG;
        },
        config: () => Promise.resolve(DEFAULT_IMAGE_CONFIG),
      };
  }
}
