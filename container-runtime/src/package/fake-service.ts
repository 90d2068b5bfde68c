import { validateManifest, type DaemonSpec, type FileRenderer, type HookReport, type ImageConfig, type PackageHooks, type ServiceConfig } from '@hearth/sdk/contract';
import { createLogger } from '@hearth/sdk/system';
import { fakeSystem, type FakeSystem } from '../daemons/fake-deps.js';
import { loopbackIdentity } from '../mounts/host-files.js';
import { runtimePaths } from '../paths.js';
import { Service } from './service.js';

/** A Service on fake mounts and processes, with a hand-written package module, for tests. */
export interface FakeService {
  service: Service;
  system: FakeSystem;
  reports: HookReport[];
  messages: (string | null)[];
  /** pid of each daemon now (undefined while not running). */
  pids: () => Record<string, number | undefined>;
  cleanup: () => Promise<void>;
}

export const IMAGE: ImageConfig = { entrypoint: null, cmd: ['sh'], env: [], workdir: '/', user: 'root' };
const quiet = createLogger({}, () => true);

export interface FakePackage {
  settings?: Record<string, { type: 'string' | 'number' | 'boolean'; default?: string | number | boolean }>;
  secrets?: string[];
  /** `main`: the specs for these settings, and the render functions by ref. */
  main(settings: ServiceConfig['settings']): { specs: DaemonSpec[]; renderers?: Record<string, FileRenderer> };
  hooks?: PackageHooks;
}

export async function fakeService(pkg: FakePackage, hookTimeoutMs?: number): Promise<FakeService> {
  const system = await fakeSystem();
  const manifest = validateManifest({
    id: 'demo',
    title: 'Demo',
    version: '2.0.0',
    images: { main: { source: { type: 'directory', path: 'image' } } },
    volumes: ['data'],
    settings: pkg.settings ?? {},
    secrets: Object.fromEntries((pkg.secrets ?? []).map((name) => [name, {}])),
  });
  const module = {
    main: ({ settings }: { settings: ServiceConfig['settings'] }) => {
      const { specs, renderers = {} } = pkg.main(settings);
      return { toSpec: () => structuredClone(specs), checkFunction: () => undefined, fileRenderer: (ref: string) => renderers[ref] };
    },
  };
  const { daemonsFor } = await import('./load.js');
  const { settingsFor } = await import('./settings.js');
  const settings = settingsFor(manifest.settings, {});
  const reports: HookReport[] = [];
  const messages: (string | null)[] = [];
  const service = new Service(
    { manifest, module, daemons: await daemonsFor(module, manifest, settings), settings, actions: null, hooks: pkg.hooks ?? {}, images: new Map([['main', IMAGE]]) },
    {
      paths: runtimePaths({ HEARTH_MEDIA_DIR: system.dir }),
      identity: loopbackIdentity('demo'),
      deps: system.deps,
      events: { onStatus: () => undefined, onLog: () => undefined },
      onHookReport: (report) => reports.push(report),
      onMessage: (text) => messages.push(text),
      logger: quiet,
    },
    hookTimeoutMs,
  );
  return {
    service,
    system,
    reports,
    messages,
    pids: () => Object.fromEntries(service.manager.statuses().map((s) => [s.id, s.pid])),
    cleanup: async () => {
      await service.manager.stop();
      await system.cleanup();
    },
  };
}
