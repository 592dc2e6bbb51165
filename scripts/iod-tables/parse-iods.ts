import type { TemplateLine } from './read-template.ts';
import type { IodTable, ModuleUse } from '../../validator/src/domain/iod/table-types.ts';

/**
 * iodcomp/*.tpl: `CompositeIOD="…" Condition="…"`, information entities, `Module="…" Usage="M|C|U" [Condition="…"]`.
 * An IOD written for a profile (`Profile="IHEMammo"`: a restriction of a standard IOD that dciodvfy applies only
 * when asked with -profile) goes to `profiles`, not `into`.
 */
export function parseIods(lines: readonly TemplateLine[], into: Map<string, IodTable>, profiles: string[]): void {
  let current: { name: string; condition: string; profile: boolean; modules: ModuleUse[] } | null = null;
  let entity = '';
  for (const line of lines) {
    const f = line.fields;
    if (line.head === 'CompositeIOD') {
      current = { name: f.get('CompositeIOD')!, condition: f.get('Condition') ?? '', profile: f.has('Profile'), modules: [] };
      continue;
    }
    if (current === null) continue;
    if (line.head === 'InformationEntity') entity = f.get('InformationEntity')!;
    else if (line.head === 'Module') {
      const usage = f.get('Usage') ?? 'M';
      if (usage !== 'M' && usage !== 'C' && usage !== 'U') throw new Error(`line ${line.line}: Usage ${usage}`);
      current.modules.push([f.get('Module')!, usage, f.get('Condition') ?? null, entity]);
    } else if (line.head === 'CompositeIODEnd') {
      if (into.has(current.name)) throw new Error(`line ${line.line}: IOD ${current.name} defined twice`);
      if (current.profile) profiles.push(current.name);
      else into.set(current.name, { c: current.condition, m: current.modules });
      current = null;
    }
  }
}
