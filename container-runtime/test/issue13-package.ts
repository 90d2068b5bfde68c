/**
 * The package module of the secrets/settings/hooks test, as hearth-pack would bundle it, by hand:
 * `db` (user app) names secret `password` and renders /etc/db.conf from it; `web` (root) renders
 * /etc/web.conf from setting `title`; `workers` (a setting) decides how many `worker<n>` there
 * are. web's readiness hook runs a one-off process; the `export` action runs one with a secret.
 */
export const PASSWORD = 'pw-first-0123456789abcdef';
export const TOKEN = 'tok-0123456789abcdef-token';

export const manifest = {
  id: 'runtime-test',
  title: 'Runtime test',
  version: '1.0.0',
  images: { web: { source: { type: 'directory', path: 'image' } } },
  volumes: ['site', 'data', 'logs'],
  secrets: { password: { description: 'db' }, token: { description: 'export' } },
  settings: { title: { type: 'string', default: 'Notes' }, workers: { type: 'number', default: 1 } },
};

export function issue13Module(): string {
  return `const restart = { mode: 'never', initialDelayMs: 1000, maxDelayMs: 30000, resetAfterMs: 60000, maxCrashes: 5, windowMs: 300000 };
const base = { kind: 'daemon', image: 'web', command: ['sleep', '1000'], env: {}, user: null, workdir: null, mounts: [], requires: [], ready: null, live: null, restart, stopSignal: 'SIGTERM', stopTimeoutMs: 10000, stopWhenRequirementsLost: false, secrets: [], files: [] };
const daemon = (id, extra) => ({ ...base, id, ...extra });
export const main = ({ settings }) => {
  const specs = [
    daemon('db', { user: 'app', secrets: ['password'], files: [{ path: '/etc/db.conf', mode: 0o400, owner: null, ref: 'db:/etc/db.conf' }] }),
    daemon('web', { files: [{ path: '/etc/web.conf', mode: 0o600, owner: 'app', ref: 'web:/etc/web.conf' }] }),
    ...Array.from({ length: settings.workers }, (_, i) => daemon('worker' + i, { user: 'app' })),
  ];
  const renderers = {
    'db:/etc/db.conf': ({ secrets }) => {
      const content = 'password=' + secrets.password + '\\n';
      // Package code printing what it rendered: the console is runtime.log on the host.
      console.log('rendered /etc/db.conf: ' + content);
      return content;
    },
    'web:/etc/web.conf': ({ settings }) => 'title=' + settings.title + '\\n',
  };
  return { toSpec: () => structuredClone(specs), checkFunction: () => undefined, fileRenderer: (ref) => renderers[ref] };
};
export const hooks = {
  daemonReady: async (ctx, { daemon }) => {
    if (daemon !== 'web') return;
    const r = await ctx.run('web', ['sh', '-c', 'id -u; ls -A /run/secrets'], { user: 'app' });
    ctx.setMessage('web ready; one-off said ' + r.stdout.trim());
  },
};
export const actions = {
  list: () => [{ id: 'export', name: 'Export', description: 'a one-off process', input: {} }],
  run: async (id, input, exec, tools) => {
    const r = await tools.run('web', ['sh', '-c', 'cat /run/secrets/token; echo; echo to-err >&2; touch /data/from-run; exit 3'], { secrets: ['token'], mounts: [{ volume: 'data', path: '/data' }] });
    return { message: 'exit ' + r.exitCode, data: r };
  },
};
`;
}
