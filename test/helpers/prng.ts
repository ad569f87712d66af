/**
 * The seeded generator the bench seeders and the fold test share (mulberry32):
 * the same seed gives the same numbers on every run, so a bench seeds the same
 * data and a failing generated case can be replayed. Three files each carried
 * a copy (duplicate scan D7, D10). Not for anything secret.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
