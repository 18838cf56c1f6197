/**
 * The files a finished sweep writes (beside --report, and on the sweep's MLflow run): the
 * leaderboard as CSV and Markdown, the plot of the validation score against each swept setting,
 * and the report itself.
 */
import type { Logger } from '../plugin';
import { formatSummary, leaderboardCsv, leaderboardMarkdown } from './leaderboard';
import type { SweepReport } from './types';

export interface SweepFile {
  /** Relative to the report's folder (and the artifact path in the sweep's MLflow run). */
  path: string;
  bytes: string | Buffer;
}

export async function reportFiles(report: SweepReport, plots: boolean, logger: Logger): Promise<SweepFile[]> {
  const files: SweepFile[] = [
    { path: 'leaderboard.csv', bytes: leaderboardCsv(report) },
    { path: 'leaderboard.md', bytes: `# ${report.name}\n\n${leaderboardMarkdown(report)}\n${formatSummary(report)}\n` },
  ];
  if (plots) {
    try {
      const { renderValidationPlot } = await import('./plots'); // Vega only when a sweep draws
      const png = await renderValidationPlot(report);
      if (png) files.push({ path: 'plots/validation-vs-params.png', bytes: png });
    } catch (error) {
      logger.warn(`sweep: could not draw the validation plot: ${(error as Error).message}`);
    }
  }
  files.push({ path: 'report.json', bytes: `${JSON.stringify(report, null, 2)}\n` });
  return files;
}
