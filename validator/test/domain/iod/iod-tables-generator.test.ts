import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateIodTables } from '../../../../scripts/generate-iods.ts';
import { parseConditions } from '../../../../scripts/iod-tables/parse-conditions.ts';
import { readTemplate } from '../../../../scripts/iod-tables/read-template.ts';
import { projectRoot } from '../../../../test/support/corpus.ts';

const source = path.resolve(projectRoot, '../shared/standard/dicom3tools/libsrc/standard');
const available = existsSync(path.join(source, 'condn.tpl'));
const skipReason = `the dicom3tools templates are not at ${source}: the generated tables cannot be compared with them`;
if (!available) console.warn(`[iod-tables] ${skipReason}`);

describe('the IOD tables generator', () => {
  it.skipIf(!available)(
    `when run on the templates, then it writes the committed tables byte for byte${available ? '' : ` (skipped: ${skipReason})`}`,
    () => {
      const committed = readFileSync(path.join(projectRoot, 'validator/src/domain/iod/iod-tables.generated.json'), 'utf8');
      expect(generateIodTables(source).output === committed, 'run npm run generate:iods').toBe(true);
    },
  );

  it('when a condition has a group, an operator after its closing parenthesis and a stray line, then it is read as dicom3tools reads it', () => {
    const text = [
      'Condition="Example"',
      '\tElement="Modality"\t\t\tStringValue="CT"',
      '\t(',
      '\t\tElement="ImageType"\tValueSelector="0"\tStringValue="ORIGINAL"',
      '\t\tElement="ImageType"\tOperator="Or"\tValueSelector="0"\tStringValue="MIXED"',
      '\t) Operator="And" Modifier="Not"',
      '}',
      'ConditionEnd',
    ].join('\n');
    const { conditions, unreadable } = parseConditions(readTemplate(text), { keyword: (name) => name, constant: () => undefined });
    expect(unreadable.size).toBe(0);
    expect(conditions.get('Example')).toEqual([
      { op: 'or', test: { fn: 'string', el: 'Modality', where: 'item', sel: -1, value: 'CT' } },
      {
        op: 'and',
        not: true,
        group: [
          { op: 'or', test: { fn: 'string', el: 'ImageType', where: 'item', sel: 0, value: 'ORIGINAL' } },
          { op: 'or', test: { fn: 'string', el: 'ImageType', where: 'item', sel: 0, value: 'MIXED' } },
        ],
      },
    ]);
  });
});
