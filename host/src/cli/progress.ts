import type { HostEvent, InstallPhase } from '@hearth/sdk/contract';
import { mib } from './format.js';

const BAR_WIDTH = 30;

/**
 * Install progress on stderr: a redrawn bar on a terminal, one line per phase otherwise (so logs
 * of scripted installs stay readable).
 */
export function installProgress(stream: NodeJS.WriteStream = process.stderr): (event: HostEvent) => void {
  let lastPhase = '';
  return (event) => {
    if (event.type !== 'install.progress') return;
    const { phase, bytes, totalBytes } = event;
    if (stream.isTTY) {
      stream.write(`\r\x1b[2K${terminalLine(phase, bytes, totalBytes)}`);
      return;
    }
    if (phase !== lastPhase) stream.write(`${phase === 'starting' ? 'starting the new version' : phase}${totalBytes > 0 ? ` (${mib(totalBytes)})` : ''}\n`);
    lastPhase = phase;
  };
}

/** What replaces the progress line on a terminal for one event. */
function terminalLine(phase: InstallPhase, bytes: number, totalBytes: number): string {
  if (phase === 'starting') return 'starting the new version and waiting until it is ready…\n';
  if (phase === 'done') return ''; // the result line comes next, in its place
  if (totalBytes === 0) return `${phase}…`; // a step without a byte count
  const filled = Math.round(Math.min(1, bytes / totalBytes) * BAR_WIDTH);
  return `${phase.padEnd(10)} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${mib(bytes)} / ${mib(totalBytes)}`;
}
