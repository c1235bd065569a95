import { type ErrorInfo, messageOf, ProviderError } from '../../errors.js';
import type { SubmissionTag } from '../../providers/provider.js';
import { crashPoint } from '../../store/crash-point.js';
import type { BatchPort } from './batch-port.js';
import { abandon, failUnresolved } from './batch-steps.js';
import { findOwnBatch } from './find-own-batch.js';
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
  for (const request of batch.requests) {
    await port.rawWriter?.writeRaw(request.jobId, 'request', {
      custom_id: request.customId,
      body: request.body,
    });
  }
  crashPoint('before-intent');
  await batch.moveTo('intent', { type: 'intent' });
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
  crashPoint('after-submitted-record');
  port.logger.info(`submitted ${batch.provider} batch ${batch.ref!.id} (${batch.requests.length} jobs)`);
  return true;
}

async function uploadInput(batch: ProviderBatch, port: BatchPort, tag: SubmissionTag): Promise<boolean> {
  const { provider } = port;
  let delay = port.retry.initialDelayMs;
  for (let attempt = 1; ; attempt++) {
    if (port.stop.reason) {
      await abandon(batch, port, null);
      return false;
    }
    try {
      batch.inputFileId = await provider.upload!(batch.requests, tag);
      break;
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      if (error.maybeDone) {
        // The file may be there: use it rather than leave it behind and upload a second one.
        const found = await provider.findUpload?.(tag).catch(() => undefined);
        if (found) {
          batch.inputFileId = found;
          break;
        }
      }
      if (!error.isRetryable || attempt >= port.retry.attempts) {
        await abandon(batch, port, submitFailed(error));
        return false;
      }
      port.logger.warn(`upload for submission ${batch.submissionId} failed, retrying: ${error.message}`);
      await port.stop.sleep(delay);
      delay = Math.min(port.retry.maxDelayMs, delay * 2);
    }
  }
  try {
    await port.journal.uploaded(batch.submissionId, batch.inputFileId);
  } catch (error) {
    // A resume finds the file by its name instead.
    port.logger.warn(`could not record input file ${batch.inputFileId}: ${messageOf(error)}`);
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
  let delay = port.retry.initialDelayMs;
  for (let attempt = 1; ; attempt++) {
    if (port.stop.reason) {
      await abandon(batch, port, null);
      return false;
    }
    try {
      batch.ref = await port.provider.create(batch.requests, tag, batch.inputFileId);
      batch.confirmed = true;
      return true;
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      if (error.maybeDone) {
        port.logger.warn(
          `create of submission ${batch.submissionId}: the answer was lost (${error.message}); looking for the batch before anything else`,
        );
        // Give a create the server is still working on the time to show up in the list.
        await port.stop.sleep(delay);
        const found = await findOwnBatch(batch, port, known);
        if (found === 'found') return true;
        if (found === 'unknown') {
          await failUnresolved(batch, port, error);
          return false;
        }
        // Certainly not created: a retry cannot pay twice.
      }
      if (!error.isRetryable || attempt >= port.retry.attempts) {
        await abandon(batch, port, submitFailed(error));
        return false;
      }
      port.logger.warn(`create of submission ${batch.submissionId} failed, retrying: ${error.message}`);
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
