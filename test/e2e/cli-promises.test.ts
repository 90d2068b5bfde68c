import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MAX_TRANSFER_BYTES, type LogEntry, type ServiceStatus } from '@hearth/sdk/contract';
import { TestHearthd } from '../support/hearthd.js';
import { processTree } from '../support/leftovers.js';
import { fingerprintOf, packVersion, publisherKey } from '../support/packages.js';
import { HEARTH_CLI, isRoot } from '../support/repo.js';
import { skipUnless } from '../support/require.js';

const PORT_BASE = 21_000 + Math.floor(Math.random() * 500);
const ID = 'hello-world';
const POLL = { timeout: 30_000, interval: 100 };
/** How long `exec --timeout` is given here, and how long the command would run without it. */
const EXEC_TIMEOUT_MS = 500;
const SLEEP_WITHOUT_TIMEOUT_S = 300;
/** Interfaces are offered on this loopback address (`hearthd --bind-address`), not the default 127.0.0.1. */
const BIND_ADDRESS = '127.0.0.2';
const ECHO_PORT = 7000;

/**
 * hello-world with two more daemons: `talker` logs each line appended to /tmp/say (a log line on
 * demand), `echo` echoes TCP connections back on a `tcp` interface.
 */
const withTalkerAndEcho = (source: string): string =>
  source
    .replace("protocol: 'http' },", `protocol: 'http' },\n    echo: { name: 'Echo', port: ${ECHO_PORT}, protocol: 'tcp' },`)
    .replace(
      /ready: healthChecks\.tcpPort\(80\),\n {2}\}\);/,
      `ready: healthChecks.tcpPort(80),
  })
    .add('talker', { image: 'main', command: ['sh', '-c', 'touch /tmp/say; exec busybox tail -f /tmp/say'] })
    .add('echo', { image: 'main', command: ['busybox', 'nc', '-ll', '-p', '${ECHO_PORT}', '-e', '/bin/cat'], ready: healthChecks.tcpPort(${ECHO_PORT}) });`,
    );

/** Send `text` on a fresh TCP connection and collect what comes back until as many bytes arrived. */
async function echoed(host: string, port: number, text: string): Promise<string> {
  return await new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let got = '';
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      got += chunk.toString();
      if (got.length >= text.length) {
        socket.destroy();
        resolve(got);
      }
    });
    socket.on('connect', () => socket.write(text));
  });
}

