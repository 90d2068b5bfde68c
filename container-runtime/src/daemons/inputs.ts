import { createHash } from 'node:crypto';
import { HearthError, type DaemonSpec, type FileRenderer, type ServiceConfig } from '@hearth/sdk/contract';
import { renderFiles, type RenderedFile } from '../files/render.js';

/** What a daemon's run is made of besides its spec: its rendered files and the values of the secrets it names. */
export interface DaemonInputs {
  files: RenderedFile[];
  secrets: Record<string, string>;
}

/** The config of a service hearthd has not configured (an older hearthd): defaults, no secrets. */
export const EMPTY_CONFIG: ServiceConfig = { settings: {}, secrets: {} };

/** Render a daemon's files and pick the values of its secrets; a secret without a value fails its start by name. */
export async function inputsFor(spec: DaemonSpec, renderer: (ref: string) => FileRenderer | undefined, config: ServiceConfig): Promise<DaemonInputs> {
  const secrets: Record<string, string> = {};
  for (const name of spec.secrets) {
    const value = Object.hasOwn(config.secrets, name) ? config.secrets[name] : undefined;
    if (value === undefined) {
      throw new HearthError('DAEMON_FAILED', `daemon ${spec.id} names secret ${name}, which has no value`, {
        hint: `set it with \`hearth secret set <service> ${name}\``,
        details: { daemon: spec.id, secret: name },
      });
    }
    secrets[name] = value;
  }
  return { files: await renderFiles(spec, renderer, config), secrets };
}

/**
 * One digest of everything a daemon's run depends on: its spec, its files' contents, modes and
 * owners, and the values of its secrets. Equal digests: nothing to restart. Inputs that failed
 * to render have none, so they always count as changed (a restart reports the failure).
 */
export function fingerprint(spec: DaemonSpec, inputs: DaemonInputs | null): string | null {
  if (inputs === null) return null;
  return createHash('sha256').update(JSON.stringify([spec, inputs.files, Object.entries(inputs.secrets).sort()])).digest('hex');
}
