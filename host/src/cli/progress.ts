import type { HostEvent } from '@hearth/sdk/contract';
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
    if (!stream.isTTY) {
      if (phase !== lastPhase) stream.write(`${phase === 'starting' ? 'starting the new version' : phase}${totalBytes > 0 ? ` (${mib(totalBytes)})` : ''}\n`);
      lastPhase = phase;
      return;
    }
    if (phase === 'starting') {
      stream.write('\r\x1b[2Kstarting the new version and waiting until it is ready…\n');
      lastPhase = phase;
      return;
    }
    if (totalBytes === 0 && phase !== 'done') {
      stream.write(`\r\x1b[2K${phase}…`); // a step without a byte count
      lastPhase = phase;
      return;
    }
    const fraction = totalBytes > 0 ? Math.min(1, bytes / totalBytes) : 1;
    const filled = Math.round(fraction * BAR_WIDTH);
    const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
    stream.write(`\r\x1b[2K${phase.padEnd(10)} ${bar} ${mib(bytes)} / ${mib(totalBytes)}`);
    if (phase === 'done') stream.write('\r\x1b[2K');
    lastPhase = phase;
  };
}
