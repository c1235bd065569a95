import { createHash } from 'node:crypto';

/** A seeded PRNG (mulberry32): fault shares must be repeatable from run to run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A number in [0, 1) fixed by the text: decides per-request outcomes independent of call order. */
export function unitHash(text: string): number {
  const digest = createHash('sha256').update(text).digest();
  return digest.readUInt32BE(0) / 4294967296;
}

export function randomId(prefix: string, length = 24): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = createHash('sha256').update(`${prefix}${process.hrtime.bigint()}${Math.random()}`).digest();
  let id = '';
  for (let i = 0; i < length; i++) id += alphabet[bytes[i % bytes.length]! % alphabet.length];
  return `${prefix}${id}`;
}
