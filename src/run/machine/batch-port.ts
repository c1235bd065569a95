import type { BatchwiseError } from '../../errors.js';
import type { Logger } from '../../log/logger.js';
import type { PriceTable } from '../../pricing/prices.js';
import type { BatchProvider } from '../../providers/provider.js';
import type { ResultsWriter } from '../../store/results-writer.js';
import type { ResultSink } from '../result-sink.js';
import type { PollOptions, RetryOptions } from '../run-config.js';
import type { RunJournal } from '../run-journal.js';
import type { StopSignal } from '../stop-signal.js';

/** Everything one provider batch's machine may use; it reaches nothing else of its run. */
export interface BatchPort {
  readonly provider: BatchProvider;
  readonly journal: RunJournal;
  readonly sink: ResultSink;
  readonly stop: StopSignal;
  readonly logger: Logger;
  /** Stable across resumes; tags submissions (OpenAI metadata). */
  readonly stateId: string;
  readonly poll: Required<PollOptions>;
  readonly retry: Required<RetryOptions>;
  readonly prices: PriceTable;
  /** Resubmissions of a job whose provider batch expired or was cancelled by someone else. */
  readonly maxRetries: number;
  readonly rawWriter: ResultsWriter | undefined;
  report(error: BatchwiseError): void;
}
