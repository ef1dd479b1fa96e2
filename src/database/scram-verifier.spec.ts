import { scramSha256Verifier } from './scram-verifier.js';

describe('scramSha256Verifier', () => {
  // Stored by PostgreSQL 18 for `CREATE ROLE vec PASSWORD 'correct-horse_battery~staple'` (pg_authid.rolpassword).
  const STORED_BY_POSTGRES =
    'SCRAM-SHA-256$4096:/Z1g1hpK+ZPgLhNCR/jTRA==$WJPaKYr7K2mh05zqdbv5gXIAk6Fo0E38VDs7BHAO/70=:vBvwF5eFEag3p8WuHm4A6z/WH2eOzCXtieFBJOkcwwo=';

  it('computes what PostgreSQL stores for the same password, salt and iterations', () => {
    const salt = Buffer.from('/Z1g1hpK+ZPgLhNCR/jTRA==', 'base64');
    expect(scramSha256Verifier('correct-horse_battery~staple', salt, 4096)).toBe(STORED_BY_POSTGRES);
  });

  it('salts each verifier afresh', () => {
    const [first, second] = [scramSha256Verifier('same-password'), scramSha256Verifier('same-password')];
    expect(first).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/);
    expect(first).not.toBe(second);
  });

  it('refuses passwords SASLprep could change', () => {
    expect(() => scramSha256Verifier('with space')).toThrow('printable ASCII');
    expect(() => scramSha256Verifier('pässword')).toThrow('printable ASCII');
  });
});
