/** `npm run docs`: re-renders the README's generated tables from the code. */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderReadme } from './docs/render-readme.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const file = path.join(root, 'README.md');
const before = readFileSync(file, 'utf8');
const after = renderReadme(before, root);
writeFileSync(file, after);
console.log(before === after ? 'README.md is up to date' : 'README.md tables re-rendered');
