/** `npm run docs`: re-renders the generated tables of the README and of docs/ from the code. */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GeneratedDocs, renderDoc } from './docs/render-docs.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
for (const name of Object.keys(GeneratedDocs)) {
  const file = path.join(root, name);
  const before = readFileSync(file, 'utf8');
  const after = renderDoc(name, before, root);
  writeFileSync(file, after);
  console.log(before === after ? `${name} is up to date` : `${name}: tables re-rendered`);
}
