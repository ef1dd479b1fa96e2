import { expiryOf, isExpired, localDate, permissionsText, tokenRequest } from './api-tokens';

describe('API token form', () => {
  it('expires at the end of the chosen day in the browser zone', () => {
    const expiry = expiryOf('2031-03-14');
    expect(expiry).toBe(new Date(2031, 2, 14, 23, 59, 59, 999).toISOString());
    expect(expiryOf('')).toBeUndefined();
    expect(expiryOf('14.03.2031')).toBeUndefined();
  });

  it('formats the date input value in the browser zone', () => {
    expect(localDate(new Date(2031, 0, 5, 23, 59))).toBe('2031-01-05');
  });

  it('sends permissions only for a real subset of the user’s own', () => {
    const held = ['job_view', 'job_create', 'execution_view'];
    expect(tokenRequest('  ci  ', '', [], held)).toEqual({ name: 'ci' });
    expect(tokenRequest('ci', '', ['execution_view', 'job_view'], held)).toEqual({
      name: 'ci',
      permissions: ['job_view', 'execution_view'],
    });
    expect(tokenRequest('ci', '', [...held], held)).toEqual({ name: 'ci' });
    expect(tokenRequest('ci', '', ['user_manage'], held)).toEqual({ name: 'ci' });
    expect(tokenRequest('ci', '2031-03-14', [], held)).toEqual({ name: 'ci', expires_at: expiryOf('2031-03-14') });
  });

  it('reads permissions and expiry for the list', () => {
    expect(permissionsText(null)).toBe('All of yours');
    expect(permissionsText(['job_view', 'execution_view'])).toBe('job_view, execution_view');
    const now = new Date('2030-01-01T00:00:00Z');
    expect(isExpired(null, now)).toBe(false);
    expect(isExpired('2029-12-31T23:59:59Z', now)).toBe(true);
    expect(isExpired('2030-01-01T00:00:01Z', now)).toBe(false);
  });
});
