import { elementBoundaries, isCleanCut, type SourceFile } from './corpus-sources.ts';
import { deepSequenceFile, randomDeepSequence, type DeepOptions } from './build-deep-sequences.ts';
import { BOMB_KINDS, deflateBomb } from './build-deflate-bombs.ts';
import { brokenEncapsulation, corruptItemHeader } from './build-encapsulation.ts';
import { randomBytes } from './build-random.ts';
import {
  corruptLength,
  corruptVr,
  flipBits,
  overwriteRange,
  shuffleElements,
  truncateAt,
  truncateRandom,
  type Mutation,
} from './mutate-bytes.ts';
import { Random } from './prng.ts';

export interface FuzzCase {
  /** 'f12' for the fixed cases, 'r345' for the seeded ones: with the seed, enough to rebuild it (FUZZ_ONLY). */
  id: string;
  kind: string;
  source: string | null;
  label: string;
  bytes: Buffer;
  /** Why the answer must not be valid, when the damage is one no validator may miss. */
  mustBeInvalid?: string;
}

/** Files cut at every element boundary: explicit and implicit VR, big endian, encapsulated, nested sequences, no pixels. */
const TRUNCATED_SOURCES = [
  'valid/samples/MR_small.dcm',
  'valid/samples/MR_small_implicit.dcm',
  'valid/samples/MR_small_bigendian.dcm',
  'valid/samples/SC_rgb_rle.dcm',
  'valid/samples/test-SR.dcm',
  'valid/samples/liver_1frame.dcm',
];

type Generator = (random: Random, source: SourceFile) => Mutation | null;
type Builder = (random: Random) => Mutation;

const ON_SOURCES: readonly (readonly [number, string, Generator])[] = [
  [25, 'flip', flipBits],
  [14, 'overwrite', overwriteRange],
  [8, 'truncate', truncateRandom],
  [16, 'length', corruptLength],
  [8, 'vr', corruptVr],
  [4, 'headers', shuffleElements],
  [5, 'item-header', corruptItemHeader],
];

export interface CasePlan {
  seed: number;
  /** Seeded cases. */
  count: number;
  /** The corpus files to mutate; empty without the corpus (only the built inputs run then). */
  sources: readonly SourceFile[];
  /** The validator's maxInflatedBytes, so that a bomb goes just past it. */
  maxInflatedBytes: number;
}

/**
 * The cases of one run: fixed ones (every element boundary of a few files, 5,000-deep sequences, one
 * deflate bomb of each kind), then `count` seeded ones. Cases are built one at a time, on demand: a few
 * thousand copies of half-megabyte files are never all in memory.
 */
export function planCases(plan: CasePlan): {
  ids: string[];
  build: (id: string) => FuzzCase;
  fixedKind: (id: string) => string | undefined;
} {
  const fixed = fixedCases(plan);
  const ids = [...fixed.keys(), ...Array.from({ length: plan.count }, (_, i) => `r${i}`)];
  const build = (id: string): FuzzCase => {
    const make = fixed.get(id)?.make;
    if (make) return make();
    const index = Number(id.slice(1));
    if (!id.startsWith('r') || !Number.isInteger(index)) throw new Error(`no fuzz case '${id}'`);
    return seededCase(plan, index);
  };
  return { ids, build, fixedKind: (id) => fixed.get(id)?.kind };
}

function fixedCases(plan: CasePlan): Map<string, { kind: string; make: () => FuzzCase }> {
  const makers: { kind: string; make: () => Omit<FuzzCase, 'id'> }[] = [];
  const bySource = new Map(plan.sources.map((source) => [source.name, source]));
  for (const name of TRUNCATED_SOURCES) {
    const source = bySource.get(name);
    if (!source) continue;
    for (const cut of elementBoundaries(source)) {
      // Cut between two top-level elements, the file may just lack optional attributes; anywhere else in what the inspector reads, it is visibly cut.
      const visible = !isCleanCut(source, cut) && cut < source.dataEnd;
      makers.push({
        kind: 'boundary',
        make: () => ({
          kind: 'boundary',
          source: name,
          ...truncateAt(source, cut),
          ...(visible ? { mustBeInvalid: 'cut inside an element or a sequence' } : {}),
        }),
      });
    }
  }
  const deep: DeepOptions[] = [
    { depth: 5000, delimiters: 'all', explicitVr: true },
    { depth: 5000, delimiters: 'none', explicitVr: true },
    { depth: 5000, delimiters: 'all', explicitVr: false },
    { depth: 5000, delimiters: 'none', explicitVr: false },
    { depth: 5000, delimiters: 'items-only', explicitVr: true },
    { depth: 5000, delimiters: 'all', explicitVr: true, deflate: true },
  ];
  for (const options of deep)
    makers.push({
      kind: 'deep',
      make: () => ({ kind: 'deep', source: null, label: `deep ${JSON.stringify(options)}`, bytes: deepSequenceFile(options) }),
    });
  for (const bomb of BOMB_KINDS) {
    makers.push({
      kind: 'deflate',
      make: () => ({ kind: 'deflate', source: null, ...deflateBomb(bomb, plan.maxInflatedBytes, new Random(plan.seed)) }),
    });
  }
  return new Map(makers.map(({ kind, make }, i) => [`f${i}`, { kind, make: () => ({ ...make(), id: `f${i}` }) }]));
}

const BUILT: readonly (readonly [number, string, Builder])[] = [
  [8, 'random', randomBytes],
  [2, 'deep', randomDeepSequence],
  [8, 'encapsulated', brokenEncapsulation],
];

function seededCase(plan: CasePlan, index: number): FuzzCase {
  const random = Random.forCase(plan.seed, index);
  const id = `r${index}`;
  // The two bombs that inflate hundreds of MB are fixed cases: once per run is enough.
  const smallBombs = BOMB_KINDS.filter((kind) => kind !== 'zeros' && kind !== 'attributes-then-zeros');
  const choices: (readonly [number, () => FuzzCase | null])[] = [
    ...BUILT.map(([weight, kind, make]) => [weight, () => ({ id, kind, source: null, ...make(random) })] as const),
    [1, () => ({ id, kind: 'deflate', source: null, ...deflateBomb(random.pick(smallBombs), plan.maxInflatedBytes, random) })],
  ];
  if (plan.sources.length > 0) {
    for (const [weight, kind, generate] of ON_SOURCES) {
      choices.push([
        weight,
        () => {
          // Small files four times as often as large ones: a case costs about its size.
          const source = random.weighted(plan.sources.map((s) => [s.large ? 1 : 4, s] as const));
          const mutation = generate(random, source);
          return mutation ? { id, kind, source: source.name, ...mutation } : null;
        },
      ]);
    }
  }
  for (;;) {
    const made = random.weighted(choices)();
    if (made) return made;
  }
}
