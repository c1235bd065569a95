import { describe, expect, it } from 'vitest';
import { BatchReservations } from '../../src/run/machine/batch-reservations.js';

describe('a provider batch keeps its jobs reservations by position', () => {
  it('gives each reservation up once, with its amount; an unknown price is held as 0 and recorded as null', () => {
    const reservations = BatchReservations.held([0.25, null, 0.5]);
    expect(reservations.release(0)).toBe(0.25);
    expect(reservations.release(0)).toBeUndefined();
    expect(reservations.release(1)).toBe(0);
    expect(reservations.release(3)).toBeUndefined();
    expect(reservations.release(-1)).toBeUndefined();
    expect(reservations.amounts()).toEqual([0.25, null, 0.5]);
    expect(reservations.release(2)).toBe(0.5);
  });

  it('a resumed batch holds only what it is told to hold again, once', () => {
    const reservations = new BatchReservations([0.1, 0.2]);
    expect(reservations.release(0)).toBeUndefined();
    expect(reservations.hold(1)).toBe(0.2);
    expect(reservations.hold(1)).toBeUndefined();
    expect(reservations.hold(5)).toBeUndefined();
    expect(reservations.release(1)).toBe(0.2);
    expect(reservations.release(1)).toBeUndefined();
  });

  it('a batch that reserved nothing has nothing to give up', () => {
    expect(BatchReservations.none().release(0)).toBeUndefined();
    expect(BatchReservations.none().amounts()).toEqual([]);
  });
});
