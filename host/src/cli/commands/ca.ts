import { type Command, usageError } from '../command.js';

export const ca: Command = {
  names: ['ca'],
  usage: `  ca export                   print hearth's CA certificate (PEM): import it in a browser or phone to
                              trust the https:// addresses of interfaces`,
  async run({ args, values, run }) {
    if (args.length !== 1 || args[0] !== 'export') throw usageError('ca takes: export');
    return run(async (c) => {
      const result = await c.call('server.ca', {});
      // The PEM itself is the output (pipe it to a file); its fingerprint goes to stderr for people.
      if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else {
        process.stdout.write(result.certificate);
        process.stderr.write(`hearth CA, SHA-256 fingerprint ${result.fingerprint}\n`);
      }
    });
  },
};
