import type { Command } from '../command.js';
import { install } from './install.js';
import { trust } from './trust.js';
import { uninstall } from './uninstall.js';
import { list } from './list.js';
import { info } from './info.js';
import { server } from './server.js';
import { start } from './start.js';
import { stop } from './stop.js';
import { status } from './status.js';
import { stats } from './stats.js';
import { restart } from './restart.js';
import { execCommand } from './exec.js';
import { cp } from './cp.js';
import { actions } from './actions.js';
import { action } from './action.js';
import { logs } from './logs.js';
import { net } from './net.js';
import { ca } from './ca.js';
import { config } from './config.js';
import { secret } from './secret.js';
import { backup, restore } from './backup.js';
import { kube } from './kube.js';
import { registry, search, updates } from './registry.js';

/** In the order `hearth --help` lists them. */
export const COMMANDS: readonly Command[] = [install, trust, uninstall, list, info, server, start, stop, status, stats, restart, execCommand, cp, actions, action, logs, config, secret, backup, restore, net, ca, registry, search, updates, kube];
