import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type BatchPhase, canMove, TERMINAL_PHASES } from '../../src/run/machine/batch-phase.js';
import { ProviderBatch } from '../../src/run/machine/provider-batch.js';
import { RunJournal } from '../../src/run/run-journal.js';
import { StateJournal } from '../../src/store/state-journal.js';

const PHASES: BatchPhase[] = [
  'planned',
  'intent',
  'submitted',
  'processing',
  'collecting',
  'ended',
  'failed',
  'cancelled',
];

async function journalIn(): Promise<{ path: string; journal: StateJournal }> {
  const path = join(await mkdtemp(join(tmpdir(), 'batchwise-machine-')), 'state.jsonl');
  const journal = await StateJournal.create(path, {
    type: 'header',
    version: 1,
    stateId: 'sttest',
    createdAt: new Date().toISOString(),
    jobDigests: Buffer.from('{}'),
    resultsDir: '/tmp/results',
  });
  return { path, journal };
}

function machine(journal: RunJournal): ProviderBatch {
  const batch = new ProviderBatch(0, 'anthropic', 'claude-haiku-4-5', [], journal);
  batch.ref = { provider: 'anthropic', id: 'msgbatch_1' };
  return batch;
}

describe('provider batch state machine', () => {
  it('allows exactly the transitions of the diagram', () => {
    const allowed = PHASES.flatMap((from) =>
      PHASES.filter((to) => canMove(from, to)).map((to) => `${from}->${to}`),
    );
    expect(allowed).toEqual([
      'planned->intent',
      'planned->failed',
      'planned->cancelled',
      'intent->submitted',
      'intent->failed',
      'intent->cancelled',
      'submitted->processing',
      'submitted->collecting',
      'submitted->failed',
      'processing->collecting',
      'processing->failed',
      'collecting->collecting',
      'collecting->ended',
      'collecting->failed',
    ]);
    for (const terminal of TERMINAL_PHASES) expect(PHASES.some((to) => canMove(terminal, to))).toBe(false);
  });

  it('refuses a transition the diagram does not have, and stays where it was', async () => {
    const batch = machine(new RunJournal(undefined));
    await expect(batch.moveTo('submitted')).rejects.toThrow('no transition planned -> submitted');
    expect(batch.phase).toBe('planned');
  });

  it('journals a transition (flushed) before it takes effect, and tells observers after', async () => {
    const { path, journal } = await journalIn();
    const batch = machine(new RunJournal(journal));
    const seen: string[] = [];
    batch.observe((b, from) => seen.push(`${from}->${b.phase}`));
    await batch.moveTo('intent', { type: 'intent', endpoint: 'http://127.0.0.1:1' });
    await batch.moveTo('submitted', { type: 'submitted' });
    await batch.moveTo('processing');
    await batch.moveTo('collecting');
    await batch.moveTo('ended', { type: 'ended' });
    expect(seen).toEqual([
      'planned->intent',
      'intent->submitted',
      'submitted->processing',
      'processing->collecting',
      'collecting->ended',
    ]);
    const types = (await readFile(path, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).type);
    expect(types).toEqual(['header', 'intent', 'submitted', 'ended']);
    await journal.close();
  });

  it('does not move when its journal record cannot be written', async () => {
    const { journal } = await journalIn();
    const batch = machine(new RunJournal(journal));
    await batch.moveTo('intent', { type: 'intent', endpoint: 'http://127.0.0.1:1' });
    await journal.close(); // any later write fails, as a broken disk would
    const seen: string[] = [];
    batch.observe((b) => seen.push(b.phase));
    await expect(batch.moveTo('submitted', { type: 'submitted' })).rejects.toThrow();
    expect(batch.phase).toBe('intent');
    expect(seen).toEqual([]);
  });

  it('a resumed submission starts at intent (no batch id) or submitted (id recorded, so ours)', () => {
    const intent = {
      type: 'intent' as const,
      submissionId: 'abcd1234',
      provider: 'anthropic' as const,
      model: 'claude-haiku-4-5',
      jobIds: ['a', 'b'],
      reservationsUsd: [0.1, 0.2],
      attempts: [1, 1],
      resubmits: [0, 0],
      intentAt: 1,
    };
    const journal = new RunJournal(undefined);
    const orphan = new ProviderBatch(0, 'anthropic', 'claude-haiku-4-5', [], journal, {
      intent,
      providerBatchId: null,
      inputFileId: null,
      ended: false,
      results: 0,
      abandoned: false,
    });
    const ofCustomIds = ['abcd1234_a', 'abcd1234_b', 'abcd1234_c', 'abcd1235_a', 'abcd1234a', 'a'].map((id) =>
      orphan.jobIdOf(id),
    );
    expect([orphan.phase, orphan.confirmed, ofCustomIds, orphan.jobIdAt(1)]).toEqual([
      'intent',
      false,
      ['a', 'b', undefined, undefined, undefined, undefined],
      'b',
    ]);
    const known = new ProviderBatch(0, 'anthropic', 'claude-haiku-4-5', [], journal, {
      intent,
      providerBatchId: 'msgbatch_9',
      inputFileId: null,
      ended: false,
      results: 0,
      abandoned: false,
    });
    expect([known.phase, known.confirmed, known.ref?.id]).toEqual(['submitted', true, 'msgbatch_9']);
  });
});
