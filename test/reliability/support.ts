// Shared helpers of the reliability suite: the engine host and the CLI helpers every engine test uses (test/support),
// and a seeded random number generator.
export { ADMIN } from '../support/tenant';
export { connectorCopy, filesUnder } from '../support/cli';
export { assertPropertiesMatch, choices, counts, harness, newContext } from '../support/engine';

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
