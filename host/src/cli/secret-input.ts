import { HearthError } from '@hearth/sdk/contract';

/** More than the longest secret (MAX_SECRET_LENGTH): reading stops here instead of growing without end. */
const MAX_SECRET_INPUT_BYTES = 64 * 1024;

/**
 * A secret's value from stdin: typed at a terminal without echo (Enter ends it), or piped
 * (`hearth secret set svc name < file`), one trailing newline dropped as `echo` and editors add it.
 */
export async function readSecretValue(prompt: string, stdin: NodeJS.ReadStream = process.stdin, stderr: NodeJS.WriteStream = process.stderr): Promise<string> {
  if (stdin.isTTY) return await readHidden(prompt, stdin, stderr);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    size += (chunk as Buffer).length;
    if (size > MAX_SECRET_INPUT_BYTES) throw new HearthError('INVALID_PARAMS', `a secret's value is at most ${MAX_SECRET_INPUT_BYTES} bytes on stdin`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

function readHidden(prompt: string, stdin: NodeJS.ReadStream, stderr: NodeJS.WriteStream): Promise<string> {
  stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let value = '';
    const done = (error?: HearthError): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (text: string): void => {
      for (const char of text) {
        if (char === '\r' || char === '\n' || char === '\u0004') return done();
        if (char === '\u0003') return done(new HearthError('INVALID_PARAMS', 'cancelled'));
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else value += char;
      }
    };
    stdin.on('data', onData);
    stdin.resume();
  });
}
