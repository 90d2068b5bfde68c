import { formatNetworkRules } from '../format.js';
import { type Command, usageError } from '../command.js';

export const net: Command = {
  names: ['net'],
  usage: `  net                         hearth's bridge and every rule of its firewall, in words
  net outbound <id> on|off    allow or revoke a service's connections to the internet and the LAN`,
  async run({ args, print, run }) {
    const [sub, id, value] = args;
    if (sub === undefined) return run(async (c) => {
      const rules = await c.call('network.rules', {});
      print(rules, formatNetworkRules(rules));
    });
    if (sub === 'outbound' && id !== undefined && (value === 'on' || value === 'off') && args.length === 3) {
      return run(async (c) => {
        const status = await c.call('service.setOutbound', { id, outbound: value === 'on' });
        print(status, value === 'on' ? `${id} may now connect to the internet and the LAN (its DNS servers apply from its next start)` : `${id} can no longer connect out; replies to connections made to it still pass`);
      });
    }
    throw usageError('net takes: nothing, or outbound <id> on|off');
  },
};
