import type { NormalizedJob } from './normalized-job.js';

/** The job to send again after an invalid answer: its prompt says what was wrong. */
export function withRetryNote(job: NormalizedJob, problem: string): NormalizedJob {
  const note = `\n\nA previous answer to this request was rejected: ${problem}. Answer again with JSON that matches the schema exactly.`;
  const next = { ...job, attempt: job.attempt + 1 };
  if (job.content.kind === 'file')
    return { ...next, content: { ...job.content, prompt: job.content.prompt + note } };
  const messages = [...job.content.messages];
  const last = messages.map((m) => m.role).lastIndexOf('user');
  messages[last] = { ...messages[last]!, content: messages[last]!.content + note };
  return { ...next, content: { kind: 'messages', messages } };
}
