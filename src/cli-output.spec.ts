import { formatTable, shownUrl } from './cli-output.js';

describe('formatTable', () => {
  it('puts a header line first and pads every column but the last to its widest cell', () => {
    expect(
      formatTable(
        ['USERNAME', 'STATE', 'ROLES'],
        [
          ['admin', 'active', 'admin'],
          ['a-much-longer-name', 'disabled', ''],
        ],
      ),
    ).toBe(
      [
        'USERNAME            STATE     ROLES',
        'admin               active    admin',
        'a-much-longer-name  disabled',
      ].join('\n'),
    );
  });

  it('prints the header alone for no rows', () => {
    expect(formatTable(['A', 'B'], [])).toBe('A  B');
  });
});

describe('shownUrl', () => {
  it('masks the password and keeps the rest', () => {
    expect(shownUrl('postgres://app:secret@db:5432/cw')).toBe('postgres://app:*****@db:5432/cw');
    expect(shownUrl('postgres://db/cw')).toBe('postgres://db/cw');
    expect(shownUrl('not a url')).toBe('(an unparsable URL)');
  });
});
