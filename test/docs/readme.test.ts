import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderReadme } from '../../scripts/docs/render-readme.ts';
import { projectRoot } from '../support/corpus.ts';

describe('README', () => {
  const readme = readFileSync(path.join(projectRoot, 'README.md'), 'utf8');

  it('when its tables are rendered from the code, then nothing changes (run `npm run docs` if this fails)', () => {
    expect(renderReadme(readme, projectRoot)).toBe(readme);
  });

  it('when a config key has no description in its schema, then the README would have a blank: none may', () => {
    const blanks = renderReadme(readme, projectRoot).split('\n').filter((line) => /^\| `[a-zA-Z.]+` \|.*\| $/.test(line));
    expect(blanks).toEqual([]);
  });
});
