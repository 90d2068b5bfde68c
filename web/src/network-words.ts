import type { PackageSummary, ServiceNetworkStatus } from '@hearth/sdk/contract';

/** A service's internet access in words, as `hearth status` says it: allowed, asked for but revoked, or never asked. */
export function outboundWords(n: Pick<ServiceNetworkStatus, 'outbound' | 'outboundRequested'>): string {
  if (n.outbound) return 'It may connect to the internet and the LAN, as its package asks.';
  if (n.outboundRequested) return 'Its package asks to connect to the internet and the LAN: not allowed now.';
  return 'It does not ask for the internet or the LAN: it reaches only the services it depends on.';
}

/** What an install granted, for the page that installed it (the CLI prints the same after `hearth install`). */
export function grantedWords(pkg: Pick<PackageSummary, 'granted'>): string | null {
  const g = pkg.granted;
  if (g === undefined) return null;
  const revocable = g.outboundRequested ? ' You can change this on its page, under Network.' : '';
  return `Address ${g.address} on hearth's network. ${outboundWords(g)}${revocable}`;
}
