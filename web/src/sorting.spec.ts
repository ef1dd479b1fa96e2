import { ariaSort, nextSort } from './sorting';

describe('sortable headers', () => {
  it('say how a column is sorted', () => {
    expect(ariaSort('name', 'name')).toBe('ascending');
    expect(ariaSort('-name', 'name')).toBe('descending');
    expect(ariaSort('-owner', 'name')).toBe('none');
  });

  it('sort ascending on a first click and flip on the next', () => {
    expect(nextSort('name', 'owner')).toBe('owner');
    expect(nextSort('owner', 'owner')).toBe('-owner');
    expect(nextSort('-owner', 'owner')).toBe('owner');
  });
});
