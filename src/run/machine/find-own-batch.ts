import { messageOf, ProviderError } from '../../errors.js';
import type { ProviderBatchRef } from '../../providers/provider.js';
import type { BatchPort } from './batch-port.js';
import { retrying } from './batch-steps.js';
import type { ProviderBatch } from './provider-batch.js';

/**
 * `found`: the provider batch is this submission's (its ref is set, confirmed); `absent`: it was certainly not
 * created; `unknown`: the provider could not tell us (or the run stopped before it could), so nothing may be
 * created again: the intent stays open for a resume.
 */
export type LookUp = 'found' | 'absent' | 'unknown';

/**
 * Looks for the provider batch of a submission whose create may have happened without us hearing of it (a lost
 * answer, a crash between create and record). OpenAI batches carry the submission in their metadata: found or not,
 * at once. Anthropic batches carry nothing: batches created since the intent with as many requests are candidates,
 * followed together until one shows our custom_id prefix in its results or all have ended without it. Candidates
 * are never cancelled: they may be someone else's.
 */
export async function findOwnBatch(
  batch: ProviderBatch,
  port: BatchPort,
  known: ReadonlySet<string>,
): Promise<LookUp> {
  const found = await lookUp(batch, port);
  if (found === undefined) return 'unknown';
  const confirmed = found.find((candidate) => candidate.confirmed);
  if (confirmed) {
    batch.ref = confirmed.ref;
    batch.confirmed = true;
    return 'found';
  }
  // Batches this run already follows are not candidates: they are other submissions'.
  const candidates = found.map((c) => c.ref).filter((ref) => !known.has(ref.id));
  if (candidates.length === 0) return 'absent';
  port.logger.info(
    `submission ${batch.submissionId}: ${candidates.length} candidate batch(es) at ${batch.provider}; following them until one shows its custom_ids`,
  );
  return followCandidates(batch, port, candidates);
}

/**
 * Lists the provider's batches for the submission. A list is a read: a transient failure (an outage, a restart) is
 * retried with the polling backoff for as long as a batch would be polled; only a provider that keeps refusing
 * (401, 403) or the end of a stop's grace period leaves us not knowing.
 */
async function lookUp(
  batch: ProviderBatch,
  port: BatchPort,
): Promise<{ ref: ProviderBatchRef; confirmed: boolean }[] | undefined> {
  const tag = batch.tag(port.stateId);
  const { initialMs, maxMs, factor } = port.poll;
  let delay = initialMs;
  let refused = 0;
  for (;;) {
    try {
      return await port.provider.findSubmitted(tag);
    } catch (error) {
      const retryable = !(error instanceof ProviderError) || error.isRetryable;
      port.logger.warn(`look-up of submission ${batch.submissionId} failed: ${messageOf(error)}`);
      if ((!retryable && ++refused >= 3) || port.stop.pastGrace()) return undefined;
    }
    await port.stop.sleep(delay);
    delay = Math.min(maxMs, delay * factor);
  }
}

async function followCandidates(
  batch: ProviderBatch,
  port: BatchPort,
  candidates: ProviderBatchRef[],
): Promise<LookUp> {
  const { initialMs, maxMs, factor } = port.poll;
  const open = new Map(candidates.map((ref) => [ref.id, { ref, refused: 0 }]));
  let unreadable = false;
  let delay = initialMs;
  while (open.size > 0) {
    // Waiting on batches that may not be ours is not worth a stop that cancels: the intent stays open instead.
    if (port.stop.reason?.cancelActive) return 'unknown';
    for (const [id, candidate] of [...open]) {
      try {
        const state = await port.provider.poll(candidate.ref);
        if (state.phase !== 'ended') continue;
        const ours = await carriesPrefix(port, candidate.ref, batch.submissionId);
        open.delete(id);
        if (ours) {
          batch.ref = candidate.ref;
          batch.confirmed = true;
          batch.rawStatus = state.rawStatus;
          batch.requestsDone = state.requestsDone;
          return 'found';
        }
      } catch (error) {
        const refused = error instanceof ProviderError && !error.isRetryable;
        if (refused && ++candidate.refused >= 3) {
          open.delete(id);
          // Gone (404) is not ours to wait for; anything else leaves us not knowing.
          if (error.statusCode !== 404) unreadable = true;
        }
      }
    }
    if (open.size === 0) break;
    await port.stop.sleep(delay);
    delay = Math.min(maxMs, delay * factor);
  }
  return unreadable ? 'unknown' : 'absent';
}

/** Whether an ended batch's results carry the submission's custom_id prefix (its first line is enough). */
async function carriesPrefix(port: BatchPort, ref: ProviderBatchRef, submissionId: string): Promise<boolean> {
  const first = await retrying(port, `results of candidate ${ref.id}`, async () => {
    for await (const outcome of port.provider.results(ref)) return outcome.customId;
    return undefined;
  });
  return first?.startsWith(`${submissionId}_`) ?? false;
}
