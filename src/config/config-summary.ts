import type { ConfigReportEntry } from './app-config.js';

/**
 * The one line about the configuration that start-up prints at info level; the full report (every
 * variable, its value with secrets masked, and where it came from) goes to debug.
 */
export function configSummary(report: readonly ConfigReportEntry[]): string {
  const from = (source: ConfigReportEntry['source']): number =>
    report.filter((entry) => entry.source === source).length;
  return (
    `Configuration: ${report.length} variables, ${from('environment')} from the environment, ` +
    `${from('.env file')} from .env; LOG_LEVEL=debug shows them`
  );
}
