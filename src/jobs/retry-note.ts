import { stripCiteTags } from '../citations/cite-tags.js';
import { parseOutput } from '../structured/parse-output.js';
import { wellFormed } from './lone-surrogates.js';
import type { NormalizedJob, OutputSpec } from './normalized-job.js';

/** The job to send again after an invalid answer: its prompt says what was wrong. */
export function withRetryNote(job: NormalizedJob, problem: string): NormalizedJob {
  // The problem may quote the answer, half of an emoji included: the note must not carry it into the request.
  const note = `\n\nA previous answer to this request was rejected: ${wellFormed(problem)}. Answer again with JSON that matches the schema exactly.`;
  const attempt = job.attempt + 1;
  const { content } = job;
  if (content.kind === 'file')
    return job.with({ attempt, content: { ...content, prompt: content.prompt + note } });
  const messages = [...content.messages];
  const last = messages.map((m) => m.role).lastIndexOf('user');
  messages[last] = { ...messages[last]!, content: messages[last]!.content + note };
  return job.with({ attempt, content: { kind: 'messages', messages } });
}

/** What an invalid answer's result says was wrong with it (the retry note quotes it). */
export function invalidOutputMessage(job: NormalizedJob, problem: string): string {
  return `Job "${job.id}": ${problem}`;
}

/**
 * What was wrong with a paid answer, found again from its text, or null when it parses. A resume that sends a retry
 * a stop or a cost limit held back gives it the note the run would have given: the note is not stored, the answer
 * is (in the job's result file: its `resending` marker, or the result the stop or the limit ended it with), and
 * parsing is deterministic.
 */
export async function answerProblem(job: NormalizedJob, text: string): Promise<string | null> {
  if (!job.output) return null;
  const parsed = await parseAnswer(job, text, job.output);
  return parsed.ok ? null : invalidOutputMessage(job, parsed.message);
}

/**
 * A job's answer parsed with its `responseModel`, as every result is: `<cite>` tags Claude wrote into its text are
 * markup, never part of a value (anthropic-sdk-python #1060); OpenAI's strict mode sent optional fields as nullable.
 */
export function parseAnswer(
  job: NormalizedJob,
  text: string,
  output: OutputSpec,
): ReturnType<typeof parseOutput> {
  return parseOutput(
    job.enableCitations ? stripCiteTags(text) : text,
    output.schema,
    job.provider === 'openai' ? output.nullableOptional : null,
  );
}
