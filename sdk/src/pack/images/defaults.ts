import type { ImageConfig } from '../../contract/paths.js';

/** The config of an image whose source declares none (a directory, a tarball, a Debian recipe). */
export const DEFAULT_IMAGE_CONFIG: ImageConfig = {
  entrypoint: null,
  cmd: null,
  env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
  workdir: '/',
  user: 'root',
};

/**
 * Bumped when the way images are built changes, so cached builds are not reused.
 * 2: bases cached apart from added files. 3: fixed times in the squashfs (see `imageEpoch`).
 */
export const RECIPE = 'hearth-image-3';
