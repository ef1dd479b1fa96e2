import { passwordProblem } from './password-policy.js';

const policy = { minLength: 12 };

describe('passwordProblem', () => {
  it('accepts a long, uncommon password', () => {
    expect(passwordProblem('correct-horse-7-battery', policy, 'password')).toBeNull();
  });

  it.each([
    ['short1!', 'password must be at least 12 characters long'],
    ['x'.repeat(129), 'password must be at most 128 characters long'],
    ['é'.repeat(40), 'password must be at most 72 bytes in UTF-8 (bcrypt ignores the rest)'],
    ['Password1234', 'password is too common; choose another'],
    ['zzzzzzzzzzzzzz', 'password must not be one repeated character'],
  ])('refuses %p', (candidate, message) => {
    expect(passwordProblem(candidate, policy, 'password')).toBe(message);
  });

  it('counts characters, not bytes, for the length rule and bytes for the bcrypt limit', () => {
    expect(passwordProblem('ééééééééééé', policy, 'password')).toBe('password must be at least 12 characters long');
    expect(passwordProblem('éà'.repeat(18), policy, 'password')).toBeNull(); // 36 characters, 72 bytes
    expect(passwordProblem('éà'.repeat(18) + 'x', policy, 'password')).toMatch(/72 bytes/);
  });

  it('refuses a password that contains the username, and names the field it was given', () => {
    expect(passwordProblem('my-name-is-alice!', policy, 'new_password', 'Alice')).toBe(
      'new_password must not contain the username',
    );
  });
});
