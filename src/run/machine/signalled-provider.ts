import type { BatchProvider, JobOutcome } from '../../providers/provider.js';

/**
 * The provider with the run's abort signal on every call, so that once a stop's grace period is over, a call the
 * provider never answers is abandoned instead of keeping the run (and the process) alive.
 *
 * Each call gets a signal of its own, linked to the run's for the length of the call: the SDKs add an `abort`
 * listener to the signal they are given and keep it until it fires, so handing them the run's one signal would
 * pile up a listener per request over a long run.
 */
export function withSignal(provider: BatchProvider, signal: AbortSignal): BatchProvider {
  const { upload, findUpload, deleteUpload, cleanup } = provider;
  const scoped = <T>(call: (callSignal: AbortSignal) => Promise<T>): Promise<T> => {
    const link = linked(signal);
    return call(link.signal).finally(link.unlink);
  };
  return {
    name: provider.name,
    limits: provider.limits,
    endpoint: () => provider.endpoint(),
    toRequest: provider.toRequest,
    toWireLine: provider.toWireLine,
    wireFraming: provider.wireFraming,
    create: (requests, tag, inputFileId) => scoped((s) => provider.create(requests, tag, inputFileId, s)),
    poll: (ref) => scoped((s) => provider.poll(ref, s)),
    results: (ref) => scopedStream(signal, (s) => provider.results(ref, s)),
    cancel: (ref) => scoped((s) => provider.cancel(ref, s)),
    findSubmitted: (tag) => scoped((s) => provider.findSubmitted(tag, s)),
    ...(upload && { upload: (requests, tag) => scoped((s) => upload.call(provider, requests, tag, s)) }),
    ...(findUpload && { findUpload: (tag) => scoped((s) => findUpload.call(provider, tag, s)) }),
    ...(deleteUpload && { deleteUpload: (fileId) => scoped((s) => deleteUpload.call(provider, fileId, s)) }),
    ...(cleanup && { cleanup: (ref) => scoped((s) => cleanup.call(provider, ref, s)) }),
  };
}

/** A signal that aborts with `parent` until `unlink()` is called. */
function linked(parent: AbortSignal): { signal: AbortSignal; unlink: () => void } {
  const controller = new AbortController();
  const abort = () => controller.abort(parent.reason);
  if (parent.aborted) abort();
  else parent.addEventListener('abort', abort, { once: true });
  return { signal: controller.signal, unlink: () => parent.removeEventListener('abort', abort) };
}

async function* scopedStream(
  parent: AbortSignal,
  open: (signal: AbortSignal) => AsyncIterable<JobOutcome>,
): AsyncIterable<JobOutcome> {
  const link = linked(parent);
  try {
    yield* open(link.signal);
  } finally {
    link.unlink();
  }
}
