import type { DescriptorConfig } from '../../config.ts';
import { listOutbox, readOutboxEntry, removeOutboxEntry, writeOutboxEntry } from './fhir-outbox.ts';
import { postFhirBundle, type PostOptions } from './post-fhir-bundle.ts';

export interface ReplayResult {
  sent: string[];
  failed: string[];
}

/**
 * Re-sends every bundle of the outbox to the configured FHIR server, oldest first, with the same retries:
 * a bundle that is accepted leaves the outbox; one that fails again stays, with the new reason and its
 * attempts added up. One line per bundle goes to `print`.
 */
export async function replayOutbox(
  config: Pick<DescriptorConfig, 'fhir' | 'outboxDir'>,
  options: { print: (line: string) => void; now?: () => Date; post?: PostOptions },
): Promise<ReplayResult> {
  const result: ReplayResult = { sent: [], failed: [] };
  for (const studyId of await listOutbox(config.outboxDir)) {
    let entry;
    try {
      entry = await readOutboxEntry(config.outboxDir, studyId);
    } catch (error) {
      options.print(`${studyId} unreadable: ${(error as Error).message.split('\n')[0]}`);
      result.failed.push(studyId);
      continue;
    }
    const outcome = await postFhirBundle(config.fhir, JSON.stringify(entry.bundle), options.post);
    if (outcome.ok) {
      await removeOutboxEntry(config.outboxDir, studyId);
      options.print(`${studyId} sent (HTTP ${outcome.httpStatus}, ${outcome.attempts} attempt${outcome.attempts === 1 ? '' : 's'})`);
      result.sent.push(studyId);
      continue;
    }
    await writeOutboxEntry(config.outboxDir, {
      ...entry,
      failedAt: (options.now?.() ?? new Date()).toISOString(),
      attempts: entry.attempts + outcome.attempts,
      httpStatus: outcome.httpStatus,
      reason: outcome.reason,
    });
    options.print(
      `${studyId} failed: ${outcome.reason} (${outcome.attempts} attempt${outcome.attempts === 1 ? '' : 's'}); kept in the outbox`,
    );
    result.failed.push(studyId);
  }
  return result;
}
