/**
 * strval/*.tpl, binval.tpl and tagval.tpl: named lists of Enumerated Values or Defined Terms (PS3.3 §5.3),
 * `StringValues="Name" { VALUE = meaning, ... }`. Only the values are kept; binary values become numbers and
 * tag values 'GGGGEEEE'.
 */
export type ValueList = readonly string[] | readonly number[];

const EMPTY_VALUE_MARKER = '***EMPTYVALUE***';
const OPEN = /^(StringValues|BinaryValues|TagValues|BinaryBitMap)="([^"]+)"\s*\{?\s*$/;

export function parseValueLists(text: string, into: Map<string, ValueList>, file: string): void {
  let current: { kind: string; name: string; values: (string | number)[] } | null = null;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '' || line === '{') return;
    if (current === null) {
      const open = OPEN.exec(line);
      if (!open) throw new Error(`${file}:${index + 1}: expected a value list, got ${line}`);
      current = { kind: open[1]!, name: open[2]!, values: [] };
      return;
    }
    if (line === '}') {
      // A bit map (one attribute's flag bits) is no list of values.
      if (current.kind === 'BinaryBitMap') {
        current = null;
        return;
      }
      if (into.has(current.name)) throw new Error(`${file}:${index + 1}: value list ${current.name} defined twice`);
      into.set(current.name, current.values as string[] | number[]);
      current = null;
      return;
    }
    if (current.kind === 'BinaryBitMap') return;
    const value = line.replace(/,$/, '').split('=')[0]!.trim();
    // dicom3tools' marker for "may be empty": emptiness is the Type's business here (PS3.5 §7.4).
    if (value === EMPTY_VALUE_MARKER) return;
    current.values.push(toValue(current.kind, value, `${file}:${index + 1}`));
  });
  if (current !== null) throw new Error(`${file}: value list not closed`);
}

function toValue(kind: string, value: string, where: string): string | number {
  if (kind === 'StringValues') return value;
  if (kind === 'BinaryValues') {
    const number = Number(value);
    if (!Number.isFinite(number)) throw new Error(`${where}: unreadable binary value ${value}`);
    return number;
  }
  const tag = /^0x([0-9a-f]{4}),\s*0x([0-9a-f]{4})$/i.exec(value);
  if (!tag) throw new Error(`${where}: unreadable tag value ${value}`);
  return `${tag[1]}${tag[2]}`.toUpperCase();
}
