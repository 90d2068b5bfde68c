#!/usr/bin/env node
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { HearthError, errorMessage } from '../errors.js';
import { fingerprint, generatePrivateKeyPem, loadPrivateKey, publicKeyOf } from '../archive/signing.js';
import { verifyArchive } from '../archive/reader.js';
import { formatDescription } from './inspect/format.js';
import { publishPackage, resignRegistry } from '../registry/publish.js';

// Packing, inspecting and init load the TypeScript compiler (ts-morph) and esbuild, about a second
// of startup: imported by the commands that need them, so keygen, pubkey and verify start at once.

const USAGE = `usage:
  hearth-pack init DIR [--template busybox|debian] [--id ID] [--no-install]
                                                      a new package in DIR (new or empty, anywhere), with
                                                      @hearth/sdk from this hearth installed offline
  hearth-pack [DIR] --key KEY.pem [--out FILE.hpk] [--no-cache]
                                                      pack the package in DIR (default .); image bases
                                                      (tarballs, OCI layouts, docker save, debootstrap)
                                                      are cached per machine ($HEARTH_PACK_CACHE, else
                                                      /var/cache/hearth-pack as root, ~/.cache/hearth-pack
                                                      otherwise), images with files added on top in
                                                      DIR/.hearth-cache, both by input digest
  hearth-pack keygen --out KEY.pem                    make an ed25519 signing key (mode 0600)
  hearth-pack pubkey --key KEY.pem                    print its public key, for hearth trust add
  hearth-pack verify FILE.hpk                         check signature and every digest
  hearth-pack verify --rebuild DIR FILE.hpk           also pack DIR again and compare every member
  hearth-pack publish FILE.hpk --registry DIR --key REGISTRY.pem [--icon FILE] [--min-hearth V] [--expires-days N]
                                                      add a version to a registry folder (static files)
                                                      and sign its index again (version + 1, expiry N
                                                      days on, default 30)
  hearth-pack resign --registry DIR --key REGISTRY.pem [--expires-days N]
                                                      sign the index again with a new expiry (cron it)
  hearth-pack inspect FILE.hpk|DIR                    what will run: each daemon and task with image,
                                                      command, user, requires, health checks, mounts;
                                                      each image's config as imported
options: --json (one JSON value on stdout)`;

function usageError(message: string): HearthError {
  return new HearthError('INVALID_PARAMS', message, { hint: USAGE });
}

