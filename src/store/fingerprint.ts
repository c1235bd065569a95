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

/** JSON text is made in pieces of about this many characters before it becomes bytes. */
const PIECE_CHARACTERS = 64 * 1024;

/**
 * Each job's digest by its id, as the UTF-8 JSON text of that object (`{"<id>":"<digest>",…}`): what a new state's
 * header records. Bytes, made a piece at a time, never the object: at 100,000 jobs an object of digests is
 * megabytes of heap at the moment a run starts, when V8 sizes its heap for the run (issue 14).
 */
export function jobDigestsJson(jobs: readonly NormalizedJob[]): Buffer {
  const pieces: Buffer[] = [];
  let text = '{';
  for (const [index, job] of jobs.entries()) {
    text += `${index === 0 ? '' : ','}${JSON.stringify(job.id)}:"${jobDigest(job)}"`;
    if (text.length >= PIECE_CHARACTERS) {
      pieces.push(Buffer.from(text));
      text = '';
    }
  }
  pieces.push(Buffer.from(`${text}}`));
  return Buffer.concat(pieces);
}

/**
 * What differs between the digests a state recorded and the current jobs, in a sentence; null when they are the
 * same. Each job's digest is made and compared in turn, never kept.
 */
export function describeDifference(
  saved: Record<string, string>,
  jobs: readonly NormalizedJob[],
): string | null {
  const added: string[] = [];
  const changed: string[] = [];
  for (const job of jobs) {
    // Own keys only: a job called `constructor` is not in a state that never had it.
    if (!Object.hasOwn(saved, job.id)) added.push(job.id);
    else if (saved[job.id] !== jobDigest(job)) changed.push(job.id);
  }
  const savedIds = Object.keys(saved);
  let removed: string[] = [];
  if (savedIds.length > jobs.length - added.length) {
    const current = new Set(jobs.map((job) => job.id));
    removed = savedIds.filter((id) => !current.has(id));
  }
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
