/**
 * npm run validate -- [--json] <file or folder>...
 * Each argument is one upload (a folder: every *.dcm or extension-less file under it). Exit 0 when every
 * upload is valid, 1 when any has an error finding, 2 on a usage error.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, type ValidationReport } from '@dsv/common';
import { collectFiles } from './cli/collect-files.ts';
import { formatFinding, formatSummary } from './cli/format-report.ts';
import { validateLocal } from './cli/validate-local.ts';
import { loadValidatorConfig, type ValidatorConfig } from './config.ts';

const USAGE = `usage: npm run validate -- [--json] <file or folder>...
  Validates each file or folder as one upload, as POST /v1/validations would.
  --json   print each upload's ValidationReport as one JSON line (studyId = the path given)
  exit 0: all valid; 1: an error finding; 2: usage error`;

/** The project's config folder, wherever the CLI is started from (CONFIG_DIR still wins). */
const PROJECT_CONFIG_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../config');

async function run(args: readonly string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const json = args.includes('--json');
  const targets = args.filter((arg) => arg !== '--json');
  const unknown = targets.find((arg) => arg.startsWith('-'));
  if (unknown !== undefined) return usageError(`unknown option ${unknown}`);
  if (targets.length === 0) return usageError('no file or folder given');
  const missing = targets.find((target) => !existsSync(target));
  if (missing !== undefined) return usageError(`no such file or folder: ${missing}`);

  let config: ValidatorConfig;
  try {
    config = loadValidatorConfig({ ...process.env, CONFIG_DIR: process.env.CONFIG_DIR ?? PROJECT_CONFIG_DIR });
  } catch (error) {
    if (error instanceof ConfigError) return usageError(error.message);
    throw error;
  }

  let failed = false;
  for (const target of targets) {
    const files = await collectFiles(target);
    if (files.length === 0) return usageError(`no *.dcm or extension-less file under ${target}`);
    const verdict = await validateLocal(files, config);
    failed ||= !verdict.valid;
    if (json) {
      const report: ValidationReport = { studyId: target, ...verdict, events: [] };
      process.stdout.write(`${JSON.stringify(report)}\n`);
      continue;
    }
    for (const finding of [...verdict.errors, ...verdict.warnings]) process.stdout.write(`${formatFinding(finding)}\n`);
    process.stdout.write(`${formatSummary(target, verdict)}\n`);
  }
  return failed ? 1 : 0;
}

function usageError(message: string): number {
  process.stderr.write(`validate: ${message}\n${USAGE}\n`);
  return 2;
}

process.exitCode = await run(process.argv.slice(2));
