import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PACK_TIMEOUT_MS, keygen, packDir } from '../support/packages.js';
import { EXAMPLES, FIXTURES, HEARTH_PACK, isRoot } from '../support/repo.js';

/** Long enough that every file a second build writes has another mtime than the first build's. */
const PAUSE_MS = 1_500;

/**
 * A copy of an example's sources in a fresh folder under test/fixtures/.work (where @hearth/sdk
 * resolves), built by its own script there, without the example's image cache: images with added
 * files are built anew (their bases come from the machine's base store).
 */
async function copySources(name: string, buildScript: string): Promise<string> {
  await mkdir(join(FIXTURES, '.work'), { recursive: true });
  const dir = await mkdtemp(join(FIXTURES, '.work', `repro-${name}-`));
  for (const entry of ['package.json', 'src', 'app', buildScript]) {
    if (existsSync(join(EXAMPLES, name, entry))) await cp(join(EXAMPLES, name, entry), join(dir, entry), { recursive: true });
  }
  await execa('bash', [join(dir, buildScript)], { timeout: PACK_TIMEOUT_MS });
  return dir;
}

/** Pack from another working directory each time: nothing may depend on where hearth-pack runs. */
async function pack(dir: string, key: string, out: string): Promise<string> {
  const cwd = await mkdtemp(join(tmpdir(), 'hearth-repro-cwd-'));
  try {
    await execa('node', [HEARTH_PACK, dir, '--key', key, '--out', out], { cwd, timeout: PACK_TIMEOUT_MS });
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
  return out;
}

const sha256 = async (path: string): Promise<string> => createHash('sha256').update(await readFile(path)).digest('hex');

describe('reproducible packs', () => {
  let work: string;
  let key: string;
  const dirs: string[] = [];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hearth-repro-'));
    key = await keygen(join(work, 'key.pem'));
  });
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  });

  test('hello-world packed twice, in two folders with a pause between, is the same file byte for byte', async () => {
    const a = await copySources('hello-world', 'build-image.sh');
    dirs.push(a);
    const first = await pack(a, key, join(work, 'hello-a.hpk'));
    await sleep(PAUSE_MS);
    const b = await copySources('hello-world', 'build-image.sh');
    dirs.push(b);
    const second = await pack(b, key, join(work, 'hello-b.hpk'));
    expect(await sha256(second)).toBe(await sha256(first));

    // The sources rebuild the file a publisher signed, whoever rebuilds them (another key).
    const rebuilt = await execa('node', [HEARTH_PACK, 'verify', '--rebuild', b, first, '--json'], { timeout: PACK_TIMEOUT_MS });
    const same = JSON.parse(rebuilt.stdout) as { id: string; members: { name: string }[] };
    expect(same.id).toBe('hello-world');
    expect(same.members.map((m) => m.name)).toContain('images/main.squashfs');
  }, 2 * PACK_TIMEOUT_MS);

  test('verify --rebuild of changed sources fails with REBUILD_DIFFERS and names the member that differs', async () => {
    const published = await pack(dirs[0] ?? '', key, join(work, 'hello-published.hpk'));
    const changed = await copySources('hello-world', 'build-image.sh');
    dirs.push(changed);
    await writeFile(join(changed, 'image/www/index.html'), '<p>not what was published</p>\n');
    const result = await execa('node', [HEARTH_PACK, 'verify', '--rebuild', changed, published], { reject: false, timeout: PACK_TIMEOUT_MS });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/REBUILD_DIFFERS: .*images\/main\.squashfs differ/);
  }, 2 * PACK_TIMEOUT_MS);

  // debootstrap keeps owners only as root; the bases come from the machine's base store (built once
  // here if missing), and everything on top of them (added files, the busybox image) is built anew.
  test.runIf(isRoot)('notes packed twice from its cached Debian bases, in two folders, is the same file byte for byte', async () => {
    await packDir(join(EXAMPLES, 'notes'), 'build.sh', key, join(work, 'notes-prime.hpk'));
    const a = await copySources('notes', 'build.sh');
    dirs.push(a);
    const first = await pack(a, key, join(work, 'notes-a.hpk'));
    await sleep(PAUSE_MS);
    const b = await copySources('notes', 'build.sh');
    dirs.push(b);
    const second = await pack(b, key, join(work, 'notes-b.hpk'));
    expect(await sha256(second)).toBe(await sha256(first));
  }, 4 * PACK_TIMEOUT_MS);
});
