// Prints vitest's JSON report as one plain closing line: "<suite>: N passed, N failed, N skipped".
import { existsSync, readFileSync } from 'node:fs';

const [file, suite] = process.argv.slice(2);
if (!existsSync(file)) {
  console.log(`${suite}: no report at ${file}`);
  process.exit(0);
}
const report = JSON.parse(readFileSync(file, 'utf8'));
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${suite}: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped`);
