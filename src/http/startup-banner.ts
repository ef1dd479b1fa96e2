import type { GeneratedAdmin } from '../users/admin-bootstrap.service.js';

/** An address a browser can open: a wildcard host becomes localhost, an IPv6 literal gets brackets. */
export function browsableBaseUrl(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' || host === '' ? 'localhost' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}

/**
 * The last thing start-up prints: where the UI and Swagger are and, the first time only, the admin's
 * user name and generated password — the password last, and nowhere else in the output.
 */
export function startupBanner(baseUrl: string, admin: GeneratedAdmin | undefined): string {
  const lines = ['Cronwarden is ready', `  Web UI:     ${baseUrl}/`, `  Swagger UI: ${baseUrl}/docs`];
  if (admin) {
    lines.push(
      `  Sign in as ${admin.username}; change this password after signing in (it is shown only this once; ` +
        `npx cronwarden reset-password ${admin.username} sets a new one).`,
      `  Password:   ${admin.password}`,
    );
  }
  return lines.join('\n');
}
