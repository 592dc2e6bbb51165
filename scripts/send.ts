/**
 * `npm run send -- --host H --port P --aet CALLED [--calling-aet X] <files|folders>…`: sends DICOM files
 * over the network (C-STORE), study by study, one association per study, and prints one line per study.
 * Exits 1 when any instance failed (or a study could not be sent), 2 on a usage error.
 */
import { parseArgs } from 'node:util';
import { createLogger } from '@dsv/common';
import { routeDimseLogging } from '../gateway/src/dimse/route-dimse-logging.ts';
import { findDicomFiles } from '../gateway/src/dimse/send/find-dicom-files.ts';
import { groupByStudy } from '../gateway/src/dimse/send/group-by-study.ts';
import { sendStudy } from '../gateway/src/dimse/send/send-study.ts';

const USAGE = 'usage: npm run send -- --host H --port P --aet CALLED [--calling-aet X] [--timeout-ms N] <files|folders>…';

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        aet: { type: 'string' },
        'calling-aet': { type: 'string', default: 'DSV_SEND' },
        'timeout-ms': { type: 'string', default: '30000' },
        verbose: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const port = Number(values.port);
  if (!values.host || !values.aet || !Number.isInteger(port) || port <= 0 || port > 65535 || positionals.length === 0) {
    console.error(USAGE);
    return 2;
  }
  routeDimseLogging(createLogger('send', values.verbose ? 'debug' : 'silent'));
  const { files, skipped } = await findDicomFiles(positionals);
  for (const skip of skipped) console.error(`skipped ${skip.path}: ${skip.reason}`);
  // A path named on the command line that is not there is a failure, not a file to skip quietly.
  let failures = skipped.filter((skip) => skip.reason === 'no such file or folder').length;
  if (files.length === 0) {
    console.error('no DICOM file found');
    return 1;
  }
  const target = {
    host: values.host,
    port,
    calledAeTitle: values.aet,
    callingAeTitle: values['calling-aet'],
    timeoutMs: Number(values['timeout-ms']),
  };
  for (const batch of groupByStudy(files)) {
    const result = await sendStudy(batch, target);
    failures += result.failed;
    const statuses = [
      ...new Set(
        result.instances
          .filter((i) => i.category !== 'success')
          .map((i) => (i.status === null ? 'none' : i.status.toString(16).padStart(4, '0').toUpperCase())),
      ),
    ];
    const parts = [
      `study ${batch.StudyInstanceUID}:`,
      `${batch.files.length} instance(s),`,
      `sent ${result.sent},`,
      `warned ${result.warned},`,
      `failed ${result.failed}`,
    ];
    if (statuses.length > 0) parts.push(`(statuses ${statuses.join(', ')})`);
    if (result.error) parts.push(`- ${result.error}`);
    console.log(parts.join(' '));
  }
  return failures > 0 ? 1 : 0;
}

process.exitCode = await main();
