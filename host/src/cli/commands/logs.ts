import { type HostNotifications, type LogEntry } from '@hearth/sdk/contract';
import { HostClient } from '../client.js';
import { parseSince } from '../since.js';
import { formatLogEntry } from '../format.js';
import { type Command, usageError } from '../command.js';

export const logs: Command = {
  names: ['logs'],
  usage: `  logs <id> [--daemon D] [--since T] [--tail N] [-f]
                              daemon output; T is 30s, 10m, 2h, 1d or a date; -f follows`,
  async run({ values, socket, oneArg }) {
    const id = oneArg('the package id');
    const since = values.since === undefined ? undefined : parseSince(values.since, Date.now());
    const tail = values.tail === undefined ? undefined : Number(values.tail);
    if (tail !== undefined && (!Number.isInteger(tail) || tail < 0)) throw usageError(`--tail ${values.tail} must be a whole number`);
    const show = (entry: LogEntry): void => {
      process.stdout.write(values.json ? `${JSON.stringify(entry)}\n` : `${formatLogEntry(entry)}\n`);
    };
    const onNotification = (method: string, params: unknown): void => {
      if (method === 'service.log') show((params as HostNotifications['service.log']).entry);
    };
    const client = await HostClient.connect(socket, onNotification);
    try {
      const params = { id, follow: values.follow, ...(values.daemon && { daemon: values.daemon }), ...(since !== undefined && { since }), ...(tail !== undefined && { limit: tail }) };
      const { entries } = await client.call('service.logs', params);
      for (const entry of entries) show(entry);
      if (values.follow) await client.closed; // until hearthd goes away or the user presses Ctrl-C
    } finally {
      await client.close();
    }
    return;
  },
};