function quote(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function expiresDays(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const days = Number(value);
  if (!(days >= 0 && days <= 3650)) throw usageError(`--expires-days ${value}: expected a number of days, 0 to 3650`);
  return days;
}

async function main(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        key: { type: 'string' },
        out: { type: 'string' },
        json: { type: 'boolean', default: false },
        'no-cache': { type: 'boolean', default: false },
        template: { type: 'string' },
        id: { type: 'string' },
        'no-install': { type: 'boolean', default: false },
        rebuild: { type: 'string' },
        registry: { type: 'string' },
        icon: { type: 'string' },
        'min-hearth': { type: 'string' },
        'expires-days': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw usageError(errorMessage(error));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const print = (value: unknown, text: string): void => {
    process.stdout.write(values.json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
  };
  const [command, ...rest] = positionals;

  if (command === 'keygen') {
    if (!values.out || rest.length > 0) throw usageError('keygen takes --out KEY.pem and nothing else');
    try {
      await writeFile(values.out, generatePrivateKeyPem(), { flag: 'wx', mode: 0o600 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new HearthError('INVALID_PARAMS', `${values.out} exists; refusing to overwrite a key`, { hint: 'choose another --out, or delete the old key if you mean it' });
      }
      throw error;
    }
    const publicKey = publicKeyOf(await loadPrivateKey(values.out));
    print(
      { key: values.out, publicKey, fingerprint: fingerprint(publicKey) },
      `wrote ${values.out}\npublic key: ${publicKey}\nhosts trust packages signed with it after: hearth trust add ${publicKey}`,
    );
    return;
  }

  if (command === 'pubkey') {
    if (!values.key || rest.length > 0) throw usageError('pubkey takes --key KEY.pem');
    const publicKey = publicKeyOf(await loadPrivateKey(values.key));
    print({ publicKey, fingerprint: fingerprint(publicKey) }, publicKey);
    return;
  }

  if (command === 'init') {
    const [dir] = rest;
    if (dir === undefined || rest.length !== 1) throw usageError('init takes one DIR');
    const template = values.template ?? 'busybox';
    if (template !== 'busybox' && template !== 'debian') throw usageError(`--template ${template}: expected busybox or debian`);
    const { initPackage } = await import('./init/init.js');
    const result = await initPackage({ dir, template, ...(values.id !== undefined && { id: values.id }), install: !values['no-install'] });
    const steps = [`cd ${quote(result.dir)}`, ...(template === 'busybox' ? ['bash build-image.sh'] : []), 'hearth-pack keygen --out ~/.hearth/publisher.pem   # once', `hearth-pack . --key ~/.hearth/publisher.pem --out ${result.id}.hpk`];
    print(result, [`created package ${result.id} in ${result.dir} (${template}):`, ...result.files.map((f) => `  ${f}`), result.installed ? `@hearth/sdk installed from ${result.sdkTarball}` : `run npm install there to install @hearth/sdk from ${result.sdkTarball}`, 'next:', ...steps.map((s) => `  ${s}`)].join('\n'));
    return;
  }

  if (command === 'publish') {
    const [file] = rest;
    if (file === undefined || rest.length !== 1 || !values.registry || !values.key) throw usageError('publish takes FILE.hpk --registry DIR --key REGISTRY.pem');
    const days = expiresDays(values['expires-days']);
    const published = await publishPackage({
      hpk: file,
      registryDir: values.registry,
      keyPath: values.key,
      ...(values.icon !== undefined && { icon: values.icon }),
      ...(values['min-hearth'] !== undefined && { minHearth: values['min-hearth'] }),
      ...(days !== undefined && { expiresDays: days }),
    });
    print(published, `published ${published.id} ${published.version} → ${published.file}; index version ${published.indexVersion}, expires ${published.expires}`);
    return;
  }

  if (command === 'resign') {
    if (rest.length !== 0 || !values.registry || !values.key) throw usageError('resign takes --registry DIR --key REGISTRY.pem');
    const days = expiresDays(values['expires-days']);
    const signed = await resignRegistry({ registryDir: values.registry, keyPath: values.key, ...(days !== undefined && { expiresDays: days }) });
    print(signed, `signed the index of ${values.registry} again: version ${signed.indexVersion}, expires ${signed.expires}`);
    return;
  }

  if (command === 'inspect') {
    const [target] = rest;
    if (target === undefined || rest.length !== 1) throw usageError('inspect takes one FILE.hpk or package DIR');
    const { inspectTarget } = await import('./inspect/load.js');
    const { description, members } = await inspectTarget(target);
    const text = [formatDescription(description, mib), ...(members ?? []).map((m, i) => `${i === 0 ? '\nmembers\n' : ''}  ${m.name.padEnd(32)} ${String(m.size).padStart(12)}  ${m.sha256.slice(0, 16)}`)];
    print({ ...description, ...(members && { members }) }, text.join('\n'));
    return;
  }

  if (command === 'verify') {
    const [file] = rest;
    if (file === undefined || rest.length !== 1) throw usageError('verify takes one FILE.hpk');
    const archive = await verifyArchive(file);
    if (values.rebuild !== undefined) {
      const { verifyRebuild } = await import('./rebuild.js');
      const same = await verifyRebuild(values.rebuild, file, { cache: !values['no-cache'] });
      print(same, `ok: ${values.rebuild} rebuilds ${file} byte for byte (${same.members.length} members; signer ${same.signer})`);
      return;
    }
    const m = archive.manifest;
    const summary = { id: m.id, title: m.title, version: m.version, signer: archive.signer, images: archive.images.map((i) => ({ id: i.id, size: i.size })) };
    const lines = [`ok: ${m.id} ${m.version} (${m.title})`, `signer ${archive.signer.fingerprint}`, ...archive.images.map((i) => `image ${i.id}: ${mib(i.size)}`)];
    print(summary, lines.join('\n'));
    return;
  }

  // Pack: `hearth-pack [DIR] --key KEY`.
  if (rest.length > 0) throw usageError(`unexpected argument ${JSON.stringify(rest[0])}`);
  if (!values.key) throw usageError('packing needs --key KEY.pem (make one with `hearth-pack keygen --out KEY.pem`)');
  const { packPackage } = await import('./pack.js');
  const result = await packPackage({
    dir: command ?? '.',
    keyPath: values.key,
    ...(values.out !== undefined && { out: values.out }),
    cache: !values['no-cache'],
    onProgress: (s) => process.stderr.write(`  ${s.step} … ${mib(s.bytes)} in ${(s.elapsedMs / 1000).toFixed(2)} s\n`),
  });
  if (!values.json) {
    const width = Math.max(...result.steps.map((s) => s.step.length), 4);
    process.stderr.write(`\n  ${'STEP'.padEnd(width)}  ${'SIZE'.padStart(10)}  ${'TIME'.padStart(8)}\n`);
    for (const s of result.steps) process.stderr.write(`  ${s.step.padEnd(width)}  ${mib(s.bytes).padStart(10)}  ${`${(s.elapsedMs / 1000).toFixed(2)} s`.padStart(8)}\n`);
  }
  print(
    { out: result.out, id: result.manifest.id, version: result.manifest.version, size: result.size, steps: result.steps },
    `packed ${result.manifest.id} ${result.manifest.version} → ${result.out} (${mib(result.size)})`,
  );
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const e = error instanceof HearthError ? error : new HearthError('INTERNAL', errorMessage(error));
  process.stderr.write(`hearth-pack: ${e.code}: ${e.message}\n${e.hint ? `  hint: ${e.hint}\n` : ''}`);
  process.exitCode = e.code === 'INVALID_PARAMS' ? 2 : 1;
});
