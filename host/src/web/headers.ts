import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';

/**
 * Everything the page loads comes from the dashboard itself: no inline script or style, no
 * framing, no plugin, forms only to itself.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function setSecurityHeaders(res: ServerResponse, tls: boolean): void {
  res.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('cross-origin-opener-policy', 'same-origin');
  res.setHeader('cross-origin-resource-policy', 'same-origin');
  res.setHeader('permissions-policy', 'camera=(), microphone=(), geolocation=(), usb=(), serial=()');
  if (tls) res.setHeader('strict-transport-security', 'max-age=31536000');
}

/**
 * The Host header must name this machine: an IP literal, localhost, or one of `names`. A name
 * that merely resolves here (DNS rebinding: evil.example → 127.0.0.1) is refused, so another
 * site's page can never talk to the dashboard as same-origin.
 */
export function hostAllowed(hostHeader: string | undefined, names: ReadonlySet<string>): boolean {
  if (hostHeader === undefined) return false;
  const host = hostHeader.toLowerCase().replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  return isIP(host) !== 0 || host === 'localhost' || names.has(host);
}

/**
 * A state-changing request must come from the dashboard's own page: its Origin (browsers send
 * it on every POST from a page) is this server, and Sec-Fetch-Site, when the browser sends it, says same-origin.
 */
export function sameOrigin(req: IncomingMessage, tls: boolean): boolean {
  const origin = req.headers.origin;
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return false;
  if (origin === undefined) return false;
  return origin === `${tls ? 'https' : 'http'}://${req.headers.host ?? ''}`;
}

/** The address sign-in attempts are counted by: an IPv4 address, or an IPv6 /64 (one household or one attacker's block). */
export function clientKey(remoteAddress: string | undefined): string {
  const address = (remoteAddress ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  if (isIP(address) !== 6) return address;
  const groups = expandIpv6(address);
  return `${groups.slice(0, 4).join(':')}::/64`;
}

function expandIpv6(address: string): string[] {
  const [head = '', tail = ''] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = address.includes('::') ? (tail === '' ? [] : tail.split(':')) : [];
  const fill = new Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0');
  return [...left, ...(address.includes('::') ? fill : []), ...right].map((g) => g.toLowerCase());
}
