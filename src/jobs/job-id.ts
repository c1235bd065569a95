import { JobValidationError } from '../errors.js';

/** Safe as a file name and, behind a 9-character submission prefix, as both providers' `custom_id` (at most 64). */
export const JOB_ID_PATTERN = /^[a-zA-Z0-9_-]{1,48}$/;

const GENERATED = /^job-\d{5,}$/;

export function generatedJobId(index: number): string {
  return `job-${String(index + 1).padStart(5, '0')}`;
}

/**
 * The id of the job at `index` that was given none: `job-00001`, … — or, when the user already named a job so, the
 * next number free. Deterministic for the same jobs in the same order, so that a resume finds the same ids.
 */
export function freeGeneratedJobId(index: number, taken: ReadonlySet<string>): string {
  let n = index;
  while (taken.has(generatedJobId(n)) || caseTwin(taken, generatedJobId(n)) !== undefined) n++;
  return generatedJobId(n);
}

/**
 * The job ids of a batch, also by their lower-case form: ids that differ only by case (`Invoice-1`, `invoice-1`)
 * would share one result file on macOS and Windows, whose file systems ignore case.
 */
export class JobIdSet extends Set<string> {
  /** Ids with capitals, by their lower-case form; an id without capitals is its own lower-case form (in the set). */
  private readonly folded = new Map<string, string>();

  override add(id: string): this {
    const lower = id.toLowerCase();
    if (lower !== id) this.folded.set(lower, id);
    return super.add(id);
  }

  override clear(): void {
    this.folded.clear();
    super.clear();
  }

  /** The id already taken that differs from `id` only by case. */
  twinOf(id: string): string | undefined {
    const lower = id.toLowerCase();
    const twin = this.folded.get(lower) ?? (this.has(lower) ? lower : undefined);
    return twin !== undefined && twin !== id ? twin : undefined;
  }
}

function caseTwin(taken: ReadonlySet<string>, id: string): string | undefined {
  if (taken instanceof JobIdSet) return taken.twinOf(id);
  const folded = id.toLowerCase();
  for (const other of taken) if (other !== id && other.toLowerCase() === folded) return other;
  return undefined;
}

/** Names Windows reserves for devices, with any extension: `NUL.json` is the null device there, not a file. */
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[1-9]|lpt[1-9])$/i;

export function checkJobId(id: unknown, taken: ReadonlySet<string>): string {
  if (typeof id !== 'string' || !JOB_ID_PATTERN.test(id)) {
    throw new JobValidationError(
      'invalid_job_id',
      `Job id ${JSON.stringify(id)} is not allowed: use 1 to 48 letters, digits, "_" or "-" (no "/", "..", spaces or ` +
        'dots), because it becomes a file name and part of the provider custom_id (at most 64 characters).',
      { jobId: typeof id === 'string' ? id : undefined },
    );
  }
  if (taken.has(id)) {
    const generated = GENERATED.test(id)
      ? ' Ids of the form job-00001 are also given to jobs added without an id: name this one otherwise, or give every job an id.'
      : '';
    throw new JobValidationError(
      'duplicate_job_id',
      `Job id "${id}" is used twice: give each job its own id.${generated}`,
      {
        jobId: id,
      },
    );
  }
  if (WINDOWS_DEVICE.test(id)) {
    throw new JobValidationError(
      'invalid_job_id',
      `Job id "${id}" is a device name on Windows (CON, PRN, AUX, NUL, COM1–COM9, LPT1–LPT9, in any case): its result ` +
        `file ${id}.json could not be written there. Give the job another id.`,
      { jobId: id },
    );
  }
  const twin = caseTwin(taken, id);
  if (twin !== undefined) {
    throw new JobValidationError(
      'job_id_case_conflict',
      `Job id "${id}" differs from "${twin}" only by case: both would be written to one result file on macOS and ` +
        'Windows, whose file systems ignore case. Give them ids that differ in more than case.',
      { jobId: id },
    );
  }
  return id;
}
