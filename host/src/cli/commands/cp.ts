import { type Command, usageError } from '../command.js';

export const cp: Command = {
  names: ['cp'],
  usage: `  cp <id>:<path> <file> | cp <file> <id>:<path> [--daemon D | --volume V]
                              copy a file out of or into a running service (up to 4 MiB)`,
  async run({ args, values, print, run }) {
    if (args.length !== 2) throw usageError('cp takes a source and a destination, one of them <id>:<path>');
    const remote = (arg: string): { id: string; path: string } | null => {
      const m = /^([a-z][a-z0-9-]*):(\/.*)$/.exec(arg);
      return m?.[1] && m[2] ? { id: m[1], path: m[2] } : null;
    };
    const [from = '', to = ''] = args;
    const target = { ...(values.daemon && { daemon: values.daemon }), ...(values.volume && { volume: values.volume }) };
    const src = remote(from);
    const dst = remote(to);
    if ((src === null) === (dst === null)) throw usageError('exactly one of the two paths must be <id>:/absolute/path');
    const { readFile, writeFile } = await import('node:fs/promises');
    return run(async (c) => {
      if (dst) {
        const content = await readFile(from);
        const result = await c.call('service.put', { id: dst.id, path: dst.path, contentBase64: content.toString('base64'), ...target });
        print(result, `copied ${result.size} bytes to ${to}`);
      } else if (src) {
        const result = await c.call('service.fetch', { id: src.id, path: src.path, ...target });
        await writeFile(to, Buffer.from(result.contentBase64, 'base64'));
        print({ size: result.size }, `copied ${result.size} bytes to ${to}`);
      }
    });
  },
};
