import { browsableBaseUrl, startupBanner } from './startup-banner.js';

describe('startup banner', () => {
  it('turns a wildcard host into one a browser can open', () => {
    expect(browsableBaseUrl('0.0.0.0', 8080)).toBe('http://localhost:8080');
    expect(browsableBaseUrl('::', 8080)).toBe('http://localhost:8080');
    expect(browsableBaseUrl('127.0.0.1', 3000)).toBe('http://127.0.0.1:3000');
    expect(browsableBaseUrl('::1', 3000)).toBe('http://[::1]:3000');
  });

  it('names the UI and Swagger URLs, and without a generated admin nothing else', () => {
    expect(startupBanner('http://localhost:8080', undefined)).toBe(
      'Cronwarden is ready\n  Web UI:     http://localhost:8080/\n  Swagger UI: http://localhost:8080/docs',
    );
  });

  it('ends with the generated password, which appears once', () => {
    const banner = startupBanner('http://localhost:8080', { username: 'root', password: 'pw-123456789012345678901' });
    expect(banner.split('\n').at(-1)).toBe('  Password:   pw-123456789012345678901');
    expect(banner.endsWith('pw-123456789012345678901')).toBe(true);
    expect(banner.split('pw-123456789012345678901')).toHaveLength(2);
    expect(banner).toContain('Sign in as root');
  });
});
