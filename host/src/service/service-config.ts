import { HearthError, MAX_SECRET_LENGTH, MIN_SECRET_LENGTH, errorMessage, type ConfigChange, type SecretInfo, type ServiceConfig, type ServiceSettings, type SettingValue } from '@hearth/sdk/contract';
import type { ManagerCore } from './manager-core.js';
import type { SecretStore } from '../secrets/store.js';
import { declaredValues, missingUserSecrets } from '../secrets/reconcile.js';
import { generateSecret } from '../secrets/generate.js';
import { applySettingChanges, missingSettings, reconcileSettings, type Settings } from '../settings/settings.js';

/**
 * A service's settings (state.json) and secrets (the secret store): what `hearth config` and
 * `hearth secret` read and change, what each start gives the runtime, and reconfiguring a running
 * service when they change. Changes run under the service's lock, after the install's.
 */
export class ServiceConfigs {
  constructor(
    private readonly core: ManagerCore,
    readonly store: SecretStore,
  ) {}

  private manifest(id: string): ReturnType<ManagerCore['info']>['manifest'] {
    return this.core.info(id).manifest;
  }

  /** Stored settings; a record from before settings existed gets the schema's defaults. */
  settingsOf(id: string): Settings {
    const record = this.core.installed(id);
    return record.settings ?? reconcileSettings(this.manifest(id).settings, undefined).settings;
  }

  /** What runtime.start and runtime.reconfigure get: the settings and the declared secrets' values. */
  async configOf(id: string): Promise<ServiceConfig> {
    return { settings: this.settingsOf(id), secrets: declaredValues(this.manifest(id), await this.store.read(id)) };
  }

  /** The config for a start, or CONFIG_INCOMPLETE naming what is missing and the command that sets it. */
  async configForStart(id: string): Promise<ServiceConfig> {
    const manifest = this.manifest(id);
    const settings = this.settingsOf(id);
    const missing = missingSettings(manifest.settings, settings);
    const secrets = missingUserSecrets(manifest, await this.store.read(id));
    if (missing.length > 0 || secrets.length > 0) {
      const what = [...missing.map((key) => `setting ${key} (${manifest.settings[key]?.type ?? 'string'})`), ...secrets.map((name) => `secret ${name}`)];
      const commands = [
        ...(missing.length > 0 ? [`hearth config set ${id} ${missing.map((key) => `${key}=<value>`).join(' ')}`] : []),
        ...secrets.map((name) => `hearth secret set ${id} ${name} < file-with-the-value`),
      ];
      throw new HearthError('CONFIG_INCOMPLETE', `${id} cannot start: ${what.join(', ')} ${what.length === 1 ? 'has' : 'have'} no value`, {
        hint: commands.join('; then '),
        details: { id, settings: missing, secrets },
      });
    }
    return await this.configOf(id);
  }

  get(id: string): ServiceSettings {
    const schema = this.manifest(id).settings;
    const settings = this.settingsOf(id);
    return { id, settings, schema, missing: missingSettings(schema, settings) };
  }

  /** All or nothing: a bad value is refused before anything is written. */
  async set(id: string, changes: Record<string, SettingValue>): Promise<ConfigChange & { settings: Settings }> {
    return await this.core.lock.run(id, 'config', async () => {
      const next = applySettingChanges(this.manifest(id).settings, this.settingsOf(id), changes, id);
      await this.core.options.state.update((draft) => {
        const record = draft.services[id];
        if (record) record.settings = next;
      });
      this.core.options.logger.info('settings changed', { service: id, keys: Object.keys(changes) });
      return { ...(await this.applyToRunning(id)), settings: next };
    });
  }

  async listSecrets(id: string): Promise<SecretInfo[]> {
    const manifest = this.manifest(id);
    const stored = await this.store.read(id);
    const runner = this.core.runners.get(id);
    const users = runner?.knowsSecretUsers ? runner.secretUsers() : null;
    return Object.entries(manifest.secrets).map(([name, decl]) => {
      const kept = Object.hasOwn(stored, name) ? stored[name] : undefined;
      return {
        name,
        description: decl.description,
        source: decl.generate === null ? 'user' : 'generated',
        set: kept !== undefined,
        ...(kept !== undefined && { setAt: kept.setAt }),
        ...(users !== null && { usedBy: users.get(name) ?? [] }),
      };
    });
  }

  /** Set a secret's value: a user-supplied one, or one that replaces a generated value. */
  async setSecret(id: string, name: string, value: string): Promise<ConfigChange> {
    this.declared(id, name);
    // Never quote the value: this error goes back to the caller and into logs.
    if (value.length < MIN_SECRET_LENGTH || value.length > MAX_SECRET_LENGTH) {
      throw new HearthError('INVALID_PARAMS', `the value of secret ${name} must be ${MIN_SECRET_LENGTH} to ${MAX_SECRET_LENGTH} characters long, got ${value.length}`, {
        hint: 'shorter values are weak, and could not be redacted from logs without hiding ordinary words',
      });
    }
    if (value.includes('\0')) throw new HearthError('INVALID_PARAMS', `the value of secret ${name} contains a NUL character`);
    return await this.replaceSecret(id, name, value, 'secret set');
  }

  /** A new value for a generated secret; the daemons that use it restart. */
  async rotateSecret(id: string, name: string): Promise<ConfigChange> {
    const decl = this.declared(id, name);
    if (decl.generate === null) {
      throw new HearthError('INVALID_PARAMS', `secret ${name} of ${id} is supplied by the user, so hearth cannot generate it`, { hint: `set a new value with \`hearth secret set ${id} ${name}\`` });
    }
    return await this.replaceSecret(id, name, generateSecret(decl.generate), 'secret rotated');
  }

  private declared(id: string, name: string): ReturnType<ManagerCore['info']>['manifest']['secrets'][string] {
    const secrets = this.manifest(id).secrets;
    const decl = Object.hasOwn(secrets, name) ? secrets[name] : undefined;
    if (decl === undefined) {
      throw new HearthError('INVALID_PARAMS', `${id} declares no secret ${JSON.stringify(name.slice(0, 64))}`, { hint: `secrets: ${Object.keys(secrets).join(', ') || 'none'} (hearth secret ls ${id})` });
    }
    return decl;
  }

  private async replaceSecret(id: string, name: string, value: string, what: string): Promise<ConfigChange> {
    return await this.core.lock.run(id, 'secret', async () => {
      const stored = await this.store.read(id);
      stored[name] = { value, setAt: new Date().toISOString() };
      await this.store.write(id, stored);
      this.core.options.logger.info(what, { service: id, secret: name });
      return await this.applyToRunning(id);
    });
  }

  /**
   * A running service gets the new config at once (only the daemons it changes restart); a stopped
   * one at its next start. A runtime that cannot apply it leaves it saved, with the way to apply it.
   */
  private async applyToRunning(id: string): Promise<ConfigChange> {
    const runner = this.core.runners.get(id);
    if (runner === undefined) return { id, applied: 'saved' };
    try {
      const { restarted, added, removed } = await runner.reconfigure(await this.configOf(id));
      return { id, applied: 'reconfigured', reconfigured: { restarted, added, removed } };
    } catch (error) {
      this.core.options.logger.warn('the running service could not apply the change', { service: id, error: errorMessage(error) });
      return { id, applied: 'restart-needed', warning: `saved, but the running service could not apply it (${errorMessage(error)}); restart it to apply it: hearth restart ${id}` };
    }
  }
}
