import { CappedOutput } from './capped-output.js';

describe('CappedOutput', () => {
  it('keeps everything up to the limit', () => {
    const output = new CappedOutput(10);
    output.push(Buffer.from('hello'));
    output.push(Buffer.from('world'));
    expect(output.truncated).toBe(false);
    expect(output.text()).toBe('helloworld');
  });

  it('keeps the first bytes and counts the rest', () => {
    const output = new CappedOutput(4);
    output.push(Buffer.from('abc'));
    output.push(Buffer.from('defgh'));
    output.push(Buffer.from('ij'));
    expect(output.truncated).toBe(true);
    expect(output.text()).toBe('abcd\n[truncated: 6 more bytes]');
    expect(output.text(false)).toBe('abcd\n[truncated after 4 bytes]');
  });

  it('never cuts a character in two', () => {
    const output = new CappedOutput(5);
    output.push(Buffer.from('abcd€x')); // € is 3 bytes: only its first one fits
    expect(output.text()).toBe('abcd\n[truncated: 4 more bytes]');
    const exact = new CappedOutput(7);
    exact.push(Buffer.from('abcd€x'));
    expect(exact.text()).toBe('abcd€\n[truncated: 1 more byte]');
  });
});
