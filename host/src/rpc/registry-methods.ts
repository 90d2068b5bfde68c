import { HearthError, isValidRange, type HostMethods } from '@hearth/sdk/contract';
import type { Registries } from '../registry/registries.js';
import { REGISTRY_NAME } from '../registry/store.js';
import { parseParams, serviceId } from './params.js';

type RegistryMethodName = Extract<keyof HostMethods, `registry.${string}`>;
type Implementation = { [M in RegistryMethodName]: (params: unknown) => Promise<HostMethods[M]['result']> | HostMethods[M]['result'] };

const registryName = { kind: 'string', check: (v: string) => (REGISTRY_NAME.test(v) ? null : 'expected a registry name: a lowercase letter, then letters, digits and dashes (32 at most)') } as const;
const versionRange = { kind: 'string', optional: true, check: (v: string) => (v.length <= 256 && isValidRange(v) ? null : 'expected a version range such as ^1.2.0, ~1.2, 1.x or 1.2.3') } as const;
const MAX_URL_CHARS = 2048;
const MAX_WORDS = 16;
const MAX_WORD_CHARS = 64;

function checkUrl(v: string): string | null {
  if (v.length > MAX_URL_CHARS) return `expected at most ${MAX_URL_CHARS} characters`;
  try {
    const url = new URL(v);
    return url.protocol === 'http:' || url.protocol === 'https:' ? null : 'expected an http:// or https:// URL';
  } catch {
    return 'expected a URL';
  }
}

/** `registry.*`: where packages come from besides files; params checked here. */
export function registryMethods(registries: Registries): Implementation {
  return {
    'registry.add': async (params) => {
      const p = parseParams('registry.add', params, { name: registryName, url: { kind: 'string', check: checkUrl }, publicKey: { kind: 'string' } });
      return await registries.add(p.name, p.url, p.publicKey);
    },
    'registry.list': (params) => {
      parseParams('registry.list', params, {});
      return { registries: registries.list() };
    },
    'registry.remove': async (params) => {
      const p = parseParams('registry.remove', params, { name: registryName });
      await registries.remove(p.name);
      return { name: p.name };
    },
    'registry.search': async (params) => {
      const p = parseParams('registry.search', params, {
        words: { kind: 'string[]', optional: true, check: (v: string[]) => (v.length <= MAX_WORDS && v.every((w) => w.length <= MAX_WORD_CHARS) ? null : `expected at most ${MAX_WORDS} words of ${MAX_WORD_CHARS} characters`) },
      });
      return { packages: await registries.search(p.words ?? []) };
    },
    'registry.plan': async (params) => {
      const p = parseParams('registry.plan', params, { id: serviceId, range: versionRange, registry: { ...registryName, optional: true } });
      return { plan: await registries.plan(p.id, p.range ?? '*', p.registry) };
    },
    'registry.install': async (params) => {
      const p = parseParams('registry.install', params, {
        id: serviceId,
        range: versionRange,
        registry: { ...registryName, optional: true },
        allowUntrusted: { kind: 'boolean', optional: true },
        dependencies: { kind: 'boolean', optional: true },
      });
      const { registry, allowUntrusted, dependencies } = p;
      return await registries.install(p.id, p.range ?? '*', { ...(registry !== undefined && { registry }), ...(allowUntrusted !== undefined && { allowUntrusted }), ...(dependencies !== undefined && { dependencies }) });
    },
    'registry.updates': async (params) => {
      parseParams('registry.updates', params, {});
      return { updates: await registries.updates() };
    },
    'registry.update': async (params) => {
      const p = parseParams('registry.update', params, { id: { ...serviceId, optional: true }, all: { kind: 'boolean', optional: true }, allowUntrusted: { kind: 'boolean', optional: true } });
      if ((p.id === undefined) === (p.all !== true)) throw new HearthError('INVALID_PARAMS', 'registry.update: give either "id" or "all": true', { hint: 'see host/README.md for the method reference' });
      return { updated: await registries.update(p.id ?? null, p.allowUntrusted) };
    },
  };
}
