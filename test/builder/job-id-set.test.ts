import { describe, expect, it } from 'vitest';
import { JobIdSet } from '../../src/jobs/job-id.js';

describe('JobIdSet', () => {
  it('finds an id taken that differs only by case, and forgets every id (and its case twin) when cleared', () => {
    const ids = new JobIdSet();
    ids.add('Invoice-1');
    ids.add('receipt');
    expect(ids.twinOf('invoice-1')).toBe('Invoice-1');
    expect(ids.twinOf('RECEIPT')).toBe('receipt');
    expect(ids.twinOf('Invoice-1')).toBeUndefined();
    ids.clear();
    expect(ids.size).toBe(0);
    expect(ids.twinOf('invoice-1')).toBeUndefined();
    expect(ids.twinOf('RECEIPT')).toBeUndefined();
  });
});
