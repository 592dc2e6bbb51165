/**
 * `npm run fhir:replay`: re-sends every FHIR bundle the descriptor could not forward
 * (`<outboxDir>/failed/<id>.json`) to the FHIR server of config/descriptor.json (fhir.forwardUrl, or
 * $FHIR_FORWARD_URL), oldest first, with its retries; prints one line per bundle and removes each one the
 * server accepts. Exit code: 0 when every bundle was sent (or none waited), 1 when some failed again, 2
 * when there is nowhere to send them (no forwardUrl, or a bad config).
 */
import { ConfigError } from '@dsv/common';
import { loadDescriptorConfig } from '../descriptor/src/config.ts';
import { replayOutbox } from '../descriptor/src/domain/fhir/replay-outbox.ts';

try {
  const config = loadDescriptorConfig();
  if (!config.fhir.forwardUrl) {
    console.error('fhir:replay: fhir.forwardUrl is empty (config/descriptor.json, FHIR_FORWARD_URL): nowhere to send the outbox');
    process.exit(2);
  }
  const { sent, failed } = await replayOutbox(config, { print: (line) => console.log(line) });
  console.log(`${sent.length} sent, ${failed.length} still in ${config.outboxDir}/failed`);
  process.exitCode = failed.length > 0 ? 1 : 0;
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`fhir:replay: ${error.message}`);
    process.exit(2);
  }
  throw error;
}
