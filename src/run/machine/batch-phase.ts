/**
 * The life of one provider batch. Each arrow is one transition; the ones marked (journal) write their record to the
 * state file, flushed, before the phase changes, so a crash at any instant leaves a state a resume can continue.
 *
 * ```
 * planned ──(journal: intent)──▶ intent ──(journal: submitted)──▶ submitted ──▶ processing ──▶ collecting ──(journal: ended)──▶ ended
 *    │                            │  │                               │              │             │
 *    ▼                            │  └─(journal: abandoned)─▶ cancelled              └─────────────┴──────────▶ failed
 * cancelled                       └──────────────────────────▶ failed
 * ```
 *
 * - `intent`: the batch may exist at the provider from here on. Its create is sent at most once; a create whose
 *   answer was lost is looked up (by OpenAI metadata, or Anthropic candidates confirmed by custom_id prefix)
 *   before anything else happens.
 * - `cancelled`: the batch is known not to exist (stopped before its create, or the create was refused); its jobs
 *   had nothing from it and go back to the scheduler.
 * - `failed`: this run gives up on the batch (could not learn whether it exists, could not poll it, could not read
 *   or write its results). Its jobs end with a resumable reason; its submission stays open in the state file, so a
 *   resume follows the same provider batch again and pays nothing twice.
 * - `ended`: every job of the batch has its durable result (or was handed back to be sent again).
 */
export type BatchPhase =
  | 'planned'
  | 'intent'
  | 'submitted'
  | 'processing'
  | 'collecting'
  | 'ended'
  | 'failed'
  | 'cancelled';

const TRANSITIONS: Record<BatchPhase, readonly BatchPhase[]> = {
  // planned -> failed: its intent could not be written, so nothing was sent.
  planned: ['intent', 'cancelled', 'failed'],
  intent: ['submitted', 'cancelled', 'failed'],
  submitted: ['processing', 'collecting', 'failed'],
  processing: ['collecting', 'failed'],
  // A batch whose results could not all be written is collected again (collecting -> collecting).
  collecting: ['collecting', 'ended', 'failed'],
  ended: [],
  failed: [],
  cancelled: [],
};

export const TERMINAL_PHASES: ReadonlySet<BatchPhase> = new Set(['ended', 'failed', 'cancelled']);

export function canMove(from: BatchPhase, to: BatchPhase): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Phases in which the provider batch exists (or may) and its jobs are in flight. */
export function isInFlight(phase: BatchPhase): boolean {
  return phase === 'intent' || phase === 'submitted' || phase === 'processing' || phase === 'collecting';
}
