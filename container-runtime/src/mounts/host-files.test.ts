import { describe, expect, test } from 'vitest';
import { etcFiles, loopbackIdentity } from './host-files.js';

describe('the files hearth writes into every daemon root', () => {
  test('loopback only: the service’s name is localhost’s, its hostname, and no resolvers', () => {
    const files = etcFiles(loopbackIdentity('nextcloud'));
    expect(files.hosts).toContain('127.0.0.1\tlocalhost nextcloud\n');
    expect(files.hosts).toContain('::1\tlocalhost ip6-localhost ip6-loopback\n');
    expect(files.hostname).toBe('nextcloud\n');
    expect(files['resolv.conf']).not.toMatch(/^nameserver/m);
  });

  test('with an address and resolvers (a network of its own), the name points at the address', () => {
    const files = etcFiles({ hostname: 'web', address: '10.88.0.5', nameservers: ['10.88.0.1'], search: ['hearth.internal'], hosts: [{ name: 'db.hearth', address: '10.88.0.6' }] });
    expect(files.hosts).toContain('127.0.0.1\tlocalhost\n');
    expect(files.hosts).toContain('10.88.0.5\tweb\n');
    expect(files.hosts).toContain('10.88.0.6\tdb.hearth\n');
    expect(files['resolv.conf']).toContain('search hearth.internal\nnameserver 10.88.0.1\n');
  });
});
