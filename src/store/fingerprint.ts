import { createHash } from 'node:crypto';
import type { NormalizedJob } from '../jobs/normalized-job.js';

/**
 * A short digest of everything that shapes a job's request: provider, model, parameters, content (file by name and
 * size, not bytes), schema and citations. Two job sets are the same batch when every id has the same digest.
 */
export function jobDigest(job: NormalizedJob): string {
  const content =
    job.content.kind === 'messages'
      ? job.content.messages
      : {
          file: job.content.file.name,
          size: job.content.file.size,
          path: job.content.file.path,
          prompt: job.content.prompt,
          // Only with several files, so that digests of one-file jobs saved before `files` existed still match.
          ...(job.content.files.length > 1 && {
            files: job.content.files.map((f) => ({ file: f.name, size: f.size, path: f.path })),
          }),
        };
  const shape = {
    provider: job.provider,
    model: job.model,
    temperature: job.temperature ?? null,
    maxTokens: job.maxTokens,
    // Only when set, so that digests saved before the setting existed still match.
    ...(job.reasoningEffort !== undefined && { reasoningEffort: job.reasoningEffort }),
    enableCitations: job.enableCitations,
    content,
    // As batchwise 0.1 converted it (the output side): state files written before the input side was sent still match.
    schema: job.output?.digestSchema ?? null,
    retryInvalid: job.retryInvalid,
    ...(job.providerOptions !== undefined && { providerOptions: job.providerOptions }),
  };
  // 16 hex characters of the digest, made as a string of their own: a `slice` of the full hex would keep all 64.
  return createHash('sha256').update(JSON.stringify(shape)).digest().toString('hex', 0, 8);
}

export function jobDigests(jobs: readonly NormalizedJob[]): Record<string, string> {
  // Filled in a loop: `Object.fromEntries(jobs.map(...))` held a pair array per job besides the record, megabytes at
  // 100,000 jobs while the run starts, when V8 sizes its heap for the run (issue 14).
  // No prototype: a job may be called `__proto__`, which on a plain object would set the prototype, not a digest.
  const digests: Record<string, string> = Object.create(null);
  for (const job of jobs) digests[job.id] = jobDigest(job);
  return digests;
}

/** What differs between the state's job set and the current one, in a sentence; null when they are the same. */
export function describeDifference(
  saved: Record<string, string>,
  current: Record<string, string>,
): string | null {
  const added = Object.keys(current).filter((id) => !(id in saved));
  const removed = Object.keys(saved).filter((id) => !(id in current));
  const changed = Object.keys(current).filter((id) => id in saved && saved[id] !== current[id]);
  if (added.length + removed.length + changed.length === 0) return null;
  const list = (ids: string[]) =>
    `${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ` and ${ids.length - 5} more` : ''}`;
  const parts = [
    added.length > 0 && `${added.length} job(s) added (${list(added)})`,
    removed.length > 0 && `${removed.length} job(s) removed (${list(removed)})`,
    changed.length > 0 &&
      `${changed.length} job(s) changed: model, parameters, prompt, file or schema (${list(changed)})`,
  ].filter(Boolean);
  return parts.join('; ');
}
