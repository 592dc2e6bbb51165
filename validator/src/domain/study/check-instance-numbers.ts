import { Tag, type Finding, type InstanceSummary } from '@dsv/common';
import { makeFinding } from '../make-finding.ts';
import { describeSeries, groupBy } from './group-instances.ts';

/** More than this many values in a message are summarised ("and 12 more"). */
const SHOWN = 5;

/**
 * Instance Numbers of one series (PS3.3 §C.7.6.1: they identify images within a series): the same number
 * twice makes the order ambiguous; a jump suggests files that were not sent. Warnings: neither stops a
 * PACS from storing, both are worth a look before the originals are gone.
 */
export function checkInstanceNumbers(uid: string, series: readonly InstanceSummary[]): Finding[] {
  const findings: Finding[] = [];
  const byNumber = groupBy(series, (i) => (i.InstanceNumber === undefined ? undefined : String(i.InstanceNumber)));
  const duplicated = [...byNumber].filter(([, group]) => group.length > 1);
  if (duplicated.length > 0) {
    findings.push(
      makeFinding(
        'duplicate-instance-number',
        `${describeSeries(uid, series)}: Instance Number ${list(duplicated.map(([number]) => number))} appear${duplicated.length === 1 ? 's' : ''} in more than one file`,
        { tag: Tag.InstanceNumber, files: duplicated.flatMap(([, group]) => group.map((i) => i.file)) },
      ),
    );
  }
  const numbers = [...byNumber.keys()]
    .map(Number)
    .filter(Number.isInteger)
    .sort((a, b) => a - b);
  const gaps: string[] = [];
  let missing = 0;
  for (let index = 1; index < numbers.length; index += 1) {
    const before = numbers[index - 1]!;
    const after = numbers[index]!;
    if (after - before <= 1) continue;
    missing += after - before - 1;
    gaps.push(after - before === 2 ? `${before + 1}` : `${before + 1}-${after - 1}`);
  }
  if (gaps.length > 0) {
    findings.push(
      makeFinding(
        'instance-number-gap',
        `${describeSeries(uid, series)}: Instance Numbers run from ${numbers[0]} to ${numbers.at(-1)} without ${list(gaps)} (${missing} number${missing === 1 ? '' : 's'}): files may be missing`,
        { tag: Tag.InstanceNumber, files: series.map((i) => i.file) },
      ),
    );
  }
  return findings;
}

function list(values: readonly string[]): string {
  return values.length <= SHOWN ? values.join(', ') : `${values.slice(0, SHOWN).join(', ')} and ${values.length - SHOWN} more`;
}
