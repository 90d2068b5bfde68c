import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ActionResult, ConfigChange, SecretInfo, ServiceSettings } from '@hearth/sdk/contract';
import { TestHearthd } from '../support/hearthd.js';
import { keygen, packDir } from '../support/packages.js';
import { FIXTURES, isRoot } from '../support/repo.js';
import { skipUnless } from '../support/require.js';

const PORT_BASE = 19_000 + Math.floor(Math.random() * 10_000);
const ID = 'secrets-host';
const API_KEY = 'user-api-key-value-0123';

/**
 * hearthd's side of issue 13 with the runtime as it is: where secrets and settings are kept, what a
 * start needs, and what is redacted. (Delivery into daemons is the runtime's, tested end to end.)
 */
describe.skipIf(skipUnless({ root: isRoot }))('secrets and settings on the host', () => {
  let work: string;
  let hearthd: TestHearthd;
  let archive: string;
  const secretsFile = (): string => join(hearthd.dataDir, 'secrets', `${ID}.json`);
  const stored = (): Record<string, { value: string }> => (JSON.parse(readFileSync(secretsFile(), 'utf8')) as { secrets: Record<string, { value: string }> }).secrets;
  const state = (): string => readFileSync(join(hearthd.dataDir, 'state.json'), 'utf8');
  const dbPassword = (): string => stored()['db-password']?.value ?? '';

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hearth-secrets-'));
    const key = await keygen(join(work, 'key.pem'));
    archive = await packDir(join(FIXTURES, 'secrets-host'), '../supervision/build-images.sh', key, join(work, 'secrets-host.hpk'));
    hearthd = await TestHearthd.start(PORT_BASE);
    await hearthd.trust(key);
    await hearthd.json('install', archive);
  });

  afterAll(async () => {
    await hearthd?.cli('uninstall', ID, '--purge', '--yes');
    await hearthd?.[Symbol.asyncDispose]();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('install generates the generated secret into a root-only 0600 file, never into state.json; secret ls shows no value', async () => {
    expect(statSync(join(hearthd.dataDir, 'secrets')).mode & 0o777).toBe(0o700);
    const file = statSync(secretsFile());
    expect([file.uid, file.mode & 0o777]).toEqual([0, 0o600]);
    expect(dbPassword()).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(Object.keys(stored())).toEqual(['db-password']);
    expect(state()).not.toContain(dbPassword());
    const { secrets } = await hearthd.json<{ secrets: SecretInfo[] }>('secret', 'ls', ID);
    expect(secrets.map((s) => [s.name, s.source, s.set])).toEqual([['db-password', 'generated', true], ['api-key', 'user', false]]);
    expect((await hearthd.cli('secret', 'ls', ID)).stdout).not.toContain(dbPassword());
  });

  test('a start without the user-supplied secret is refused, naming it and the command to set it; nothing is started', async () => {
    const result = await hearthd.cli('start', ID);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('secret api-key');
    expect(result.stderr).toContain(`hearth secret set ${ID} api-key`);
    expect(existsSync(join(hearthd.dataDir, 'run', ID))).toBe(false);
    expect((JSON.parse(state()) as { services: Record<string, { desired: string }> }).services[ID]?.desired).toBe('stopped');
  });

  test('config set with a bad value names the field and its type and changes nothing; a good one is saved for the next start', async () => {
    const before = state();
    const bad = await hearthd.cli('config', 'set', ID, 'title=Fine', 'pageSize=many');
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('setting pageSize must be a number, got "many"');
    expect((await hearthd.cli('config', 'set', ID, 'nope=1')).stderr).toContain('has no setting "nope"');
    expect(state()).toBe(before);
    const change = await hearthd.json<ConfigChange & { settings: Record<string, unknown> }>('config', 'set', ID, 'pageSize=50');
    expect(change).toMatchObject({ applied: 'saved', settings: { title: 'Hello', pageSize: 50 } });
    expect((await hearthd.json<ServiceSettings>('config', 'get', ID)).settings).toEqual({ title: 'Hello', pageSize: 50 });
    expect((await hearthd.cli('config', 'get', ID, 'pageSize')).stdout.trim()).toBe('50');
  });

  test('secret set reads the value from stdin; a short one is refused without being quoted', async () => {
    const short = await hearthd.cliWithInput('tiny12\n', 'secret', 'set', ID, 'api-key');
    expect(short.exitCode).toBe(2);
    expect(short.stderr).not.toContain('tiny12');
    expect(existsSync(secretsFile()) && Object.keys(stored())).toEqual(['db-password']);
    const set = await hearthd.cliWithInput(`${API_KEY}\n`, 'secret', 'set', ID, 'api-key');
    expect(set.exitCode).toBe(0);
    expect(stored()['api-key']?.value).toBe(API_KEY);
    expect(state()).not.toContain(API_KEY);
  });

  test('a started service gets settings.json (host-owned, read-only to it); secrets are redacted from logs, action results and errors', async () => {
    await hearthd.json('start', ID);
    const settingsFile = join(hearthd.dataDir, 'run', ID, 'host', 'settings.json');
    expect(JSON.parse(readFileSync(settingsFile, 'utf8'))).toEqual({ settings: { title: 'Hello', pageSize: 50 } });
    expect([statSync(settingsFile).uid, statSync(settingsFile).mode & 0o777]).toEqual([0, 0o644]);
    const password = dbPassword();
    const said = await hearthd.json<ActionResult>('action', ID, 'say', '--input', `text=${password} and ${API_KEY}`);
    expect(said.message).toBe('said [secret:db-password] and [secret:api-key]');
    expect(JSON.stringify(said)).not.toContain(password);
    const failed = await hearthd.cli('action', ID, 'fail', '--input', `text=${password}`);
    expect(failed.exitCode).not.toBe(0);
    expect(failed.stderr).toContain('could not use [secret:db-password]');
    expect(failed.stderr).not.toContain(password);
    await expect.poll(async () => (await hearthd.cli('logs', ID)).stdout, { timeout: 15_000 }).toContain('said: [secret:db-password] and [secret:api-key]');
    expect((await hearthd.cli('logs', ID)).stdout).not.toContain(password);
    const logFile = readFileSync(join(hearthd.dataDir, 'logs', ID, 'daemons.log'), 'utf8');
    expect(logFile).toContain('[secret:db-password]');
    for (const value of [password, API_KEY]) {
      expect(logFile).not.toContain(value);
      expect(hearthd.log).not.toContain(value);
      expect(state()).not.toContain(value);
    }
  });

  test('changing a setting or rotating a secret of a running service is saved and applied; a user secret cannot be rotated', async () => {
    const change = await hearthd.json<ConfigChange>('config', 'set', ID, 'title=Other');
    // Nothing of web depends on the title: saved, applied, and nothing restarted.
    expect(change).toMatchObject({ applied: 'reconfigured', reconfigured: { restarted: [], added: [], removed: [] } });
    expect(JSON.parse(readFileSync(join(hearthd.dataDir, 'run', ID, 'host', 'settings.json'), 'utf8'))).toMatchObject({ settings: { title: 'Other' } });
    const before = dbPassword();
    await hearthd.json('secret', 'rotate', ID, 'db-password');
    expect(dbPassword()).not.toBe(before);
    expect(dbPassword()).toMatch(/^[A-Za-z0-9]{32}$/);
    const refused = await hearthd.cli('secret', 'rotate', ID, 'api-key');
    expect([refused.exitCode, refused.stderr.includes(`hearth secret set ${ID} api-key`)]).toEqual([2, true]);
  });

  test('secrets survive a hearthd restart and an uninstall without --purge; --purge removes them', async () => {
    const before = readFileSync(secretsFile(), 'utf8');
    await hearthd.stop();
    await hearthd.launch();
    expect(readFileSync(secretsFile(), 'utf8')).toBe(before);
    await hearthd.json('uninstall', ID, '--yes');
    expect(readFileSync(secretsFile(), 'utf8')).toBe(before);
    await hearthd.json('install', archive);
    expect(stored()['db-password']?.value).toBe((JSON.parse(before) as { secrets: Record<string, { value: string }> }).secrets['db-password']?.value);
    await hearthd.json('uninstall', ID, '--purge', '--yes');
    expect(existsSync(secretsFile())).toBe(false);
  });
});
