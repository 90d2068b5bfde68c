import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../log.js';
import { layoutOf, type Layout } from '../layout.js';
import { SecretStore } from '../secrets/store.js';
import { StateStore } from '../store/state.js';
import { applyRestore, commitRestore, finishRestores, makeRestoreDir, type RestoreTargets } from './restore-commit.js';

const ID = 'svc';
const quiet = createLogger({}, () => true);

describe('restore commit', () => {
  let root: string;
  let layout: Layout;
  let targets: RestoreTargets;
  const volume = (name: string): string => join(layout.volumesDir, ID, name);

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'hearth-restore-commit-'));
    layout = layoutOf(root);
    await mkdir(layout.secretsDir, { recursive: true });
    const state = await StateStore.open(layout.stateFile);
    await state.update((draft) => {
      draft.services[ID] = { version: '1.0.0', title: 'S', signer: 'x', installedAt: 'now', ports: {}, desired: 'running', settings: { title: 'old' } };
    });
    targets = { layout, state, secrets: new SecretStore(layout.secretsDir) };
    for (const v of ['data', 'db']) {
      await mkdir(volume(v), { recursive: true });
      await writeFile(join(volume(v), 'file'), `old ${v}`);
    }
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  /** A restore dir as restic leaves it: `data` restored, `db` absent (excluded). */
  const restored = async (): Promise<string> => {
    const dir = await makeRestoreDir(join(layout.volumesDir, ID));
    await mkdir(join(dir, 'data'));
    await writeFile(join(dir, 'data', 'file'), 'new data');
    return dir;
  };
  const commit = { service: ID, volumes: ['data', 'db'], settings: { title: 'new' }, secrets: { pw: { value: 'restored-secret', setAt: 't' } } };

  it('a commit swaps every volume (an excluded one comes back empty), puts settings and secrets back, and leaves nothing beside the volumes', async () => {
    await commitRestore(targets, await restored(), commit);
    expect(readFileSync(join(volume('data'), 'file'), 'utf8')).toBe('new data');
    expect(readdirSync(volume('db'))).toEqual([]);
    expect(targets.state.service(ID)?.settings).toEqual({ title: 'new' });
    expect((await targets.secrets.read(ID))['pw']?.value).toBe('restored-secret');
    expect(readdirSync(join(layout.volumesDir, ID)).sort()).toEqual(['data', 'db']);
  });

  it('a restore dir without a commit record is discarded at boot and the old data stays', async () => {
    await restored();
    await finishRestores(targets, quiet);
    expect(readFileSync(join(volume('data'), 'file'), 'utf8')).toBe('old data');
    expect(readFileSync(join(volume('db'), 'file'), 'utf8')).toBe('old db');
    expect(readdirSync(join(layout.volumesDir, ID)).sort()).toEqual(['data', 'db']);
  });

  it('a committed restore interrupted half-way through its swaps is rolled forward at boot, and rolling forward twice is harmless', async () => {
    const dir = await restored();
    await mkdir(join(dir, 'db'));
    await writeFile(join(dir, 'COMMIT.json'), `${JSON.stringify({ format: 'hearth-restore-commit-v1', ...commit })}\n`);
    // The crash came between the two renames of `data`: live moved aside, restored not yet in place.
    await mkdir(join(dir, '.old'));
    const { rename } = await import('node:fs/promises');
    await rename(volume('data'), join(dir, '.old', 'data'));
    expect(existsSync(volume('data'))).toBe(false);
    await finishRestores(targets, quiet);
    expect(readFileSync(join(volume('data'), 'file'), 'utf8')).toBe('new data');
    expect(readdirSync(volume('db'))).toEqual([]);
    expect(existsSync(dir)).toBe(false);
    await expect(applyRestore(targets, dir)).rejects.toThrow();
    expect(readFileSync(join(volume('data'), 'file'), 'utf8')).toBe('new data');
  });
});
