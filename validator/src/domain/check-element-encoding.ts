import { UNDEFINED_LENGTH, type DicomDataSet, type Finding, type Inspection } from '@dsv/common';
import { makeFinding } from './make-finding.ts';

/** Item, Item Delimitation and Sequence Delimitation Items (PS3.5 §7.5): never data elements of a data set. */
const DELIMITERS: ReadonlySet<string> = new Set(['FFFEE000', 'FFFEE00D', 'FFFEE0DD']);
const ITEM_DELIMITATION = 'FFFEE00D';

interface Seen {
  first: { tag: string; path: string; detail: string };
  count: number;
}

/** Paths are spelled out only for what is wrong, and for the items walked: most files have nothing to note. */
function spelled(prefix: string, tag: string): string {
  return `${prefix}(${tag.slice(0, 4)},${tag.slice(4)})`;
}

/**
 * The encoding rules every data set and item obeys, whatever its IOD: each value length is even (PS3.5
 * §7.1.1, Pixel Data included), the data elements come in ascending tag order (PS3.5 §7.1), and a
 * delimitation item stands only where it closes an item or a sequence of undefined length (PS3.5 §7.5).
 * One finding per rule and file, with the first place and how many more.
 */
export function checkElementEncoding(inspection: Inspection): Finding[] {
  const parsed = inspection.parsed;
  if (!parsed) return [];
  const seen = new Map<'odd-length' | 'tag-order' | 'stray-delimiter', Seen>();
  const note = (code: 'odd-length' | 'tag-order' | 'stray-delimiter', tag: string, path: string, detail: string): void => {
    const entry = seen.get(code);
    if (entry) entry.count += 1;
    else seen.set(code, { first: { tag, path, detail }, count: 0 });
  };
  const walk = (dataset: DicomDataSet, prefix: string): void => {
    let previous = '';
    let position = 0;
    for (const element of dataset.values()) {
      const tag = element.tag;
      position += 1;
      // dicom-parser keeps the Item Delimitation Item that closes an item of undefined length as its last element.
      if (tag === ITEM_DELIMITATION && prefix !== '' && position === dataset.size) continue;
      if (DELIMITERS.has(tag)) {
        note(
          'stray-delimiter',
          tag,
          spelled(prefix, tag),
          `a delimitation item (${tag.slice(0, 4)},${tag.slice(4)}) stands among the data elements${prefix === '' ? ' of the data set' : ''}`,
        );
        continue;
      }
      if (tag < previous)
        note(
          'tag-order',
          tag,
          spelled(prefix, tag),
          `(${tag.slice(0, 4)},${tag.slice(4)}) follows (${previous.slice(0, 4)},${previous.slice(4)})`,
        );
      previous = tag > previous ? tag : previous;
      if (element.length !== UNDEFINED_LENGTH && element.length % 2 === 1)
        note('odd-length', tag, spelled(prefix, tag), `(${tag.slice(0, 4)},${tag.slice(4)}) declares ${element.length} bytes`);
      if (element.items) element.items.forEach((item, index) => walk(item, `${spelled(prefix, tag)}[${index}].`));
    }
  };
  walk(parsed.meta, '');
  walk(parsed.dataset, '');
  return [...seen].map(([code, { first, count }]) => {
    const more = count === 0 ? '' : ` (and ${count} more)`;
    const rule =
      code === 'odd-length'
        ? 'every value length is even (PS3.5 §7.1.1)'
        : code === 'tag-order'
          ? 'data elements are in ascending tag order (PS3.5 §7.1)'
          : 'a delimitation item only closes an item or a sequence of undefined length (PS3.5 §7.5)';
    return makeFinding(
      code,
      `${first.detail}${more}: ${rule}`,
      first.path.includes('[') ? { tag: first.tag, path: first.path } : { tag: first.tag },
    );
  });
}
