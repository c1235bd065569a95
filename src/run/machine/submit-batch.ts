import { type ErrorInfo, messageOf, ProviderError } from '../../errors.js';
import type { SubmissionTag } from '../../providers/provider.js';
import { crashPoint } from '../../store/crash-point.js';
import { WorkWindow } from '../work-window.js';
import type { BatchPort } from './batch-port.js';
import { abandon, failUnresolved } from './batch-steps.js';
import { findOwnBatch } from './find-own-batch.js';
import { lookUpSettled } from './look-up-settled.js';
import type { ProviderBatch } from './provider-batch.js';

/**
 * planned -> intent -> submitted: the intent is journaled (flushed) before anything reaches the provider; then the
 * input is uploaded (OpenAI) and the batch created, each sent once. An answer that was lost ("maybe done") is looked
 * up before any retry; only a definite "not created" is tried again. Once the run is stopping, nothing new is sent.
 * Returns whether the batch exists and is followed from here.
 */
export async function submitBatch(
  batch: ProviderBatch,
  port: BatchPort,
  known: ReadonlySet<string>,
): Promise<boolean> {
  if (port.stop.reason) {
    await abandon(batch, port, null);
    return false;
  }
  if (port.rawWriter?.saveRaw) {
    // A copy for debugging, as the raw responses are: one that cannot be written is said, and holds nothing back.
    let unwritten = 0;
    let reason = '';
    const window = new WorkWindow();
    const { requests } = batch;
    for (let index = 0; index < requests.count; index++) {
      // Anthropic's line carries the request body as `params`, OpenAI's as `body`.
      const { custom_id, params, body } = JSON.parse(requests.lineAt(index)) as Record<string, unknown>;
      await window.add(() =>
        port
          .rawWriter!.writeRaw(requests.jobIdAt(index), 'request', { custom_id, body: params ?? body })
          .catch((error: unknown) => {
            if (unwritten++ === 0) reason = messageOf(error);
          }),
      );
    }
    await window.drain();
    if (unwritten > 0) {
      port.logger.warn(
        `could not keep the raw requests of ${unwritten} job(s) of provider batch ${batch.index}: ${reason}`,
      );
    }
  }
  crashPoint('before-intent');
  await batch.moveTo('intent', { type: 'intent', endpoint: await port.provider.endpoint() });
  crashPoint('after-intent');
  const tag = batch.tag(port.stateId);
  if (port.provider.upload && !(await uploadInput(batch, port, tag))) return false;
  if (!(await createOnce(batch, port, tag, known))) return false;
  crashPoint('after-create');
  try {
    await batch.moveTo('submitted', { type: 'submitted' });
  } catch (error) {
    // The batch exists and is followed; a resume finds it by its tag.
    port.logger.warn(`could not record provider batch ${batch.ref!.id}: ${messageOf(error)}`);
    await batch.moveTo('submitted');
  }
  batch.releaseBodies();
  crashPoint('after-submitted-record');
  port.logger.info(`submitted ${batch.provider} batch ${batch.ref!.id} (${batch.requestCount} jobs)`);
  return true;
}

async function uploadInput(batch: ProviderBatch, port: BatchPort, tag: SubmissionTag): Promise<boolean> {
  const { provider } = port;
  const uploaded = await sendOnce(
    batch,
    port,
    'upload',
    () => provider.upload!(batch.requests, tag),
    // The file may be there: use it rather than leave it behind and upload a second one. Not finding it (or not
    // being able to look) costs at most a stray file, never a batch: the upload is sent again.
    async () => {
      const found = await provider.findUpload?.(tag).catch(() => undefined);
      return found ? { found } : 'absent';
    },
  );
  if (!uploaded) return false;
  batch.inputFileId = uploaded.value;
  try {
    await port.journal.uploaded(batch.submissionId, uploaded.value);
  } catch (error) {
    // A resume finds the file by its name instead.
    port.logger.warn(`could not record input file ${uploaded.value}: ${messageOf(error)}`);
  }
  crashPoint('after-upload');
  return true;
}

/** Creates the batch; never twice. */
async function createOnce(
  batch: ProviderBatch,
  port: BatchPort,
  tag: SubmissionTag,
  known: ReadonlySet<string>,
): Promise<boolean> {
  const created = await sendOnce(
    batch,
    port,
    'create',
    () => port.provider.create(batch.requests, tag, batch.inputFileId),
    async () => {
      const found = await findOwnBatch(batch, port, known);
      return found === 'found' ? { found: batch.ref! } : found;
    },
  );
  if (!created) return false;
  batch.ref = created.value;
  batch.confirmed = true;
  return true;
}

/**
 * Sends a call that is not idempotent, at most once per answer heard: an error that says it may have happened
 * (`maybeDone`) is followed by `lookUp` before anything else — found, it is used; certainly absent, the call is sent
 * again; unknowable, the jobs end resumable and the intent stays open. A refusal is retried with backoff while it is
 * retryable; a stop abandons the batch before anything new is sent. Returns undefined when the batch went no further.
 */
async function sendOnce<T>(
  batch: ProviderBatch,
  port: BatchPort,
  what: 'upload' | 'create',
  send: () => Promise<T>,
  lookUp: () => Promise<{ found: T } | 'absent' | 'unknown'>,
): Promise<{ value: T } | undefined> {
  let delay = port.retry.initialDelayMs;
  for (let attempt = 1; ; attempt++) {
    if (port.stop.reason) {
      await abandon(batch, port, null);
      return undefined;
    }
    try {
      return { value: await send() };
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      if (error.maybeDone) {
        port.logger.warn(
          `${what} of submission ${batch.submissionId}: the answer was lost (${error.message}); looking for it before anything else`,
        );
        const found = await lookUpSettled(port, lookUp, { since: Date.now(), lookFirst: false });
        if (found === 'unknown') {
          await failUnresolved(batch, port, error);
          return undefined;
        }
        if (found !== 'absent') return { value: found.found };
        // Certainly not done: sending it again cannot pay twice.
      }
      if (!error.isRetryable || attempt >= port.retry.attempts) {
        // A rate limit is capacity, not a verdict on the requests: they wait and go out again.
        if (error.statusCode === 429) batch.capacityRefused = { limitTokens: null };
        await abandon(batch, port, error.statusCode === 429 ? null : submitFailed(error));
        return undefined;
      }
      port.logger.warn(`${what} of submission ${batch.submissionId} failed, retrying: ${error.message}`);
      await port.stop.sleep(delay);
      delay = Math.min(port.retry.maxDelayMs, delay * 2);
    }
  }
}

function submitFailed(error: ProviderError): ErrorInfo {
  return {
    code: 'submit_failed',
    message: error.message,
    ...(error.statusCode !== undefined && { statusCode: error.statusCode }),
  };
}
