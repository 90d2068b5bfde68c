import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { layoutOf, type Layout } from '../layout.js';
import { SecretStore } from '../secrets/store.js';
import { StateStore } from '../store/state.js';
import type { RestoreTargets } from './restore-commit.js';
import { UPDATE_SNAPSHOT_DIR, dropVolumeSnapshot, rollbackVolumes, snapshotVolumes } from './update-snapshot.js';

const ID = 'svc';

describe('volume snapshot of an update', () => {
  let root: string;
  let layout: Layout;
  let targets: RestoreTargets;
  const volumes = (): string => join(layout.volumesDir, ID);

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'hearth-update-snapshot-'));
    layout = layoutOf(root);
    await mkdir(layout.secretsDir, { recursive: true });
    const state = await StateStore.open(layout.stateFile);
    await state.update((draft) => {
      draft.services[ID] = { version: '2.0.0', title: 'S', signer: 'x', installedAt: 'now', ports: {}, desired: 'running', settings: { title: 'new' } };
    });
    targets = { layout, state, secrets: new SecretStore(layout.secretsDir) };
    await mkdir(join(volumes(), 'data'), { recursive: true });
    await writeFile(join(volumes(), 'data', 'file'), 'old');
    await symlink('/etc/shadow', join(volumes(), 'data', 'link'));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('rolling back puts the volumes as they were at the snapshot, symlinks copied not followed, and settings back', async () => {
    await snapshotVolumes(volumes(), ['data', 'cache']);
    await writeFile(join(volumes(), 'data', 'file'), 'migrated');
    await writeFile(join(volumes(), 'data', 'added'), 'x');
    expect(await rollbackVolumes(targets, ID, ['data', 'cache'], { title: 'old' })).toBe(true);
    expect(readFileSync(join(volumes(), 'data', 'file'), 'utf8')).toBe('old');
    expect(existsSync(join(volumes(), 'data', 'added'))).toBe(false);
    expect(readdirSync(join(volumes(), 'cache'))).toEqual([]); // absent before the update: empty after
    expect(readdirSync(volumes()).sort()).toEqual(['cache', 'data']);
    expect(targets.state.service(ID)?.settings).toEqual({ title: 'old' });
  });

  it('with no snapshot (dropped once the update stood), rolling back changes nothing and says so', async () => {
    await snapshotVolumes(volumes(), ['data']);
    await dropVolumeSnapshot(volumes());
    expect(existsSync(join(volumes(), UPDATE_SNAPSHOT_DIR))).toBe(false);
    await writeFile(join(volumes(), 'data', 'file'), 'migrated');
    expect(await rollbackVolumes(targets, ID, ['data'], {})).toBe(false);
    expect(readFileSync(join(volumes(), 'data', 'file'), 'utf8')).toBe('migrated');
  });
});
