import { JobValidationError } from '../errors.js';

/** Safe as a file name and, behind a 9-character submission prefix, as both providers' `custom_id` (at most 64). */
export const JOB_ID_PATTERN = /^[a-zA-Z0-9_-]{1,48}$/;

export function generatedJobId(index: number): string {
  return `job-${String(index + 1).padStart(5, '0')}`;
}

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
    throw new JobValidationError(
      'duplicate_job_id',
      `Job id "${id}" is used twice: give each job its own id.`,
      {
        jobId: id,
      },
    );
  }
  return id;
}
