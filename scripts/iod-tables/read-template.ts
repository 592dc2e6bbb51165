/**
 * dicom3tools templates are lines of `Key="value"` pairs (a space may stand before the '='), comments from
 * '#' to the end of the line, and bare keywords (`SequenceEnd`, `ModuleEnd`, `(`, `)`). One line, one entry.
 */
export interface TemplateLine {
  /** 1-based line number, for error messages. */
  readonly line: number;
  /** The first key of the line, or the bare word (`SequenceEnd`, `(`). */
  readonly head: string;
  readonly fields: ReadonlyMap<string, string>;
}

const PAIR = /([A-Za-z]+)\s*=\s*"([^"]*)"/g;

export function readTemplate(text: string): TemplateLine[] {
  const lines: TemplateLine[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const content = stripComment(raw).trim();
    if (content === '') return;
    const fields = new Map<string, string>();
    let head = '';
    for (const match of content.matchAll(PAIR)) {
      if (head === '') head = match[1]!;
      if (!fields.has(match[1]!)) fields.set(match[1]!, match[2]!);
    }
    // A group's parentheses stand first on their line, before the Operator and Modifier that join the group.
    const bracket = content.startsWith('(') || content.startsWith(')') ? content[0]! : '';
    lines.push({ line: index + 1, head: bracket || (head === '' ? content.split(/\s+/)[0]! : head), fields });
  });
  return lines;
}

/** A '#' outside quotes starts a comment. */
function stripComment(line: string): string {
  let quoted = false;
  for (let index = 0; index < line.length; index++) {
    const character = line[index];
    if (character === '"') quoted = !quoted;
    else if (character === '#' && !quoted) return line.slice(0, index);
  }
  return line;
}
