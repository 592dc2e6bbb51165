import { Tag, type Finding, type InstanceSummary } from '@dsv/common';
import { makeFinding } from '../make-finding.ts';
import { describeSeries, groupBy } from './group-instances.ts';

/** Two positions this close (mm) along the normal are the same slice: another echo, phase or time point. */
const SAME_POSITION_MM = 0.001;
/** A step may differ from the usual one by this much (mm, or this fraction of it) before it is reported. */
const TOLERANCE_MM = 0.02;
const TOLERANCE_FRACTION = 0.05;
/** Steps reported by name in a message; the rest are counted. */
const SHOWN = 3;

type Vector = readonly [number, number, number];

interface Slice {
  at: number;
  files: string[];
}

/**
 * The slices of a series, by orientation: their Image Position (Patient) projected on the normal of the
 * plane that Image Orientation (Patient) gives (PS3.3 §C.7.6.2.1.1), sorted. Steps that are a multiple of
 * the usual step are missing slices; others are uneven spacing. A localizer in another plane is its own stack.
 */
export function checkSliceSpacing(uid: string, series: readonly InstanceSummary[]): Finding[] {
  const placed = series.filter((i) => i.ImagePositionPatient?.length === 3 && i.ImageOrientationPatient?.length === 6);
  const stacks = groupBy(placed, (i) => i.ImageOrientationPatient?.map((value) => value.toFixed(3)).join('\\'));
  const findings: Finding[] = [];
  for (const stack of stacks.values()) {
    const normal = normalOf(stack[0]!.ImageOrientationPatient!);
    if (!normal) continue;
    const slices = positionsAlong(normal, stack);
    if (slices.length < 3) continue;
    const steps = slices.slice(1).map((slice, index) => slice.at - slices[index]!.at);
    const usual = median(steps);
    if (usual <= SAME_POSITION_MM) continue;
    const tolerance = Math.max(TOLERANCE_MM, TOLERANCE_FRACTION * usual);
    const odd = steps.flatMap((step, index) =>
      Math.abs(step - usual) > tolerance ? [{ step, from: slices[index]!, to: slices[index + 1]! }] : [],
    );
    if (odd.length === 0) continue;
    const described = odd.slice(0, SHOWN).map(({ step, from, to }) => {
      const multiple = Math.round(step / usual);
      const why =
        multiple >= 2 && Math.abs(step - multiple * usual) <= tolerance * multiple
          ? `${multiple - 1} slice${multiple === 2 ? '' : 's'} missing?`
          : 'uneven';
      return `${mm(step)} mm between ${mm(from.at)} and ${mm(to.at)} (${why})`;
    });
    const more = odd.length > SHOWN ? ` and ${odd.length - SHOWN} more` : '';
    findings.push(
      makeFinding(
        'uneven-slice-spacing',
        `${describeSeries(uid, series)}: ${slices.length} slices ${mm(usual)} mm apart along the slice normal, but ${described.join('; ')}${more}`,
        { tag: Tag.ImagePositionPatient, files: [...new Set(odd.flatMap(({ from, to }) => [...from.files, ...to.files]))] },
      ),
    );
  }
  return findings;
}

/** Row direction × column direction: the normal of the image plane, or undefined when they are not two directions. */
function normalOf(orientation: readonly number[]): Vector | undefined {
  const [rx = 0, ry = 0, rz = 0, cx = 0, cy = 0, cz = 0] = orientation;
  const n: Vector = [ry * cz - rz * cy, rz * cx - rx * cz, rx * cy - ry * cx];
  const length = Math.hypot(...n);
  return length < 1e-6 ? undefined : [n[0] / length, n[1] / length, n[2] / length];
}

function positionsAlong(normal: Vector, stack: readonly InstanceSummary[]): Slice[] {
  const sorted = stack
    .map((i) => ({ at: i.ImagePositionPatient!.reduce((sum, value, axis) => sum + value * normal[axis]!, 0), file: i.file }))
    .sort((a, b) => a.at - b.at);
  const slices: Slice[] = [];
  for (const { at, file } of sorted) {
    const last = slices.at(-1);
    if (last && at - last.at <= SAME_POSITION_MM) last.files.push(file);
    else slices.push({ at, files: [file] });
  }
  return slices;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function mm(value: number): string {
  return String(Number(value.toFixed(3)));
}
