import { describe, expect, test } from 'vitest';
import { encodeHeader } from './tar.js';
import { archiveStartProblem } from './sniff.js';

describe('archiveStartProblem', () => {
  test('an archive starting with a signature.json header passes', () => {
    expect(archiveStartProblem(encodeHeader('signature.json', 300))).toBeNull();
  });

  test('a short file, a non-tar, a corrupt header and another first member are each named', () => {
    expect(archiveStartProblem(Buffer.from('hello'))).toContain('smaller than one 512-byte');
    expect(archiveStartProblem(Buffer.alloc(512, 0x41))).toContain('ustar');
    const corrupt = encodeHeader('signature.json', 300);
    corrupt[0] = 0x53; // 'S': checksum no longer matches
    expect(archiveStartProblem(corrupt)).toContain('corrupt (checksum)');
    expect(archiveStartProblem(encodeHeader('index.json', 300))).toContain('not signature.json');
  });
});
