import { parseChanges } from './audit-changes';

describe('the change list of a modified entry', () => {
  it('reads the fields the server lists, JSON values as written', () => {
    expect(parseChanges('hour: "*" → "3"; paused: false → true; max_instances: 3 → 5')).toEqual([
      { field: 'hour', from: '"*"', to: '"3"' },
      { field: 'paused', from: 'false', to: 'true' },
      { field: 'max_instances', from: '3', to: '5' },
    ]);
  });

  it('keeps separators and arrows inside values', () => {
    expect(parseChanges('name: "a; b → c" → "d\\"; e"; pub_args: ["x",{"k":"]; y"}] → []')).toEqual([
      { field: 'name', from: '"a; b → c"', to: '"d\\"; e"' },
      { field: 'pub_args', from: '["x",{"k":"]; y"}]', to: '[]' },
    ]);
  });

  it('reads the owner change (bare ids)', () => {
    const from = '11111111-1111-4111-8111-111111111111';
    const to = '22222222-2222-4222-8222-222222222222';
    expect(parseChanges(`owner_id: ${from} → ${to}`)).toEqual([{ field: 'owner_id', from, to }]);
  });

  it('gives null for text that is not a change list', () => {
    expect(parseChanges('')).toBeNull();
    expect(parseChanges('run now: execution 123')).toBeNull();
    expect(parseChanges('hour: "*" -> "3"')).toBeNull();
    expect(parseChanges('hour: "* → "3"')).toBeNull();
    expect(parseChanges('hour: "*" → "3", minute: 1 → 2')).toBeNull();
  });
});
