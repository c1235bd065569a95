import { wireBytes } from '../content/file-limits.js';
import type { NormalizedJob, OutputSpec } from '../jobs/normalized-job.js';
import type { ProviderName } from '../models/registry.js';

export interface PlannedBatch {
  index: number;
  provider: ProviderName;
  model: string;
  jobs: NormalizedJob[];
}

export interface PlanLimits {
  itemsPerBatch: number;
  limitsFor(provider: ProviderName): { maxRequests: number; maxBytes: number };
}

/** JSON framing around a request's content, generously counted. */
const REQUEST_OVERHEAD_BYTES = 2_048;

/** The bytes of the largest form of a schema a request may carry (OpenAI's strict one, or Anthropic's), by schema. */
const schemaBytes = new WeakMap<OutputSpec, number>();

/**
 * A job's size on the wire, known without reading its file: its messages or prompt as JSON, its schema and provider
 * options, its file's size (base64 grows bytes by 4/3; a text file is counted at twice its bytes, which JSON escapes
 * of control characters can exceed). What packs provider batches, and sizes their buffers; a batch's built requests
 * are held to the provider's byte limit again, as they are (the scheduler's `admit`).
 */
export function estimateRequestBytes(job: NormalizedJob): number {
  const options = job.providerOptions ? Buffer.byteLength(JSON.stringify(job.providerOptions)) : 0;
  const bytes = REQUEST_OVERHEAD_BYTES + options + (job.output ? outputBytes(job.output) : 0);
  if (job.content.kind === 'messages') return bytes + Buffer.byteLength(JSON.stringify(job.content.messages));
  const fileBytes = job.content.files.reduce(
    (sum, file) => sum + (file.kind === 'text' ? file.size * 2 : wireBytes(file.kind, file.size)),
    0,
  );
  return bytes + fileBytes + Buffer.byteLength(JSON.stringify(job.content.prompt));
}

function outputBytes(output: OutputSpec): number {
  let bytes = schemaBytes.get(output);
  if (bytes === undefined) {
    const forms = [output.jsonSchema, output.strict, output.anthropic];
    bytes = Math.max(...forms.map((form) => Buffer.byteLength(JSON.stringify(form ?? null))));
    schemaBytes.set(output, bytes);
  }
  return bytes;
}

/**
 * Packs jobs into provider batches: one provider and one model per batch, in the order the jobs were added, each at
 * most `itemsPerBatch` jobs and within the provider's request-count and byte limits.
 */
export function planBatches(jobs: NormalizedJob[], limits: PlanLimits): PlannedBatch[] {
  const groups = new Map<string, NormalizedJob[]>();
  for (const job of jobs) {
    const key = `${job.provider}\u0000${job.model}`;
    const group = groups.get(key);
    if (group) group.push(job);
    else groups.set(key, [job]);
  }
  const planned: PlannedBatch[] = [];
  for (const group of groups.values()) {
    const { provider, model } = group[0]!;
    const { maxRequests, maxBytes } = limits.limitsFor(provider);
    const maxItems = Math.max(1, Math.min(limits.itemsPerBatch, maxRequests));
    let current: NormalizedJob[] = [];
    let bytes = 0;
    for (const job of group) {
      const size = estimateRequestBytes(job);
      if (current.length > 0 && (current.length >= maxItems || bytes + size > maxBytes)) {
        planned.push({ index: planned.length, provider, model, jobs: current });
        current = [];
        bytes = 0;
      }
      current.push(job);
      bytes += size;
    }
    if (current.length > 0) planned.push({ index: planned.length, provider, model, jobs: current });
  }
  return planned;
}
