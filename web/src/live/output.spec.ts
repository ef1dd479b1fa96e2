import { appendTail, atBottom, EMPTY_TAIL, parseOutputEvent } from './output';

describe('live output', () => {
  it('appends chunks and keeps only the last characters, starting at a line', () => {
    let tail = appendTail(EMPTY_TAIL, 'line1\n', 20);
    tail = appendTail(tail, 'line2\n', 20);
    expect(tail).toEqual({ text: 'line1\nline2\n', cut: false });
    tail = appendTail(tail, 'line3\nline4\n', 20);
    // 24 characters: the first 4 go, and the rest of that cut line too.
    expect(tail).toEqual({ text: 'line2\nline3\nline4\n', cut: true });
    tail = appendTail(tail, 'x', 20);
    expect(tail.cut).toBe(true);
    expect(tail.text.length).toBeLessThanOrEqual(20);
  });

  it('cuts mid-line when the output has no line break near the cut', () => {
    const tail = appendTail(EMPTY_TAIL, 'a'.repeat(5000), 4096);
    expect(tail.text).toBe('a'.repeat(4096));
    expect(tail.cut).toBe(true);
  });

  it('stays bounded whatever is written', () => {
    let tail = EMPTY_TAIL;
    for (let i = 0; i < 10_000; i++) tail = appendTail(tail, `line ${i}\n`);
    expect(tail.text.length).toBeLessThanOrEqual(64 * 1024);
    expect(tail.text.endsWith('line 9999\n')).toBe(true);
  });

  it('parses output and end events', () => {
    expect(parseOutputEvent({ event: 'output', data: '{"stream":"stderr","data":"oops\\n"}' })).toEqual({
      kind: 'output',
      stream: 'stderr',
      data: 'oops\n',
    });
    expect(parseOutputEvent({ event: 'output', data: '{"stream":"stdin","data":"x"}' })).toBeNull();
    expect(parseOutputEvent({ event: 'output', data: 'nope' })).toBeNull();
    expect(parseOutputEvent({ event: 'end', data: '{}' })).toEqual({ kind: 'end', execution: null });
    const finished = {
      execution_id: 'e1',
      state: 'succeeded',
      job: { job_id: 'j1', name: 'n', job_class_string: 'ShellJob' },
    };
    expect(parseOutputEvent({ event: 'end', data: JSON.stringify(finished) })).toEqual({
      kind: 'end',
      execution: finished,
    });
  });

  it('knows when a box is scrolled to its end', () => {
    expect(atBottom({ scrollTop: 600, clientHeight: 400, scrollHeight: 1000 })).toBe(true);
    expect(atBottom({ scrollTop: 590, clientHeight: 400, scrollHeight: 1000 })).toBe(true);
    expect(atBottom({ scrollTop: 100, clientHeight: 400, scrollHeight: 1000 })).toBe(false);
  });
});
