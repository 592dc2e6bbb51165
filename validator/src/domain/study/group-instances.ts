import type { InstanceSummary } from '@dsv/common';

/** Instances by the value `key` gives them; instances without a value are left out. */
export function groupBy(
  instances: readonly InstanceSummary[],
  key: (i: InstanceSummary) => string | undefined,
): Map<string, InstanceSummary[]> {
  const groups = new Map<string, InstanceSummary[]>();
  for (const instance of instances) {
    const value = key(instance);
    if (value === undefined) continue;
    const group = groups.get(value);
    if (group) group.push(instance);
    else groups.set(value, [instance]);
  }
  return groups;
}

/** How a series is named in a message: its number when it has one, always its UID. */
export function describeSeries(uid: string, series: readonly InstanceSummary[]): string {
  const number = series.find((i) => i.SeriesNumber !== undefined)?.SeriesNumber;
  return number === undefined ? `Series ${uid}` : `Series ${number} (${uid})`;
}
