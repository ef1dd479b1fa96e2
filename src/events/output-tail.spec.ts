import { ChunkDecoder, dropLeadingBytes, OutputTail, splitForPayload } from './output-tail.js';

describe('OutputTail', () => {
  it('keeps the last maxBytes, interleaved as written', () => {
    const tail = new OutputTail(10);
    tail.push({ stream: 'stdout', data: 'abc' });
    tail.push({ stream: 'stdout', data: 'def' });
    tail.push({ stream: 'stderr', data: 'ERR' });
    expect(tail.snapshot()).toEqual([
      { stream: 'stdout', data: 'abcdef' },
      { stream: 'stderr', data: 'ERR' },
    ]);
    tail.push({ stream: 'stdout', data: '12345' });
    expect(tail.size).toBeLessThanOrEqual(10);
    expect(tail.snapshot()).toEqual([
      { stream: 'stdout', data: 'ef' },
      { stream: 'stderr', data: 'ERR' },
      { stream: 'stdout', data: '12345' },
    ]);
  });

  it('stays bounded when one chunk is larger than the whole tail', () => {
    const tail = new OutputTail(1024);
    tail.push({ stream: 'stdout', data: 'x'.repeat(100_000) + 'END' });
    expect(tail.size).toBe(1024);
    expect(tail.snapshot()[0].data.endsWith('END')).toBe(true);
  });

  it('never cuts a character in two', () => {
    expect(dropLeadingBytes('éa', 1)).toBe('a');
    const tail = new OutputTail(5);
    tail.push({ stream: 'stdout', data: 'ééé' });
    expect(tail.snapshot()[0].data).toBe('éé');
  });
});

describe('ChunkDecoder', () => {
  it('joins a character split between two reads', () => {
    const decoder = new ChunkDecoder();
    const bytes = Buffer.from('é', 'utf8');
    expect(decoder.decode('stdout', bytes.subarray(0, 1))).toBe('');
    expect(decoder.decode('stdout', bytes.subarray(1))).toBe('é');
  });
});

describe('splitForPayload', () => {
  it('keeps every payload under the limit, escaping included, and loses nothing', () => {
    const data = '\u0001'.repeat(5000) + 'plain text '.repeat(500);
    const wrap = (piece: string): string => JSON.stringify({ x: 'id', d: piece });
    const pieces = splitForPayload(data, wrap, 1000);
    expect(pieces.join('')).toBe(data);
    for (const piece of pieces) expect(Buffer.byteLength(wrap(piece))).toBeLessThanOrEqual(1000);
  });
});
