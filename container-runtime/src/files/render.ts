import { HearthError, MAX_RENDERED_FILE_BYTES, errorMessage, type DaemonSpec, type FileRenderer, type ServiceConfig } from '@hearth/sdk/contract';
import { settlesWithin } from '../daemons/settles.js';

/** A render function is package code run before a daemon starts: one that hangs fails that start instead of holding it. */
export const RENDER_TIMEOUT_MS = 10_000;

/** A file's content as its render function returned it, and which secrets it read doing so. */
export interface RenderedFile {
  path: string;
  mode: number;
  owner: string | null;
  content: string;
  /** Names of the secrets it read: such a file never touches disk (it lives on the daemon's secrets tmpfs). */
  secretsRead: string[];
}

/** Where a rendered file goes: the daemon's writable layer, or its secrets tmpfs bind-mounted read-only at its path. */
export type FilePlacement = 'layer' | 'secrets-tmpfs';

export function placementOf(file: Pick<RenderedFile, 'secretsRead'>): FilePlacement {
  return file.secretsRead.length > 0 ? 'secrets-tmpfs' : 'layer';
}

function renderError(spec: DaemonSpec, path: string, message: string, hint: string): HearthError {
  return new HearthError('DAEMON_FAILED', `daemon ${spec.id}: file ${path}: ${message}`, { hint, details: { daemon: spec.id, file: path } });
}

/**
 * The secret values as a render function sees them: each name read is recorded (spreading or
 * JSON-encoding the object reads them all). A name with no value throws, so a typo or a secret
 * the user has not set fails the start by name instead of writing `undefined` into a config file.
 */
function recordingSecrets(values: Readonly<Record<string, string>>, read: Set<string>, spec: DaemonSpec, path: string): Record<string, string> {
  const has = (name: string): boolean => Object.hasOwn(values, name);
  return new Proxy<Record<string, string>>({}, {
    get(_target, name) {
      if (typeof name !== 'string' || name === 'then' || name === 'toJSON') return undefined;
      if (!has(name)) throw renderError(spec, path, `it read secret ${JSON.stringify(name)}, which has no value`, 'declare it in the manifest and set it with `hearth secret set`');
      read.add(name);
      return values[name];
    },
    has: (_target, name) => typeof name === 'string' && has(name),
    ownKeys: () => Object.keys(values),
    getOwnPropertyDescriptor(_target, name) {
      if (typeof name !== 'string' || !has(name)) return undefined;
      read.add(name);
      return { value: values[name], enumerable: true, configurable: true, writable: false };
    },
  });
}

async function renderOne(spec: DaemonSpec, file: DaemonSpec['files'][number], render: FileRenderer | undefined, config: ServiceConfig, timeoutMs: number): Promise<RenderedFile> {
  if (render === undefined) throw renderError(spec, file.path, 'the package has no render function for it', 'rebuild the package with the current SDK');
  const read = new Set<string>();
  let content: unknown;
  try {
    const rendering = Promise.resolve().then(() => render({ settings: { ...config.settings }, secrets: recordingSecrets(config.secrets, read, spec, file.path) }));
    if (!(await settlesWithin(rendering, timeoutMs))) {
      rendering.catch(() => undefined); // it may still settle; nobody waits for it
      throw renderError(spec, file.path, `rendering it took more than ${timeoutMs} ms`, 'a render function should only build text from the settings and secrets');
    }
    content = await rendering;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'DAEMON_FAILED') throw error;
    throw renderError(spec, file.path, `rendering it failed: ${errorMessage(error)}`, 'fix the render function in the package');
  }
  if (typeof content !== 'string') throw renderError(spec, file.path, `its render function returned ${typeof content}, not a string`, 'return the file content as a string');
  const size = Buffer.byteLength(content);
  if (size > MAX_RENDERED_FILE_BYTES) throw renderError(spec, file.path, `it is ${size} bytes; at most ${MAX_RENDERED_FILE_BYTES} are written`, 'put large data in a volume instead');
  return { path: file.path, mode: file.mode, owner: file.owner, content, secretsRead: [...read].sort() };
}

/** Every file of a daemon, rendered from the settings and secret values; the first failure names the daemon and file. */
export async function renderFiles(spec: DaemonSpec, renderer: (ref: string) => FileRenderer | undefined, config: ServiceConfig, timeoutMs = RENDER_TIMEOUT_MS): Promise<RenderedFile[]> {
  const out: RenderedFile[] = [];
  for (const file of spec.files) out.push(await renderOne(spec, file, renderer(file.ref), config, timeoutMs));
  return out;
}
