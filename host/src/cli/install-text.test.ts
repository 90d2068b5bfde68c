import { describe, expect, test } from 'vitest';
import { installedText } from './commands/install.js';

const pkg = { id: 'mirror', title: 'Mirror', version: '1.0.0', signer: '0123456789abcdef0123' };

describe('hearth install says what the install granted on the network', () => {
  test('outbound access the package asked for is shown as granted, with the command that revokes it', () => {
    expect(installedText({ ...pkg, granted: { address: '10.123.0.4', outbound: true, outboundRequested: true } })).toBe(
      'installed mirror 1.0.0 (signer 0123456789abcdef)\n  address 10.123.0.4\n  it may connect to the internet and the LAN, as it asks (revoke: hearth net outbound mirror off)',
    );
  });

  test('an update that asks for access the user revoked says it is not allowed and how to grant it', () => {
    expect(installedText({ ...pkg, updatedFrom: '0.9.0', granted: { address: '10.123.0.4', outbound: false, outboundRequested: true } })).toContain(
      'it asks to connect to the internet and the LAN: not allowed until you run hearth net outbound mirror on',
    );
  });

  test('a package that does not ask gets an address only; with --network none, nothing is said of the network', () => {
    expect(installedText({ ...pkg, granted: { address: '10.123.0.5', outbound: false, outboundRequested: false } })).toBe('installed mirror 1.0.0 (signer 0123456789abcdef)\n  address 10.123.0.5');
    expect(installedText(pkg)).toBe('installed mirror 1.0.0 (signer 0123456789abcdef)');
  });
});
