import type { StatusReport } from './batch-run.js';

/** A plain-text table of a run for a terminal. */
export function formatStatus({ progress, batches }: StatusReport): string {
  const header = `run ${progress.batchId}: ${progress.completed} succeeded, ${progress.failed} failed, ${progress.active} active, ${progress.pending} pending of ${progress.total}${progress.isComplete ? ' (complete)' : ''}`;
  const rows = batches.map((b) => [
    String(b.index),
    b.provider,
    b.model,
    b.providerBatchId ?? '-',
    b.rawStatus ? `${b.status} (${b.rawStatus})` : b.status,
    `${b.requestsDone}/${b.requestsTotal}`,
  ]);
  const table = [['#', 'provider', 'model', 'provider batch', 'status', 'done'], ...rows];
  const widths = table[0]!.map((_, column) => Math.max(...table.map((row) => row[column]!.length)));
  const lines = table.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd(),
  );
  return [header, ...lines].join('\n');
}
