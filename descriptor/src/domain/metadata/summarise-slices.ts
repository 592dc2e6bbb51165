/** The geometry one instance contributes to its series' slice range (PS3.3 §C.7.6.2, Image Plane). */
export interface SliceGeometry {
  ImagePositionPatient: number[] | null;
  ImageOrientationPatient: number[] | null;
  SliceLocation: number | null;
}

export interface SliceSummary {
  /**
   * 'ImagePositionPatient': positions measured along the normal of the image plane (row × column
   * direction cosines), in mm; 'SliceLocation': the values of (0020,1041), in mm.
   */
  source: 'ImagePositionPatient' | 'SliceLocation';
  /** Distinct positions: instances at the same place (echoes, phases) count once. */
  positions: number;
  min: number;
  max: number;
  /** The gap between neighbouring positions when they are evenly spaced (all gaps within 0.01 mm), else null. */
  spacing: number | null;
  minSpacing: number | null;
  maxSpacing: number | null;
}

/** Positions closer than this (mm) are the same place; gaps closer than this are the same gap. */
const TOLERANCE_MM = 0.01;
/** Image planes whose normals' dot product is below this are not parallel: no common axis to measure along. */
const PARALLEL = 0.9999;

/**
 * Where the slices of a series lie: along the normal of their common image plane when every instance has
 * Image Position and Orientation (Patient) and the planes are parallel, else by Slice Location when every
 * instance has one, else null (a localizer among axial slices, multi-frame images, documents).
 */
export function summariseSlices(instances: readonly SliceGeometry[]): SliceSummary | null {
  if (instances.length === 0) return null;
  const along = positionsAlongNormal(instances);
  if (along) return summarise('ImagePositionPatient', along);
  const locations = instances.map((instance) => instance.SliceLocation);
  if (locations.every((location): location is number => location !== null)) return summarise('SliceLocation', locations);
  return null;
}

function positionsAlongNormal(instances: readonly SliceGeometry[]): number[] | null {
  const first = instances[0]!.ImageOrientationPatient;
  const normal = first?.length === 6 ? unitNormal(first) : null;
  if (normal === null) return null;
  const positions: number[] = [];
  for (const { ImagePositionPatient: position, ImageOrientationPatient: orientation } of instances) {
    if (position?.length !== 3 || orientation?.length !== 6) return null;
    const own = unitNormal(orientation);
    if (own === null || Math.abs(dot(own, normal)) < PARALLEL) return null;
    positions.push(dot(position, normal));
  }
  return positions;
}

function summarise(source: SliceSummary['source'], values: readonly number[]): SliceSummary {
  const sorted = [...values].sort((a, b) => a - b);
  const distinct: number[] = [];
  for (const value of sorted) if (distinct.length === 0 || value - distinct.at(-1)! > TOLERANCE_MM) distinct.push(value);
  const gaps = distinct.slice(1).map((value, index) => value - distinct[index]!);
  const minSpacing = gaps.length > 0 ? Math.min(...gaps) : null;
  const maxSpacing = gaps.length > 0 ? Math.max(...gaps) : null;
  const min = distinct[0]!;
  const max = distinct.at(-1)!;
  const even = minSpacing !== null && maxSpacing! - minSpacing <= TOLERANCE_MM;
  return {
    source,
    positions: distinct.length,
    min: round(min),
    max: round(max),
    spacing: even ? round((max - min) / gaps.length) : null,
    minSpacing: minSpacing === null ? null : round(minSpacing),
    maxSpacing: maxSpacing === null ? null : round(maxSpacing),
  };
}

/** The normal of the plane of two direction cosines (PS3.3 §C.7.6.2.1.1), or null when they are degenerate. */
function unitNormal(orientation: readonly number[]): [number, number, number] | null {
  const [rx, ry, rz, cx, cy, cz] = orientation as [number, number, number, number, number, number];
  const n: [number, number, number] = [ry * cz - rz * cy, rz * cx - rx * cz, rx * cy - ry * cx];
  const length = Math.hypot(...n);
  return length < 1e-6 ? null : [n[0] / length, n[1] / length, n[2] / length];
}

function dot(a: readonly number[], b: readonly number[]): number {
  return a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;
}

/** To a millionth of a mm, the six decimals DS values carry in practice: the rest is floating-point noise. */
function round(value: number): number {
  return Math.round(value * 1e6) / 1e6 + 0;
}
