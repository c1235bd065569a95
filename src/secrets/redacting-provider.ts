import type { BatchProvider, JobOutcome } from '../providers/provider.js';
import type { Secrets } from './redact.js';

/**
 * The provider with every answer and every error scrubbed of the batch's keys before anything else sees it: what it
 * returns ends up in result files, the state file, logs and events, and a provider (or a proxy in front of it) may
 * echo the request's headers in an error body. One wrapper for `run()`, `dryRun()` and its token counting alike.
 */
export function withRedaction(provider: BatchProvider, secrets: Secrets): BatchProvider {
  if (secrets.isEmpty) return provider;
  const guard = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return secrets.value(await call());
    } catch (error) {
      throw secrets.error(error);
    }
  };
  const { upload, findUpload, deleteUpload, cleanup, countTokens } = provider;
  const wrapped: BatchProvider = {
    name: provider.name,
    limits: provider.limits,
    endpoint: async () => secrets.value(await provider.endpoint()),
    toRequest: provider.toRequest,
    toWireLine: provider.toWireLine,
    wireFraming: provider.wireFraming,
    create: (requests, tag, inputFileId, signal) =>
      guard(() => provider.create(requests, tag, inputFileId, signal)),
    poll: (ref, signal) => guard(() => provider.poll(ref, signal)),
    results: (ref, signal) => redactedStream(secrets, () => provider.results(ref, signal)),
    cancel: (ref, signal) => guard(() => provider.cancel(ref, signal)),
    findSubmitted: (tag, signal) => guard(() => provider.findSubmitted(tag, signal)),
    ...(upload && {
      upload: (requests, tag, signal) => guard(() => upload.call(provider, requests, tag, signal)),
    }),
    ...(findUpload && { findUpload: (tag, signal) => guard(() => findUpload.call(provider, tag, signal)) }),
    ...(deleteUpload && {
      deleteUpload: (fileId, signal) => guard(() => deleteUpload.call(provider, fileId, signal)),
    }),
    ...(cleanup && { cleanup: (ref, signal) => guard(() => cleanup.call(provider, ref, signal)) }),
    ...(countTokens && {
      countTokens: (body, signal) => guard(() => countTokens.call(provider, body, signal)),
    }),
  };
  return wrapped;
}

async function* redactedStream(
  secrets: Secrets,
  open: () => AsyncIterable<JobOutcome>,
): AsyncIterable<JobOutcome> {
  try {
    for await (const outcome of open()) yield secrets.value(outcome);
  } catch (error) {
    throw secrets.error(error);
  }
}
