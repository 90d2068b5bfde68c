import { describe, expect, it } from 'vitest';
import { COMMAND_OUTPUT_MAX_BYTES, runChecked, runCommand } from './run-command.js';

const LONG_MS = 10_000;

describe('runCommand', () => {
  it('gives the output of a command that exits 0, without the last newline', async () => {
    const result = await runCommand('sh', ['-c', 'echo out; echo err >&2'], { timeoutMs: LONG_MS });
    expect(result).toMatchObject({ exitCode: 0, stdout: 'out', stderr: 'err', timedOut: false, canceled: false, shortMessage: '' });
  });

  it('says the exit code of a command that fails, and runChecked throws it with its stderr', async () => {
    const result = await runCommand('sh', ['-c', 'echo nope >&2; exit 3'], { timeoutMs: LONG_MS });
    expect(result.exitCode).toBe(3);
    expect(result.shortMessage).toBe('Command failed with exit code 3: sh -c echo nope >&2; exit 3');
    await expect(runChecked('sh', ['-c', 'echo nope >&2; exit 3'], { timeoutMs: LONG_MS })).rejects.toMatchObject({ code: 'CONTAINER_FAILED', message: expect.stringMatching(/exit code 3[^]*nope/) as string });
  });

  it('kills a command that outlives its timeout and says it timed out', async () => {
    const started = performance.now();
    const result = await runCommand('sh', ['-c', 'trap "" TERM; sleep 30'], { timeoutMs: 200 });
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(result).toMatchObject({ timedOut: true, signal: 'SIGKILL', exitCode: null });
    expect(result.shortMessage).toMatch(/timed out after 200 milliseconds/);
  });

  it('kills a command when its signal aborts, and one whose signal already aborted', async () => {
    const controller = new AbortController();
    const running = runCommand('sleep', ['30'], { timeoutMs: LONG_MS, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    expect(await running).toMatchObject({ canceled: true, timedOut: false, signal: 'SIGKILL' });
    expect(await runCommand('sleep', ['30'], { timeoutMs: LONG_MS, signal: AbortSignal.abort() })).toMatchObject({ canceled: true });
  });

  it('keeps at most COMMAND_OUTPUT_MAX_BYTES of a stream that writes without end', async () => {
    const result = await runCommand('sh', ['-c', `head -c ${COMMAND_OUTPUT_MAX_BYTES * 4} /dev/zero | tr '\\0' x`], { timeoutMs: LONG_MS });
    expect(result.exitCode).toBe(0);
    expect(result.stdout.length).toBe(COMMAND_OUTPUT_MAX_BYTES);
  });

  it('gives the command only the environment it was passed', async () => {
    const result = await runCommand('/usr/bin/env', [], { timeoutMs: LONG_MS, env: { ONLY: 'this' } });
    expect(result.stdout).toBe('ONLY=this');
  });

  it('says why a command that cannot be spawned failed, without throwing', async () => {
    const result = await runCommand('/nonexistent/command', [], { timeoutMs: LONG_MS });
    expect(result.exitCode).toBeNull();
    expect(result.shortMessage).toMatch(/ENOENT/);
  });
});
