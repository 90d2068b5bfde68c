import { HearthError } from '@hearth/sdk/contract';

/**
 * Five-field cron expressions (minute hour day-of-month month day-of-week) as crontab(5) reads
 * them: `*`, numbers, ranges `a-b`, lists `a,b`, steps `*\/n`, `a-b/n` and `a/n`, month and day
 * names (`jan`, `mon`), 7 for Sunday; when both day fields are restricted a day matching either
 * runs (Vixie cron). Times are the host's local time, as cron's. Pure: the caller passes instants.
 */

export interface CronSpec {
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  days: ReadonlySet<number>;
  months: ReadonlySet<number>;
  /** 0 is Sunday. */
  weekdays: ReadonlySet<number>;
  /** The day-of-month field began with `*` (Vixie cron: then both day fields must match). */
  anyDay: boolean;
  /** The day-of-week field began with `*`. */
  anyWeekday: boolean;
}

export const MAX_CRON_CHARS = 200;
/** How far ahead a match is looked for: covers a leap day (Feb 29) and every weekday of it. */
const HORIZON_MS = 8 * 366 * 24 * 3600_000;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface Field {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** The first name's number (months count from 1). */
  namesFrom?: number;
}

const FIELDS: Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, namesFrom: 1 },
  { name: 'day of week', min: 0, max: 7, names: WEEKDAYS, namesFrom: 0 },
];

function invalid(expression: string, why: string): HearthError {
  return new HearthError('INVALID_PARAMS', `cron expression ${JSON.stringify(expression)}: ${why}`, { hint: "five fields: minute hour day-of-month month day-of-week, e.g. '30 3 * * *' for 03:30 every day" });
}

function parseField(expression: string, field: Field, text: string): Set<number> {
  const value = (token: string): number => {
    const named = field.names?.indexOf(token.toLowerCase()) ?? -1;
    if (named >= 0) return named + (field.namesFrom ?? 0);
    if (!/^\d{1,2}$/.test(token)) throw invalid(expression, `${field.name}: ${JSON.stringify(token)} is not a number${field.names ? ' or a name' : ''}`);
    const n = Number(token);
    if (n < field.min || n > field.max) throw invalid(expression, `${field.name}: ${n} is outside ${field.min}-${field.max}`);
    return n;
  };
  const out = new Set<number>();
  for (const item of text.split(',')) {
    const [range = '', stepText, extra] = item.split('/');
    if (extra !== undefined) throw invalid(expression, `${field.name}: ${JSON.stringify(item)} has two steps`);
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1 || step > field.max || (stepText !== undefined && !/^\d+$/.test(stepText))) throw invalid(expression, `${field.name}: bad step ${JSON.stringify(stepText)}`);
    let from: number;
    let to: number;
    if (range === '*') [from, to] = [field.min, field.max];
    else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-', 2);
      [from, to] = [value(a), value(b)];
      if (from > to) throw invalid(expression, `${field.name}: the range ${range} runs backwards`);
    } else {
      from = value(range);
      to = stepText === undefined ? from : field.max; // `a/n`: from a to the end, every n
    }
    for (let n = from; n <= to; n += step) out.add(n);
  }
  return out;
}

/** Parse and check an expression; one that can never match (`0 0 30 2 *`) is refused. */
export function parseCron(expression: string): CronSpec {
  if (expression.length > MAX_CRON_CHARS) throw invalid(expression.slice(0, 40), `longer than ${MAX_CRON_CHARS} characters`);
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== FIELDS.length) throw invalid(expression, `${parts.length} fields, expected 5`);
  const [minutes, hours, days, months, weekdays] = FIELDS.map((field, i) => parseField(expression, field, parts[i] ?? '')) as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  if (weekdays.delete(7)) weekdays.add(0);
  const spec: CronSpec = { minutes, hours, days, months, weekdays, anyDay: parts[2]?.startsWith('*') === true, anyWeekday: parts[4]?.startsWith('*') === true };
  if (nextCronTime(spec, Date.UTC(2000, 0, 1)) === null) throw invalid(expression, 'it never matches a date');
  return spec;
}

function dayMatches(spec: CronSpec, d: Date): boolean {
  const day = spec.days.has(d.getDate());
  const weekday = spec.weekdays.has(d.getDay());
  if (spec.anyDay || spec.anyWeekday) return day && weekday;
  return day || weekday;
}

/** The first whole minute strictly after `afterMs` that the spec matches (local time), or null within the horizon. */
export function nextCronTime(spec: CronSpec, afterMs: number): number | null {
  const d = new Date(afterMs);
  d.setSeconds(0, 0);
  d.setMinutes(d.getMinutes() + 1);
  const end = afterMs + HORIZON_MS;
  while (d.getTime() <= end) {
    if (!spec.months.has(d.getMonth() + 1)) {
      d.setMonth(d.getMonth() + 1, 1);
      d.setHours(0, 0, 0, 0);
    } else if (!dayMatches(spec, d)) {
      d.setDate(d.getDate() + 1);
      d.setHours(0, 0, 0, 0);
    } else if (!spec.hours.has(d.getHours())) {
      d.setHours(d.getHours() + 1, 0, 0, 0);
    } else if (!spec.minutes.has(d.getMinutes())) {
      d.setMinutes(d.getMinutes() + 1, 0, 0);
    } else {
      return d.getTime();
    }
  }
  return null;
}
