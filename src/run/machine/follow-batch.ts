import { BatchwiseError, messageOf, ProviderError } from '../../errors.js';
import type { ProviderBatchState } from '../../providers/provider.js';
import { crashPoint } from '../../store/crash-point.js';
import type { BatchPort } from './batch-port.js';
import { failInFlight, retrying, stopError } from './batch-steps.js';
import type { ProviderBatch } from './provider-batch.js';

/** The provider says the batch does not exist any more: it is past the time the provider keeps batches. */
export const GONE = 'gone';

/**
 * How long a provider keeps a batch and its results: Anthropic 29 days ("Results kept 29 days"), OpenAI's batch
 * files 30 (provider-apis.md). A younger batch that answers 404 was not dropped for its age: the run is most
 * likely asking the wrong place (another baseURL, an API key of another workspace or project).
 */
export const RETENTION_MS = 29 * 24 * 60 * 60 * 1000;

/**
 * submitted/processing: polls with backoff until the provider batch has ended. A stop that cancels asks the
 * provider to cancel it (only a batch confirmed as ours) and keeps polling, so that what had finished is still
 * collected; once the stop's grace period has passed it gives up waiting (jobs end resumable, the submission stays
 * open). Transient poll errors say nothing about the batch and are retried forever (within a stop's grace);
 * a batch the provider keeps refusing to show is given up on.
 */
export async function followBatch(
  batch: ProviderBatch,
  port: BatchPort,
): Promise<ProviderBatchState | typeof GONE | null> {
  const ref = batch.ref!;
  const { initialMs, maxMs, factor } = port.poll;
  let delay = initialMs;
  let refused = 0;
  for (;;) {
    const stop = port.stop.reason;
    if (stop?.cancelActive && batch.confirmed && !batch.cancelRequested) await cancel(batch, port);
    if (port.stop.pastGrace()) {
      const { status, error } = stopError(stop);
      await failInFlight(
        batch,
        port,
        {
          code: error.code,
          message: `${error.message}; provider batch ${ref.id} had not ended within the grace period, and running the batch again collects it`,
        },
        status,
      );
      return null;
    }
    try {
      crashPoint('poll');
      const state = await port.provider.poll(ref);
      refused = 0;
      batch.rawStatus = state.rawStatus;
      batch.requestsDone = state.requestsDone;
      if (batch.phase === 'submitted') await batch.moveTo('processing');
      if (state.phase === 'ended') return state;
    } catch (error) {
      const retryable = !(error instanceof ProviderError) || error.isRetryable;
      port.logger.warn(
        `poll of ${ref.id} failed (${retryable ? 'will retry' : 'refused'}): ${messageOf(error)}`,
      );
      if (!retryable && ++refused >= 3) {
        const notFound = error instanceof ProviderError && error.statusCode === 404;
        // Ending the jobs for good on a 404 is right only for a batch past retention: otherwise its paid results
        // would be dropped for a misconfigured resume, and are kept at the provider for the next one.
        if (notFound && batch.intentAt > 0 && Date.now() - batch.intentAt > RETENTION_MS) return GONE;
        const asked = await port.provider.endpoint();
        const moved =
          batch.endpoint !== undefined && batch.endpoint !== asked
            ? ` It was created through ${batch.endpoint}, and this run asks ${asked}.`
            : '';
        const message = notFound
          ? `${batch.provider} answers 404 for provider batch ${ref.id}, created ${age(batch.intentAt)} (it keeps batches for 29 days): this run cannot see it — is its baseURL or API key (workspace, project) another than the one that created it? Then its results wait there, and running the batch again with the right one collects them. (If the batch was deleted, its results are gone: its jobs end batch_not_found once it is 29 days old, or run them afresh with reuseState: false.)${moved}`
          : `could not read provider batch ${ref.id}: ${messageOf(error)}. Its results may still be at the provider; running the batch again collects them.`;
        port.report(new BatchwiseError('poll_failed', message, { cause: error }));
        await failInFlight(batch, port, { code: 'poll_failed', message });
        return null;
      }
    }
    await port.stop.sleep(delay);
    delay = Math.min(maxMs, delay * factor);
  }
}

async function cancel(batch: ProviderBatch, port: BatchPort): Promise<void> {
  // Marked first: a batch that ended meanwhile cannot be cancelled, and polling shows which it was.
  batch.cancelRequested = true;
  const ref = batch.ref!;
  try {
    await retrying(port, `cancel of ${ref.id}`, () => port.provider.cancel(ref));
  } catch (error) {
    port.logger.warn(`cancel of ${ref.id} failed: ${messageOf(error)}`);
  }
}

/** How long ago a batch's intent was written; a state file of batchwise 0.1 did not record it. */
function age(since: number | undefined): string {
  if (!since) return 'at a time the state file does not record';
  const hours = (Date.now() - since) / 3_600_000;
  if (hours < 1 / 60) return 'less than a minute ago';
  if (hours < 1) return `${Math.round(hours * 60)} minute(s) ago`;
  return hours < 48 ? `${Math.round(hours)} hour(s) ago` : `${Math.round(hours / 24)} day(s) ago`;
}
