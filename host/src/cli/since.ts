import { HearthError } from '@hearth/sdk/contract';

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `--since`: a duration back from `now` (`30s`, `10m`, `2h`, `1d`) or a date `Date.parse` understands; ms since epoch. */
export function parseSince(value: string, now: number): number {
  const duration = /^(\d+)([smhd])$/.exec(value);
  if (duration?.[1] !== undefined && duration[2] !== undefined) {
    return now - Number(duration[1]) * UNIT_MS[duration[2] as keyof typeof UNIT_MS];
  }
  const date = Date.parse(value);
  if (Number.isNaN(date)) {
    throw new HearthError('INVALID_PARAMS', `--since ${JSON.stringify(value)} is neither a duration nor a date`, {
      hint: 'use 30s, 10m, 2h, 1d, or a date like 2026-11-25T10:00:00Z',
    });
  }
  return date;
}
