import type { BatchProvider } from '../../providers/provider.js';

/**
 * The provider with the run's abort signal on every call, so that once a stop's grace period is over, a call the
 * provider never answers is abandoned instead of keeping the run (and the process) alive.
 */
export function withSignal(provider: BatchProvider, signal: AbortSignal): BatchProvider {
  const { upload, findUpload, deleteUpload, cleanup } = provider;
  return {
    name: provider.name,
    limits: provider.limits,
    toRequest: provider.toRequest,
    toWire: provider.toWire,
    create: (requests, tag, inputFileId) => provider.create(requests, tag, inputFileId, signal),
    poll: (ref) => provider.poll(ref, signal),
    results: (ref) => provider.results(ref, signal),
    cancel: (ref) => provider.cancel(ref, signal),
    findSubmitted: (tag) => provider.findSubmitted(tag, signal),
    ...(upload && { upload: (requests, tag) => upload.call(provider, requests, tag, signal) }),
    ...(findUpload && { findUpload: (tag) => findUpload.call(provider, tag, signal) }),
    ...(deleteUpload && { deleteUpload: (fileId) => deleteUpload.call(provider, fileId, signal) }),
    ...(cleanup && { cleanup: (ref) => cleanup.call(provider, ref, signal) }),
  };
}
