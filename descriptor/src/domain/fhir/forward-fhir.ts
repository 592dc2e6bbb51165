import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { EventBus, EventContext, Logger } from '@dsv/common';
import type { DescriptorConfig } from '../../config.ts';
import { writeOutboxEntry } from './fhir-outbox.ts';
import { postFhirBundle, type PostOptions } from './post-fhir-bundle.ts';
import { StudyLayout } from '../study/study-folder.ts';

export interface FhirForwarderDeps {
  config: Pick<DescriptorConfig, 'fhir' | 'outboxDir'>;
  events: EventBus;
  logger?: Logger;
  now?: () => Date;
  post?: PostOptions;
}

export interface FhirForwarder {
  /** Starts sending the fhir.json of a stored study; returns at once. */
  forward(context: EventContext, studyDir: string): void;
  /** Resolves when nothing is being sent (tests, shutdown). */
  idle(): Promise<void>;
}

/**
 * Sends the fhir.json of each stored study to the FHIR server in the background, after the descriptor
 * has answered: a FHIR server that is slow, down or refusing never delays or fails storage. Each outcome
 * is an event; a bundle that still fails after every retry is kept in the outbox with the reason, for
 * `npm run fhir:replay`.
 */
export function createFhirForwarder(deps: FhirForwarderDeps): FhirForwarder {
  const pending = new Set<Promise<void>>();
  return {
    forward(context, studyDir) {
      const task: Promise<void> = send(deps, context, studyDir)
        .catch((error: unknown) => deps.logger?.error({ err: error, studyId: context.studyId }, 'FHIR forwarding failed unexpectedly'))
        .finally(() => pending.delete(task));
      pending.add(task);
    },
    async idle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}

async function send(deps: FhirForwarderDeps, context: EventContext, studyDir: string): Promise<void> {
  const { config, events } = deps;
  const body = await readFile(path.join(studyDir, StudyLayout.fhir), 'utf8');
  const started = performance.now();
  const outcome = await postFhirBundle(config.fhir, body, deps.post);
  if (outcome.ok) {
    events.publish('fhir.forwarded', context, {
      attempts: outcome.attempts,
      httpStatus: outcome.httpStatus,
      durationMs: Math.round(performance.now() - started),
    });
    return;
  }
  let kept = true;
  try {
    await writeOutboxEntry(config.outboxDir, {
      studyId: context.studyId,
      correlationId: context.correlationId,
      failedAt: (deps.now?.() ?? new Date()).toISOString(),
      attempts: outcome.attempts,
      httpStatus: outcome.httpStatus,
      reason: outcome.reason,
      bundle: JSON.parse(body) as Record<string, unknown>,
    });
  } catch (error) {
    kept = false;
    deps.logger?.error(
      { err: error, studyId: context.studyId },
      'a FHIR bundle that could not be sent could not be kept in the outbox either',
    );
  }
  events.publish('fhir.forward_failed', context, {
    attempts: outcome.attempts,
    httpStatus: outcome.httpStatus,
    reason: outcome.reason,
    outbox: kept,
  });
}
