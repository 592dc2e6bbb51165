import tables from './iod-tables.generated.json' with { type: 'json' };
import type { GeneratedTables, IodTable, Rule } from './table-types.ts';

/**
 * The generated tables (npm run generate:iods, from dicom3tools' templates), read once when the module is
 * first imported.
 */
export const IOD_TABLES = tables as unknown as GeneratedTables;

export interface IodEntry {
  /** The template's name of the IOD, e.g. 'CTImage'. */
  readonly name: string;
  readonly table: IodTable;
}

/** The IOD of a SOP Class UID: the (non-profile) IOD whose instance condition names it. */
export function iodOfSopClass(sopClassUID: string | undefined): IodEntry | undefined {
  if (sopClassUID === undefined) return undefined;
  const name = IOD_TABLES.sopClasses[sopClassUID]?.iods[0];
  const table = name === undefined ? undefined : IOD_TABLES.iods[name];
  return name === undefined || table === undefined ? undefined : { name, table };
}

export function moduleRules(name: string): readonly Rule[] | undefined {
  return IOD_TABLES.modules[name];
}

export function macroRules(name: string): readonly Rule[] | undefined {
  return IOD_TABLES.macros[name];
}

/** 'CTImage' -> 'CT Image', 'MultiFrameFunctionalGroupsCommon' -> 'Multi Frame Functional Groups Common', for messages. */
export function spaced(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2');
}
