import { describe, expect, test } from 'vitest';
import { grantedWords, outboundWords } from '../../web/src/network-words.js';

describe('the dashboard says what an install granted on the network', () => {
  test('an install that asks for outbound access is told it has it, and where to revoke it', () => {
    expect(grantedWords({ granted: { address: '10.123.0.4', outbound: true, outboundRequested: true } })).toBe(
      "Address 10.123.0.4 on hearth's network. It may connect to the internet and the LAN, as its package asks. You can change this on its page, under Network.",
    );
  });

  test('an update that newly asks is told it is not allowed until granted; one that never asks, that it reaches only its dependencies', () => {
    expect(grantedWords({ granted: { address: '10.123.0.4', outbound: false, outboundRequested: true } })).toContain('not allowed now. You can change this');
    expect(outboundWords({ outbound: false, outboundRequested: false })).toBe('It does not ask for the internet or the LAN: it reaches only the services it depends on.');
  });

  test('with --network none nothing is said', () => {
    expect(grantedWords({})).toBeNull();
  });
});
