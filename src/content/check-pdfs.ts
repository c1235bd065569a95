import { JobValidationError } from '../errors.js';
import type { NormalizedJob } from '../jobs/normalized-job.js';
import { tooManyPages } from './file-limits.js';
import { encryptedPdfMessage } from './inspect-file.js';
import { loadFile } from './load-file.js';
import { isPdfProblem, readPdf } from './read-pdf.js';

/**
 * The PDF rules that need the whole document parsed by pdf.js, checked before anything is sent or estimated (`run()`,
 * `dryRun()`): `addJob` is synchronous and reads only a PDF's structure (pdf-page-count.ts). Refuses an image-only PDF
 * under citations (`citations_need_text_pdf`), and is the backstop for what `addJob` could not decide for sure
 * (a damaged cross-reference, an unusual filter): encrypted PDFs (`encrypted_pdf`), PDFs pdf.js cannot parse
 * (`corrupt_pdf`), more pages than the job's provider and model take (`too_many_pages`).
 */
export async function checkPdfs(jobs: readonly NormalizedJob[]): Promise<void> {
  for (const job of jobs) {
    if (job.content.kind !== 'file') continue;
    for (const file of job.content.files) {
      if (file.kind !== 'pdf') continue;
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
      if (pages.length > job.modelInfo.pdfPages) {
        fail('too_many_pages', tooManyPages(file.name, pages.length, job.modelInfo));
      }
      if (job.enableCitations && !pages.some((page) => page.text.trim().length > 0)) {
        fail(
          'citations_need_text_pdf',
          `citations need a text PDF, and ${file.name} has no extractable text (a scan?). Drop enableCitations for it, or OCR it first.`,
        );
      }
    }
  }
}
