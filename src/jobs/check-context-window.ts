import { loadFile } from '../content/load-file.js';
import { JobValidationError } from '../errors.js';
import { countTokens, encodingForModel, loadEncoding } from '../pricing/tokenizer.js';
import type { NormalizedJob } from './normalized-job.js';

/**
 * Jobs whose text alone is longer than their model's context window, refused before anything is sent: the provider
 * would refuse each one ("prompt is too long") only after its batch had waited its turn. Counted with OpenAI's own
 * tokenizers: exact for OpenAI's text. Claude's tokenizers are unpublished; the one Anthropic last published was
 * measured at no fewer than half of o200k_base's tokens on any sample (spaced digits; 0.97× or more on the rest,
 * docs/cost.md), so a Claude job is refused when half its o200k count is past the window, and warned about when
 * the count is. Only a text of more UTF-8 bytes than the window is counted — a byte-level BPE never makes more
 * tokens than bytes — so a run of ordinary prompts loads no tokenizer.
 */
export async function checkContextWindows(
  jobs: readonly NormalizedJob[],
  warn: (message: string) => void,
): Promise<void> {
  for (const job of jobs) {
    const window = job.modelInfo.contextWindow;
    if (!window) continue;
    const texts = await textsOf(job, window);
    if (texts === null) continue;
    const encoding = job.provider === 'openai' ? encodingForModel(job.model) : 'o200k_base';
    const encoder = await loadEncoding(encoding);
    const tokens = texts.reduce((sum, text) => sum + countTokens(encoder, text), 0);
    const least = job.provider === 'openai' ? tokens : Math.ceil(tokens / 2);
    const what = `its text alone is ${job.provider === 'openai' ? '' : 'at least '}${least.toLocaleString('en-US')} tokens`;
    if (least > window) {
      throw new JobValidationError(
        'context_window_exceeded',
        `Job "${job.id}": ${what}, more than the ${window.toLocaleString('en-US')}-token context window of ${job.model}. Shorten it, split it over several jobs, or use a model with a larger window.`,
        { jobId: job.id },
      );
    }
    if (tokens > window) {
      warn(
        `job ${job.id}: its text is ${tokens.toLocaleString('en-US')} tokens by o200k_base, past the ${window.toLocaleString('en-US')}-token context window of ${job.model}; Claude may count fewer, but it is likely to be refused. dryRun({ countTokens: true }) counts it exactly.`,
      );
    }
  }
}

/** The job's texts, or null when they are too short to matter (fewer UTF-8 bytes than the window has tokens). */
async function textsOf(job: NormalizedJob, window: number): Promise<string[] | null> {
  if (job.content.kind === 'messages') {
    const texts = job.content.messages.map((message) => message.content);
    return bytesOf(texts) > window ? texts : null;
  }
  const textFiles = job.content.files.filter((file) => file.kind === 'text');
  if (Buffer.byteLength(job.content.prompt) + textFiles.reduce((sum, f) => sum + f.size, 0) <= window)
    return null;
  const texts = [job.content.prompt];
  for (const file of textFiles) texts.push((await loadFile(file)).toString('utf8'));
  return texts;
}

function bytesOf(texts: readonly string[]): number {
  let bytes = 0;
  for (const text of texts) bytes += Buffer.byteLength(text, 'utf8');
  return bytes;
}
