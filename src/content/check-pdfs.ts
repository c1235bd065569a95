import { JobValidationError } from '../errors.js';
import type { NormalizedJob } from '../jobs/normalized-job.js';
import { maxPdfPages } from './file-limits.js';
import { encryptedPdfMessage } from './inspect-file.js';
import { loadFile } from './load-file.js';
import { isPdfProblem, readPdf } from './read-pdf.js';

/**
 * The PDF rules that need the whole document parsed, checked before anything is sent or estimated (`run()`,
 * `dryRun()`): `addJob` is synchronous and reads only a PDF's head and tail. Refuses encrypted PDFs that `addJob`
 * could not see as such (`encrypted_pdf`), PDFs no reader can parse (`corrupt_pdf`), more pages than the job's provider and model take
 * (`too_many_pages`), and an image-only PDF under citations (`citations_need_text_pdf`).
 */
export async function checkPdfs(jobs: readonly NormalizedJob[]): Promise<void> {
  for (const job of jobs) {
    if (job.content.kind !== 'file' || job.content.file.kind !== 'pdf') continue;
    const { file } = job.content;
    const fail = (code: string, message: string): never => {
      throw new JobValidationError(code, `Job "${job.id}": ${message}`, { jobId: job.id });
    };
    const read = await readPdf(await loadFile(file));
    if (isPdfProblem(read)) {
      if (read.kind === 'encrypted') {
        fail('encrypted_pdf', encryptedPdfMessage(file.name));
      }
      fail(
        'corrupt_pdf',
        `${file.name} cannot be read as a PDF (${(read as { reason: string }).reason}). Open and save it again, or export it anew.`,
      );
    }
    const pages = (read as Exclude<typeof read, { kind: string }>).pages;
    const limit = maxPdfPages(job.provider, job.modelInfo.name);
    if (pages.length > limit) {
      fail(
        'too_many_pages',
        `${file.name} has ${pages.length} pages; ${job.modelInfo.name} takes at most ${limit} PDF pages per request. Split the PDF into parts of at most ${limit} pages, one job each.`,
      );
    }
    if (job.enableCitations && !pages.some((page) => page.text.trim().length > 0)) {
      fail(
        'citations_need_text_pdf',
        `citations need a text PDF, and ${file.name} has no extractable text (a scan?). Drop enableCitations for it, or OCR it first.`,
      );
    }
  }
}