/** What the CLI usage and the READMEs promise a user, checked through the `hearth` command as a user runs it. */
describe.skipIf(skipUnless({ root: isRoot }))('the hearth CLI keeps the promises of its usage and the READMEs', () => {
  let work: string;
  let key: string;
  let hearthd: TestHearthd;
  let status: ServiceStatus;

  const logLines = async (...args: string[]): Promise<LogEntry[]> => {
    const result = await hearthd.cli('logs', ID, '--json', ...args);
    expect(result.exitCode).toBe(0);
    return result.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogEntry);
  };
  /** A new line in the talker daemon's log. */
  const say = async (line: string): Promise<void> => {
    expect((await hearthd.cli('exec', ID, '--daemon', 'talker', '--', 'sh', '-c', `echo ${line} >> /tmp/say`)).exitCode).toBe(0);
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hearth-cli-promises-'));
    key = await publisherKey(join(work, 'key.pem'));
    const archive = await packVersion(ID, '1.0.1', key, join(work, 'hello-world.hpk'), 'build-image.sh', withTalkerAndEcho);
    hearthd = await TestHearthd.start(PORT_BASE, {}, ['--bind-address', BIND_ADDRESS]);
    await hearthd.trust(key);
    await hearthd.json('install', archive);
    status = await hearthd.json<ServiceStatus>('start', ID);
  });

  afterAll(async () => {
    await hearthd?.cli('uninstall', ID, '--purge', '--yes');
    await hearthd?.[Symbol.asyncDispose]();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('logs -f prints what is there, then each new line as the daemon writes it, until it is interrupted', async () => {
    await say('first-before-follow');
    await expect.poll(async () => (await logLines()).some((e) => e.line.includes('first-before-follow')), POLL).toBe(true);
    const follower = execa('node', [HEARTH_CLI, '--socket', hearthd.socket, 'logs', ID, '-f', '--json'], { reject: false, buffer: false });
    let out = '';
    follower.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    try {
      await expect.poll(() => out.includes('first-before-follow'), POLL).toBe(true);
      await say('second-while-following');
      await expect.poll(() => out.includes('second-while-following'), POLL).toBe(true);
      expect(follower.exitCode).toBeNull(); // still following
      const followed = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogEntry);
      expect(followed.find((e) => e.line.includes('second-while-following'))).toMatchObject({ daemon: 'talker', stream: 'stdout' });
    } finally {
      follower.kill('SIGINT');
      await follower;
    }
  });

  test('logs --since shows only lines written after the given date, and a duration counts back from now', async () => {
    await say('older-than-mark');
    await expect.poll(async () => (await logLines()).some((e) => e.line.includes('older-than-mark')), POLL).toBe(true);
    await sleep(50);
    const mark = new Date().toISOString();
    await sleep(50);
    await say('newer-than-mark');
    await expect.poll(async () => (await logLines('--since', mark)).some((e) => e.line.includes('newer-than-mark')), POLL).toBe(true);
    const since = await logLines('--since', mark);
    expect(since.some((e) => e.line.includes('older-than-mark'))).toBe(false);
    expect(since.every((e) => e.time >= Date.parse(mark))).toBe(true);
    const lastHour = await logLines('--since', '1h');
    expect(lastHour.some((e) => e.line.includes('older-than-mark'))).toBe(true);
    const bad = await hearthd.cli('logs', ID, '--since', 'yesterday-ish');
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--since "yesterday-ish" is neither a duration nor a date');
  });

  test('exec --timeout kills the command when the time is up, says so, and leaves no process behind', async () => {
    const started = Date.now();
    const killed = await hearthd.cli('exec', ID, '--timeout', String(EXEC_TIMEOUT_MS), '--', 'busybox', 'sleep', String(SLEEP_WITHOUT_TIMEOUT_S));
    expect(Date.now() - started).toBeLessThan((SLEEP_WITHOUT_TIMEOUT_S * 1000) / 2);
    expect(killed.exitCode).toBe(128 + 9);
    expect(killed.stderr).toContain(`hearth: the command was killed after ${EXEC_TIMEOUT_MS} ms`);
    const json = await hearthd.cli('--json', 'exec', ID, '--timeout', String(EXEC_TIMEOUT_MS), '--', 'busybox', 'sleep', String(SLEEP_WITHOUT_TIMEOUT_S));
    expect(JSON.parse(json.stdout)).toMatchObject({ timedOut: true });
    const sleeping = processTree(status.container!.initPid).filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(String(SLEEP_WITHOUT_TIMEOUT_S));
      } catch {
        return false; // ended as we looked
      }
    });
    expect(sleeping).toEqual([]);
    expect((await hearthd.cli('exec', ID, '--timeout', 'soon', '--', 'true')).exitCode).toBe(2);
  });

  test('Ctrl-C on hearth exec ends the command in the container too, with what it started', async () => {
    // Distinct durations, so only this test's processes are counted.
    const sleepers = (): number[] =>
      processTree(status.container!.initPid).filter((pid) => {
        try {
          return /sleep\x00?(4111|4112)/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
        } catch {
          return false; // ended as we looked
        }
      });
    const exec = execa('node', [HEARTH_CLI, '--socket', hearthd.socket, 'exec', ID, '--timeout', String(SLEEP_WITHOUT_TIMEOUT_S * 1000), '--', 'sh', '-c', 'busybox sleep 4111 & busybox sleep 4112'], { reject: false });
    try {
      await expect.poll(() => sleepers().length, POLL).toBe(2);
      exec.kill('SIGINT');
      await exec;
      await expect.poll(() => sleepers().length, POLL).toBe(0);
    } finally {
      exec.kill('SIGKILL');
    }
  });

  test('cp copies exactly 4 MiB in and out, and refuses one byte more either way, writing nothing', async () => {
    const limit = join(work, 'limit.bin');
    await writeFile(limit, Buffer.alloc(MAX_TRANSFER_BYTES, 1));
    expect((await hearthd.cli('cp', limit, `${ID}:/tmp/limit.bin`)).exitCode).toBe(0);
    const back = join(work, 'limit-back.bin');
    expect((await hearthd.cli('cp', `${ID}:/tmp/limit.bin`, back)).exitCode).toBe(0);
    expect((await readFile(back)).equals(await readFile(limit))).toBe(true);

    const over = join(work, 'over.bin');
    await writeFile(over, Buffer.alloc(MAX_TRANSFER_BYTES + 1, 1));
    const put = await hearthd.cli('cp', over, `${ID}:/tmp/over.bin`);
    expect(put.exitCode).not.toBe(0);
    expect(put.stderr).toContain(`at most ${MAX_TRANSFER_BYTES}`);
    expect((await hearthd.cli('exec', ID, '--', 'ls', '/tmp/over.bin')).exitCode).not.toBe(0);

    // A file over the bound made inside the daemon cannot be fetched, and no local file is written.
    expect((await hearthd.cli('exec', ID, '--', 'busybox', 'dd', 'if=/dev/zero', 'of=/tmp/big.bin', 'bs=1024', `count=${MAX_TRANSFER_BYTES / 1024 + 1}`)).exitCode).toBe(0);
    const fetched = join(work, 'big-back.bin');
    const get = await hearthd.cli('cp', `${ID}:/tmp/big.bin`, fetched);
    expect(get.exitCode).not.toBe(0);
    expect(get.stderr).toContain(`at most ${MAX_TRANSFER_BYTES}`);
    expect(existsSync(fetched)).toBe(false);
  });

  test('cp follows a symlink as the daemon sees it: a link to / or up through .. stays in its root or volume', async () => {
    const exec = async (...command: string[]): Promise<void> => {
      expect((await hearthd.cli('exec', ID, '--daemon', 'web', '--', ...command)).exitCode).toBe(0);
    };
    await exec('busybox', 'ln', '-s', '/etc', '/www/abs-etc');
    await exec('busybox', 'ln', '-s', '../../../../../../etc', '/www/up-etc');
    await exec('busybox', 'ln', '-s', '/', '/data/volume-root');
    const hostPasswd = readFileSync('/etc/passwd', 'utf8');

    for (const link of ['abs-etc', 'up-etc']) {
      const out = join(work, `${link}-passwd`);
      expect((await hearthd.cli('cp', '--daemon', 'web', `${ID}:/www/${link}/passwd`, out)).exitCode).toBe(0);
      expect(readFileSync(out, 'utf8')).toBe('root:x:0:0:root:/root:/bin/sh\nwww-data:x:33:33:www:/www:/bin/false\n'); // the image's, not the host's
    }
    const note = join(work, 'note.txt');
    await writeFile(note, 'through a link\n');
    expect((await hearthd.cli('cp', '--daemon', 'web', note, `${ID}:/www/up-etc/hearth-link-test`)).exitCode).toBe(0);
    expect(existsSync('/etc/hearth-link-test')).toBe(false);
    expect((await hearthd.cli('exec', ID, '--daemon', 'web', '--', 'cat', '/etc/hearth-link-test')).stdout).toBe('through a link');

    // In a volume, / is the volume's root (web mounts the volume at /data).
    expect((await hearthd.cli('cp', '--volume', 'data', note, `${ID}:/volume-root/landed.txt`)).exitCode).toBe(0);
    expect(readFileSync(join(hearthd.dataDir, 'volumes', ID, 'data', 'landed.txt'), 'utf8')).toBe('through a link\n');
    expect(readFileSync('/etc/passwd', 'utf8')).toBe(hostPasswd);
  });

  test('interfaces are offered on --bind-address only: the page, and a tcp interface that echoes, relayed there and not on 127.0.0.1', async () => {
    const web = status.interfaces.find((i) => i.id === 'web');
    const echo = status.interfaces.find((i) => i.id === 'echo');
    expect(web).toMatchObject({ protocol: 'http', hostAddress: BIND_ADDRESS, url: `http://${BIND_ADDRESS}:${web?.hostPort}/` });
    expect(echo).toMatchObject({ protocol: 'tcp', port: ECHO_PORT, hostAddress: BIND_ADDRESS, url: `tcp://${BIND_ADDRESS}:${echo?.hostPort}` });
    expect(await (await fetch(web!.url)).text()).toContain('Hello from hearth');
    expect(await echoed(BIND_ADDRESS, echo!.hostPort, 'ping over tcp\n')).toBe('ping over tcp\n');
    expect(await echoed(BIND_ADDRESS, echo!.hostPort, 'and again\n')).toBe('and again\n');
    await expect(echoed('127.0.0.1', echo!.hostPort, 'x')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(fetch(`http://127.0.0.1:${web!.hostPort}/`)).rejects.toThrow();
    expect(await hearthd.json('server')).toMatchObject({ bindAddress: BIND_ADDRESS });
  });

  test('a command that cannot reach hearthd exits 4 and says where it looked; HEARTH_SOCKET names the socket', async () => {
    const missing = join(work, 'no-hearthd.sock');
    const result = await execa('node', [HEARTH_CLI, '--socket', missing, 'ls'], { reject: false });
    expect(result.exitCode).toBe(4);
    expect(result.stderr).toContain(`cannot reach hearthd at ${missing}`);
    const json = await execa('node', [HEARTH_CLI, '--socket', missing, '--json', 'status', ID], { reject: false });
    expect(json.exitCode).toBe(4);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'HOST_UNREACHABLE' } });
    const byEnv = await execa('node', [HEARTH_CLI, '--json', 'ls'], { reject: false, env: { HEARTH_SOCKET: hearthd.socket } });
    expect(byEnv.exitCode).toBe(0);
    expect((JSON.parse(byEnv.stdout) as { id: string }[]).map((p) => p.id)).toEqual([ID]);
  });

  test('trust list shows each trusted key with its name; a removed key is no longer listed', async () => {
    const fingerprint = await fingerprintOf(key);
    expect(await hearthd.json('trust', 'list')).toEqual([expect.objectContaining({ fingerprint, name: 'test publisher' })]);
    const text = await hearthd.cli('trust', 'list');
    expect(text.stdout).toMatch(new RegExp(`^FINGERPRINT +NAME +ADDED\n${fingerprint} +test publisher +\\S+$`));
    await hearthd.json('trust', 'remove', fingerprint);
    expect(await hearthd.json('trust', 'list')).toEqual([]);
    expect((await hearthd.cli('trust', 'list')).stdout).toBe('no trusted keys');
    await hearthd.trust(key);
  });

  test('uninstall --purge without --yes (and no terminal to ask on) is refused with exit 2 and changes nothing', async () => {
    const kept = join(hearthd.dataDir, 'volumes', ID, 'data', 'kept.txt');
    await writeFile(join(work, 'kept.txt'), 'precious\n');
    expect((await hearthd.cli('cp', '--volume', 'data', join(work, 'kept.txt'), `${ID}:/kept.txt`)).exitCode).toBe(0);
    const refused = await hearthd.cli('uninstall', ID, '--purge');
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain(`--purge deletes every volume of ${ID}, its secrets and its logs, and cannot be undone`);
    expect(refused.stderr).toContain(`hearth uninstall ${ID} --purge --yes`);
    expect(readFileSync(kept, 'utf8')).toBe('precious\n');
    expect(await hearthd.json<ServiceStatus>('status', ID)).toMatchObject({ state: 'running', ready: true });

    await hearthd.json('uninstall', ID, '--purge', '--yes');
    expect(existsSync(join(hearthd.dataDir, 'volumes', ID))).toBe(false);
  });
});
