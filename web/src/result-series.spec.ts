import { describeSeries, MAX_SERIES, niceTicks, numbersOf, resultSeries } from './result-series';

const run = (time: string, result: unknown, state = 'succeeded') => ({
  scheduled_time: `2026-12-07T10:00:${time}.000Z`,
  state,
  result: result === null ? null : JSON.stringify(result),
});

describe('numbers in results', () => {
  it('finds a bare number, numeric fields and numeric fields one level down', () => {
    expect([...numbersOf('42')]).toEqual([['value', 42]]);
    expect([...numbersOf(JSON.stringify({ count: 3, price: 9.5, name: 'x', ok: true }))]).toEqual([
      ['count', 3],
      ['price', 9.5],
    ]);
    expect([...numbersOf(JSON.stringify({ stats: { min: 1, max: 2, deep: { no: 3 } }, total: 7 }))]).toEqual([
      ['stats.min', 1],
      ['stats.max', 2],
      ['total', 7],
    ]);
  });

  it('finds nothing in text, arrays, strings of digits or null', () => {
    expect(numbersOf(null).size).toBe(0);
    expect(numbersOf('not json').size).toBe(0);
    expect(numbersOf('[1,2,3]').size).toBe(0);
    expect(numbersOf('"12"').size).toBe(0);
    expect(numbersOf(JSON.stringify({ message: 'hello' })).size).toBe(0);
  });
});

describe('series over time', () => {
  it('makes one line per field, oldest first, from succeeded runs only', () => {
    const series = resultSeries([
      run('03', { count: 5, price: 10 }),
      run('01', { count: 3, price: 9.5 }),
      run('02', { error: 'boom', count: 999 }, 'failed'),
      run('02', { count: 4 }),
    ]);
    expect(series).toEqual([
      {
        name: 'count',
        points: [
          { time: '2026-12-07T10:00:01.000Z', value: 3 },
          { time: '2026-12-07T10:00:02.000Z', value: 4 },
          { time: '2026-12-07T10:00:03.000Z', value: 5 },
        ],
      },
      {
        name: 'price',
        points: [
          { time: '2026-12-07T10:00:01.000Z', value: 9.5 },
          { time: '2026-12-07T10:00:03.000Z', value: 10 },
        ],
      },
    ]);
  });

  it('gives no series when fewer than two results hold a number', () => {
    expect(resultSeries([run('01', { message: 'hello' }), run('02', { message: 'again' })])).toEqual([]);
    expect(resultSeries([run('01', 5)])).toEqual([]);
    expect(resultSeries([])).toEqual([]);
  });

  it(`keeps at most ${MAX_SERIES} lines, the most frequent fields first`, () => {
    const wide = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`f${i}`, i]));
    const series = resultSeries([run('01', wide), run('02', wide), run('03', { f9: 1 })]);
    expect(series).toHaveLength(MAX_SERIES);
    expect(series[0].name).toBe('f9');
  });

  it('describes itself for screen readers', () => {
    const series = resultSeries([run('01', { count: 3 }), run('02', { count: 7 }), run('03', { count: 5 })]);
    expect(describeSeries(series)).toBe('Results over time of 3 runs: count from 3 to 7, latest 5');
  });
});

describe('axis ticks', () => {
  it('are round numbers covering the range', () => {
    expect(niceTicks(0, 100)).toEqual([0, 25, 50, 75, 100]);
    expect(niceTicks(3, 9.5)).toEqual([2, 4, 6, 8, 10]);
    expect(niceTicks(0.1, 0.35)).toEqual([0.1, 0.2, 0.3, 0.4]);
  });

  it('widen a flat line', () => {
    const ticks = niceTicks(5, 5);
    expect(ticks[0]).toBeLessThan(5);
    expect(ticks[ticks.length - 1]).toBeGreaterThan(5);
  });
});
