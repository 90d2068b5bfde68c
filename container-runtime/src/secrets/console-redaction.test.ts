import { Console } from 'node:console';
import { Writable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { ConsoleRedaction } from './console-redaction.js';

/** A stream standing in for process.stdout: what reached it, as text. */
function sink(): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('the runtime console', () => {
  test('a secret value written as a string or a buffer reaches the console as its name; other writes pass as they are', () => {
    const redaction = new ConsoleRedaction();
    const out = sink();
    const undo = redaction.install([out.stream]);
    out.stream.write('before any secret: hunter2hunter2\n');
    redaction.learn({ 'db-password': 'hunter2hunter2' });
    out.stream.write('password=hunter2hunter2\n');
    out.stream.write(Buffer.from('buffer hunter2hunter2 ünïcode\n'));
    const plain = Buffer.from('nothing here\n');
    out.stream.write(plain);
    undo();
    out.stream.write('after undo: hunter2hunter2\n');
    expect(out.text()).toBe('before any secret: hunter2hunter2\npassword=[secret:db-password]\nbuffer [secret:db-password] ünïcode\nnothing here\nafter undo: hunter2hunter2\n');
  });

  test('a rotated value stays redacted beside the new one', () => {
    const redaction = new ConsoleRedaction();
    redaction.learn({ token: 'first-value-123' });
    redaction.learn({ token: 'second-value-456' });
    expect(redaction.chunk('first-value-123 second-value-456')).toBe('[secret:token] [secret:token]');
  });

  test('console.log through an installed stream is redacted', () => {
    const redaction = new ConsoleRedaction();
    const out = sink();
    redaction.install([out.stream]);
    redaction.learn({ token: 'tok-123456789' });
    new Console(out.stream).log('token is %s', 'tok-123456789');
    expect(out.text()).toBe('token is [secret:token]\n');
  });
});
