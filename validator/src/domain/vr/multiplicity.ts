import { BINARY_VALUE_SIZE, SINGLE_VALUED_BINARY } from './binary.ts';
import { SINGLE_VALUED_TEXT } from './padding.ts';
import { makeProblem } from './problem.ts';
import type { ValueProblem } from './types.ts';

/**
 * The number of values present (PS3.5 §6.4). raw is the decoded text of a character-string VR, null
 * for binary VRs or when nothing was read. An empty value, or one of padding only, has no values.
 */
export function countValues(vr: string, raw: string | null, byteLength: number): number {
  if (SINGLE_VALUED_BINARY.has(vr)) return byteLength > 0 ? 1 : 0;
  const size = (BINARY_VALUE_SIZE as Readonly<Record<string, number>>)[vr];
  if (size !== undefined) return Math.floor(Math.max(byteLength, 0) / size);
  if (raw === null || isPaddingOnly(raw)) return 0;
  if (SINGLE_VALUED_TEXT.has(vr)) return 1;
  let count = 1;
  for (let at = raw.indexOf('\\'); at >= 0; at = raw.indexOf('\\', at + 1)) count++;
  return count;
}

function isPaddingOnly(raw: string): boolean {
  for (let index = 0; index < raw.length; index++) {
    const code = raw.charCodeAt(index);
    if (code !== 0x20 && code !== 0x00) return false;
  }
  return true;
}

/** One alternative of a PS3.6 VM: 'n', 'a-b', 'a-n' or 'a-kn' (at least a, a multiple of k). */
interface VmRange {
  min: number;
  max: number;
  step: number;
}

function parseVm(spec: string): VmRange | undefined {
  const exact = /^(\d+)$/.exec(spec);
  if (exact) return { min: Number(exact[1]), max: Number(exact[1]), step: 1 };
  const bounded = /^(\d+)-(\d+)$/.exec(spec);
  if (bounded) return { min: Number(bounded[1]), max: Number(bounded[2]), step: 1 };
  const open = /^(\d+)-(\d*)n$/.exec(spec);
  if (open) return { min: Number(open[1]), max: Infinity, step: open[2] ? Number(open[2]) : 1 };
  return undefined;
}

const fits = (range: VmRange, count: number): boolean => count >= range.min && count <= range.max && count % range.step === 0;

const SPECS = new Map<string, readonly (VmRange | undefined)[]>();
/** The dictionary spells a few dozen VMs; a bound keeps other callers' strings from growing the Map. */
const MAX_SPECS = 256;

/** A VM's alternatives, read once per spelling. */
function parseSpec(vmSpec: string): readonly (VmRange | undefined)[] {
  let ranges = SPECS.get(vmSpec);
  if (ranges === undefined) {
    ranges = vmSpec
      .trim()
      .split(/\s+or\s+/)
      .map(parseVm);
    if (SPECS.size < MAX_SPECS) SPECS.set(vmSpec, ranges);
  }
  return ranges;
}

/** Whether count values satisfy the dictionary's VM (PS3.5 §6.4, PS3.6 §6). Empty values are never a VM problem. */
export function checkMultiplicity(vmSpec: string, count: number): ValueProblem[] {
  if (count === 0) return [];
  const ranges = parseSpec(vmSpec);
  if (ranges.some((range) => range === undefined)) {
    return [makeProblem('vm-spec-invalid', `VM '${vmSpec}' is not a Value Multiplicity of PS3.6`)];
  }
  const known = ranges as VmRange[];
  if (known.some((range) => fits(range, count))) return [];
  const said = `${count} value${count === 1 ? '' : 's'} present; the VM is ${vmSpec}`;
  if (known.every((range) => count < range.min)) return [makeProblem('vm-too-few', said)];
  if (known.every((range) => count > range.max)) return [makeProblem('vm-too-many', said)];
  return [makeProblem('vm-not-multiple', said)];
}
