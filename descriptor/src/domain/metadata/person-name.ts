/**
 * A Person Name (PN) value split as PS3.5 §6.2.1 defines it: up to three component groups separated by
 * '=' (alphabetic, ideographic, phonetic), each of five components separated by '^' (family name, given
 * name, middle name, prefix, suffix). The value must already be decoded with the file's character set:
 * in ISO 2022 text, '=' and '^' bytes can be halves of a two-byte character until then.
 */
export interface PersonNameComponents {
  familyName: string | null;
  givenName: string | null;
  middleName: string | null;
  namePrefix: string | null;
  nameSuffix: string | null;
}

export interface PersonName {
  alphabetic?: PersonNameComponents;
  ideographic?: PersonNameComponents;
  phonetic?: PersonNameComponents;
}

const GROUPS = ['alphabetic', 'ideographic', 'phonetic'] as const;

/** One PN value (not a multi-valued one: split on '\' first); null when every group is empty. */
export function parsePersonName(value: string | undefined): PersonName | null {
  if (value === undefined) return null;
  const name: PersonName = {};
  value
    .split('=')
    .slice(0, GROUPS.length)
    .forEach((group, index) => {
      const components = parseGroup(group);
      if (components) name[GROUPS[index]!] = components;
    });
  return Object.keys(name).length === 0 ? null : name;
}

function parseGroup(group: string): PersonNameComponents | null {
  const parts = group.split('^').map((part) => part.trim() || null);
  if (parts.every((part) => part === null)) return null;
  const [familyName = null, givenName = null, middleName = null, namePrefix = null, nameSuffix = null] = parts;
  return { familyName, givenName, middleName, namePrefix, nameSuffix };
}
