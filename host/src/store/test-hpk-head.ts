// For tests only: what an upload or an install sniffs first, without packing a whole archive.

/** The first block of every .hpk: a ustar header of signature.json (what the store sniffs). */
export function hpkHead(size = 100): Buffer {
  const h = Buffer.alloc(512);
  const put = (offset: number, text: string): void => void h.write(text, offset, 'latin1');
  put(0, 'signature.json');
  put(100, '0000644\0');
  put(108, '0000000\0');
  put(116, '0000000\0');
  put(124, `${size.toString(8).padStart(11, '0')}\0`);
  put(136, '00000000000\0');
  h[156] = 0x30;
  put(257, 'ustar\0');
  put(263, '00');
  let sum = 0;
  for (let i = 0; i < 512; i += 1) sum += i >= 148 && i < 156 ? 0x20 : (h[i] ?? 0);
  put(148, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}
