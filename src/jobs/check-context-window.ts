import { loadFile } from '../content/load-file.js';
import { JobValidationError } from '../errors.js';
import { countTokensCut, encodingForModel, loadEncoding } from '../pricing/tokenizer.js';
import type { NormalizedJob } from './normalized-job.js';

/**
 * Jobs whose text alone is longer than their model's context window, refused before anything is sent: the provider
 * would refuse each one ("prompt is too long") only after its batch had waited its turn. OpenAI text is counted with
 * the model's own tokenizer: exactly, unless a run without spaces had to be counted in parts (js-tiktoken is
 * quadratic on one), which can count up to about twice the real tokens — then half of it, less the cuts, is what is
 * held against the window. Claude's tokenizers are unpublished, and the one Anthropic last published packs runs of
 * spaces or dashes into far fewer tokens than o200k_base does: no offline count bounds Claude's from below, so a
 * Claude job is only warned about (`dryRun({ countTokens: true })` counts it exactly), as is an OpenAI job whose
 * bound is not past the window but whose count is. Only a text of more UTF-8 bytes than the window is counted — a
 * byte-level BPE never makes more tokens than bytes — so a run of ordinary prompts loads no tokenizer.
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
    let tokens = 0;
    let cuts = 0;
    for (const text of texts) {
      const counted = countTokensCut(encoder, text);
      tokens += counted.tokens;
      cuts += counted.cuts;
    }
    const least = job.provider !== 'openai' ? 0 : cuts === 0 ? tokens : Math.floor((tokens - cuts) / 2);
    const count = (n: number) => n.toLocaleString('en-US');
    if (least > window) {
      throw new JobValidationError(
        'context_window_exceeded',
        `Job "${job.id}": its text alone is ${cuts === 0 ? '' : 'at least '}${count(least)} tokens, more than the ${count(window)}-token context window of ${job.model}. Shorten it, split it over several jobs, or use a model with a larger window.`,
        { jobId: job.id },
      );
    }
    if (tokens > window) {
      const exact = job.provider === 'anthropic' ? ' dryRun({ countTokens: true }) counts it exactly.' : '';
      warn(
        `job ${job.id}: its text counts about ${count(tokens)} tokens by ${encoding}, past the ${count(window)}-token context window of ${job.model}: the provider may refuse it.${exact}`,
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
