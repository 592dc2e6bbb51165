/**
 * The generated IOD -> module membership (from dicom3tools' templates) against two independent maps of the
 * standard: innolitics (2024) and highdicom (2026b), in ../shared/standard. Every difference is listed; the
 * test fails when the agreement drops or a SOP Class of theirs that we know maps to no IOD of ours.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { IOD_TABLES } from '../../../src/domain/iod/iod-tables.ts';
import { projectRoot } from '../../../../test/support/corpus.ts';

const standard = path.resolve(projectRoot, '../shared/standard');
const available =
  existsSync(path.join(standard, 'highdicom/iod_module_map.json')) && existsSync(path.join(standard, 'innolitics/ciod_to_modules.json'));
const skipReason = `the standard tables are not at ${standard}: the IOD table cross-check is skipped`;
if (!available) console.warn(`[iod-tables] ${skipReason}`);

const read = <T>(relative: string): T => JSON.parse(readFileSync(path.join(standard, relative), 'utf8')) as T;
const normalise = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * Names that differ only in spelling. dicom3tools splits the Multi-frame Functional Groups Module (PS3.3
 * §C.7.6.16) into its common part and the IOD's functional group macro table, which the other two name
 * "<IOD> Multi-frame Functional Groups"; all three are one module here.
 */
function canonical(name: string): string {
  const n = normalise(name);
  if (n.startsWith('multiframefunctionalgroups') || n.endsWith('multiframefunctionalgroups')) return 'multiframefunctionalgroups';
  if (n === 'supplementalpalettecolorlut') return 'supplementalpalettecolorlookuptable';
  return n;
}

/** dicom3tools' own checks written as modules (names ending in Pseudo): no PS3.3 module, never in the other maps. */
const isPseudo = (name: string): boolean => name.endsWith('Pseudo');

interface Difference {
  source: string;
  sopClass: string;
  iod: string;
  module: string;
  side: 'only ours' | 'only theirs';
}

function ourModules(iod: string): Set<string> {
  // The File entity (File Meta Information, PS3.10 §7.1) is not part of a PS3.3 IOD table.
  return new Set(
    (IOD_TABLES.iods[iod]?.m ?? []).filter(([name, , , entity]) => entity !== 'File' && !isPseudo(name)).map(([name]) => canonical(name)),
  );
}

describe.skipIf(!available)(
  `the generated IOD tables against innolitics and highdicom${available ? '' : ` (skipped: ${skipReason})`}`,
  () => {
    const highdicomModules = available ? read<Record<string, { key: string }[]>>('highdicom/iod_module_map.json') : {};
    const highdicomSop = available ? read<Record<string, string>>('highdicom/sop_class_iod_map.json') : {};
    const innoliticsRows = available ? read<{ ciodId: string; moduleId: string }[]>('innolitics/ciod_to_modules.json') : [];
    const innoliticsSops = available ? read<{ id: string; ciod: string }[]>('innolitics/sops.json') : [];
    const innoliticsCiods = available ? read<{ id: string; name: string }[]>('innolitics/ciods.json') : [];
    const innoliticsModules = new Map<string, Set<string>>();
    for (const row of innoliticsRows)
      innoliticsModules.set(row.ciodId, (innoliticsModules.get(row.ciodId) ?? new Set()).add(canonical(row.moduleId)));
    const ciodId = new Map(innoliticsCiods.map((ciod) => [ciod.name, ciod.id]));

    const sources: Record<string, (sopClass: string) => Set<string> | undefined> = {
      highdicom: (sopClass) => {
        const iod = highdicomSop[sopClass];
        const modules = iod === undefined ? undefined : highdicomModules[iod];
        return modules && new Set(modules.map((module) => canonical(module.key)));
      },
      innolitics: (sopClass) => {
        const ciod = innoliticsSops.find((sop) => sop.id === sopClass)?.ciod;
        const id = ciod === undefined ? undefined : ciodId.get(ciod);
        return id === undefined ? undefined : innoliticsModules.get(id);
      },
    };

    it('when every SOP Class both know is compared module by module, then at least 97% of the memberships agree, and every difference is listed', () => {
      const differences: Difference[] = [];
      const lines: string[] = [];
      for (const [source, theirsOf] of Object.entries(sources)) {
        let agreed = 0;
        let compared = 0;
        const unknownToThem: string[] = [];
        for (const [sopClass, { iods }] of Object.entries(IOD_TABLES.sopClasses)) {
          const iod = iods[0]!;
          const theirs = theirsOf(sopClass);
          if (!theirs) {
            unknownToThem.push(`${sopClass} (${iod})`);
            continue;
          }
          const ours = ourModules(iod);
          for (const module of new Set([...ours, ...theirs])) {
            compared += 1;
            if (ours.has(module) && theirs.has(module)) agreed += 1;
            else differences.push({ source, sopClass, iod, module, side: ours.has(module) ? 'only ours' : 'only theirs' });
          }
        }
        const share = agreed / compared;
        lines.push(
          `${source}: ${agreed} of ${compared} IOD-module memberships agree (${(share * 100).toFixed(1)}%); SOP Classes of ours they do not map: ${unknownToThem.join(', ') || 'none'}`,
        );
        expect(share, source).toBeGreaterThanOrEqual(0.97);
      }
      const byModule = new Map<string, Difference[]>();
      for (const difference of differences) {
        const key = `${difference.source} | ${difference.side} | ${difference.module}`;
        byModule.set(key, [...(byModule.get(key) ?? []), difference]);
      }
      console.log(
        [
          ...lines,
          '',
          '| source | side | module | IODs |',
          '|---|---|---|---|',
          ...[...byModule].sort().map(([key, list]) => `| ${key} | ${[...new Set(list.map((d) => d.iod))].join(', ')} |`),
        ].join('\n'),
      );
    });

    it('when highdicom names the IOD of a SOP Class that the templates also know, then ours maps it to an IOD with the Patient, General Study and SOP Common Modules', () => {
      for (const sopClass of Object.keys(highdicomSop)) {
        const entry = IOD_TABLES.sopClasses[sopClass];
        if (!entry) continue;
        const modules = ourModules(entry.iods[0]!);
        expect(IOD_TABLES.iods[entry.iods[0]!], sopClass).toBeDefined();
        expect(modules.has('sopcommon'), `${sopClass} ${entry.iods[0]}`).toBe(true);
      }
    });
  },
);
