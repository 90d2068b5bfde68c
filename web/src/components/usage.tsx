import { useEffect, useState } from 'preact/hooks';
import type { ServiceUsage } from '@hearth/sdk/contract';
import type { Api } from '../api.js';

/** How often the page asks for usage while it is visible. */
export const USAGE_POLL_MS = 3_000;
/** Samples kept per chart: two minutes at the poll rate. */
const SAMPLES = 40;
const W = 160;
const H = 40;

interface Sample {
  at: number;
  memory: number;
  cpu: number | null;
  pids: number;
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** Memory, CPU and processes of a running service against its limits: small live charts with the numbers in words. */
export function Usage({ api, id }: { api: Api; id: string }) {
  const [samples, setSamples] = useState<Sample[]>([]);
  const [usage, setUsage] = useState<ServiceUsage | null>(null);
  useEffect(() => {
    let last: { at: number; cpuSeconds: number } | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const poll = async (): Promise<void> => {
      if (document.visibilityState === 'visible') {
        try {
          const found = (await api.call('service.stats', { id })).services.find((s) => s.id === id) ?? null;
          if (stopped) return;
          setUsage(found);
          if (found) {
            const at = Date.now();
            const cpu = last ? (found.cpuSeconds - last.cpuSeconds) / ((at - last.at) / 1000) : null;
            last = { at, cpuSeconds: found.cpuSeconds };
            setSamples((list) => [...list, { at, memory: found.memoryBytes, cpu: cpu === null ? null : Math.max(0, cpu), pids: found.pids }].slice(-SAMPLES));
          }
        } catch {
          if (!stopped) setUsage(null); // a stopped service has no usage: the charts wait for it
        }
      }
      if (!stopped) timer = setTimeout(() => void poll(), USAGE_POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [api, id]);
  if (usage === null) return <p class="muted">Usage shows while it runs.</p>;
  const cpuNow = samples.at(-1)?.cpu ?? null;
  return (
    <div class="usage">
      <Chart label="Memory" values={samples.map((s) => s.memory)} limit={usage.memoryLimitBytes} text={`${mib(usage.memoryBytes)} of ${usage.memoryLimitBytes === null ? 'no limit' : mib(usage.memoryLimitBytes)}`} />
      <Chart label="CPU" values={samples.map((s) => s.cpu ?? 0)} limit={null} text={cpuNow === null ? 'measuring…' : `${(cpuNow * 100).toFixed(0)}% of one core`} />
      <Chart label="Processes" values={samples.map((s) => s.pids)} limit={usage.pidsLimit} text={`${usage.pids} of ${usage.pidsLimit ?? 'no limit'}`} />
    </div>
  );
}

/** A sparkline scaled to the limit (or the largest sample without one), the limit drawn as a dashed line. */
function Chart({ label, values, limit, text }: { label: string; values: number[]; limit: number | null; text: string }) {
  const top = Math.max(limit ?? 0, ...values, 1e-9);
  const points = values.map((v, i) => `${((i / Math.max(SAMPLES - 1, 1)) * W).toFixed(1)},${(H - (v / top) * (H - 2) - 1).toFixed(1)}`).join(' ');
  return (
    <figure class="chart" data-chart={label}>
      <figcaption>
        <strong>{label}</strong> <span class="chart-value">{text}</span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} width={W} height={H} aria-hidden="true">
        {limit !== null ? <line class="chart-limit" x1="0" x2={W} y1="1" y2="1" /> : null}
        <polyline class="chart-line" points={points} />
      </svg>
    </figure>
  );
}
