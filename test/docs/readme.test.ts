import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GeneratedDocs, renderDoc } from '../../scripts/docs/render-docs.ts';
import { projectRoot } from '../support/corpus.ts';

const read = (name: string): string => readFileSync(path.join(projectRoot, name), 'utf8');

describe('README and docs/', () => {
  for (const name of Object.keys(GeneratedDocs)) {
    it(`when the tables of ${name} are rendered from the code, then nothing changes (run \`npm run docs\` if this fails)`, () => {
      const text = read(name);
      expect(renderDoc(name, text, projectRoot)).toBe(text);
    });
  }

  it('when a config key has no description in its schema, then docs/config.md would have a blank: none may', () => {
    const blanks = renderDoc('docs/config.md', read('docs/config.md'), projectRoot)
      .split('\n')
      .filter((line) => /^\| `[a-zA-Z.]+` \|.*\| $/.test(line));
    expect(blanks).toEqual([]);
  });

  it('when the README links to a file of the project, then that file exists', () => {
    const targets = [...read('README.md').matchAll(/\]\(((?!https?:|#)[^)#\s]+)(?:#[^)]*)?\)/g)].map((match) => match[1]!);
    expect(targets.length).toBeGreaterThan(0);
    expect(targets.filter((target) => !existsSync(path.join(projectRoot, target)))).toEqual([]);
  });
});
