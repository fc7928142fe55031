/**
 * Which arm of an experiment a visitor is in: a hash of the experiment's id and the visitor's id, so the storefront
 * embed and the app compute the same arm without asking each other, a visitor keeps their arm on every page, and a
 * visitor's arms in two experiments are independent. The app recomputes it for every exposure a browser reports and
 * refuses one that names another arm. Pure; the storefront SDK bundles this very file (its experiments build).
 */

/** Buckets of 0.01 %: an arm of weight w % owns 100·w consecutive buckets. */
export const BUCKETS = 10_000;

/** FNV-1a over the UTF-16 code units of `experimentId:visitorKey`, then murmur3's finaliser to spread the bits. */
export function bucketOf(experimentId: string, visitorKey: string): number {
  const text = `${experimentId}:${visitorKey}`;
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) % BUCKETS;
}

export interface WeightedArm {
  key: string;
  /** Whole percent; an experiment's arms add up to 100. */
  weight: number;
}

/** The arm owning `bucket`, arms taken in their stored order. */
export function armOfBucket<T extends WeightedArm>(arms: readonly T[], bucket: number): T {
  let upTo = 0;
  for (const arm of arms) {
    upTo += arm.weight * (BUCKETS / 100);
    if (bucket < upTo) return arm;
  }
  return arms[arms.length - 1];
}

export const assignedArm = <T extends WeightedArm>(experimentId: string, arms: readonly T[], visitorKey: string): T =>
  armOfBucket(arms, bucketOf(experimentId, visitorKey));
