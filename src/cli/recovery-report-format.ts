/** The recovery report as a short table: `npm run recovery -- report` and the risk simulator. */
import type { RecoveryReport } from '../recovery/index.ts';

function percent(rate: number | null): string {
  return rate === null ? '—' : `${(rate * 100).toFixed(1)} %`;
}

function duration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 60_000) return `${(ms / 1000).toFixed(0)} s`;
  if (ms < 3600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3600_000).toFixed(1)} h`;
}

export function formatReport(report: RecoveryReport): string {
  const s = report.selfService;
  const m = report.manual;
  return [
    'recovery            started  succeeded  success rate  median time  within yardstick',
    `self-service        ${String(s.started).padStart(7)}  ${String(s.succeeded).padStart(9)}  ${percent(s.successRate).padStart(12)}  ${duration(s.medianMs).padStart(11)}  ${percent(s.withinYardstickRate).padStart(10)} (5 min)`,
    `manual (phone lost) ${String(m.started).padStart(7)}  ${String(m.succeeded).padStart(9)}  ${percent(m.successRate).padStart(12)}  ${duration(m.medianMs).padStart(11)}  ${percent(m.withinYardstickRate).padStart(10)} (24 h)`,
    '',
    `self-service attempts for phone numbers without an account: ${s.startedForUnknownPhones}`,
    `manual requests rejected: ${m.rejected}, cancelled by the owner during the cool-down: ${m.cancelled}`,
    `manual review (submission to the operator's decision), median: ${duration(m.medianReviewMs)}; approved within 24 h: ${percent(m.approvedWithinYardstickRate)} (the 24-hour cool-down follows every approval)`,
    'yardstick (the seeds): 92 % self-service within 5 minutes, 78 % manual within 24 hours',
  ].join('\n');
}
