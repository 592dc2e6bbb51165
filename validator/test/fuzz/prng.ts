/**
 * mulberry32: a tiny seeded PRNG (32 bits of state), so that a fuzz failure replays from its seed alone.
 * Not for anything but tests.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Random {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** The generator of case `index` of a run: each case replays alone from (seed, index). */
  static forCase(seed: number, index: number): Random {
    return new Random((seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0);
  }

  float(): number {
    return this.next();
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(values: readonly T[]): T {
    if (values.length === 0) throw new Error('pick from an empty list');
    return values[Math.floor(this.next() * values.length)]!;
  }

  /** Picks by weight: [[weight, value], …]. */
  weighted<T>(choices: readonly (readonly [number, T])[]): T {
    const total = choices.reduce((sum, [weight]) => sum + weight, 0);
    let roll = this.next() * total;
    for (const [weight, value] of choices) {
      roll -= weight;
      if (roll < 0) return value;
    }
    return choices[choices.length - 1]![1];
  }

  bytes(length: number): Buffer {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i++) out[i] = Math.floor(this.next() * 256);
    return out;
  }

  uint32(): number {
    return Math.floor(this.next() * 0x100000000) >>> 0;
  }
}

/** FUZZ_SEED as given (decimal or 0x hex), else a fresh random one. */
export function seedFromEnv(value: string | undefined): number {
  if (value !== undefined && value.trim() !== '') {
    const parsed = Number(value.trim());
    if (!Number.isInteger(parsed)) throw new Error(`FUZZ_SEED must be an integer, not '${value}'`);
    return parsed >>> 0;
  }
  return Math.floor(Math.random() * 0x100000000) >>> 0;
}
