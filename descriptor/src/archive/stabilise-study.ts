import path from 'node:path';
import { AppError, type EventContext, type StableRequest, type StableResult, type StudyInstances } from '@dsv/common';
import type { Catalogue } from '../data/catalogue.ts';
import { formatStudyChecks } from '../domain/study/format-validation-log.ts';
import type { FhirForwarder } from '../domain/fhir/forward-fhir.ts';
import type { KeyedLock } from './keyed-lock.ts';
import type { StudyDocuments } from './study-documents.ts';

export interface StabiliseDeps {
  catalogue: Catalogue;
  documents: StudyDocuments;
  locks: KeyedLock;
  studiesDir: string;
  forwarder: FhirForwarder | null;
  now: () => Date;
}

/**
 * What the study-level checks read: every instance's summary, named by its place in the study folder
 * (stored names repeat across deliveries).
 */
export function studyInstances(catalogue: Catalogue, uid: string): StudyInstances {
  const study = catalogue.study(uid);
  if (!study) throw new AppError('STUDY_NOT_FOUND');
  const instances = catalogue.studyInstances(uid).map((instance) => ({ ...instance.summary, file: instance.path }));
  return { StudyInstanceUID: uid, lastDeliveryId: study.lastDeliveryId, instances };
}

/**
 * The study had no delivery for stableAfterSeconds (the gateway keeps that clock): its study-level
 * findings go into validation.log, metadata.dicom.json and fhir.json are written, and fhir.json is
 * forwarded. A delivery that joined after `lastDeliveryId` keeps it receiving: nothing is written then.
 */
export async function stabiliseStudy(
  uid: string,
  request: StableRequest,
  context: EventContext,
  deps: StabiliseDeps,
): Promise<StableResult> {
  return deps.locks.run(uid, async () => {
    const { catalogue } = deps;
    const study = catalogue.study(uid);
    if (!study) throw new AppError('STUDY_NOT_FOUND');
    const counts = { StudyInstanceUID: uid, numberOfSeries: study.numberOfSeries, numberOfInstances: study.numberOfInstances };
    if (study.lastDeliveryId !== request.lastDeliveryId) return { ...counts, state: 'receiving' };
    if (study.state !== 'stable') {
      const stableAt = deps.now().toISOString();
      const log = formatStudyChecks({
        StudyInstanceUID: uid,
        stableAt,
        instances: study.numberOfInstances,
        errors: request.errors,
        warnings: request.warnings,
      });
      catalogue.markStable(uid, request.lastDeliveryId, log, stableAt);
      await catalogue.durable();
    }
    // Also when it was stable already: a retry of this call after a crash finds the documents written.
    await deps.documents.refresh(uid);
    deps.forwarder?.forward(context, path.join(deps.studiesDir, uid));
    return { ...counts, state: 'stable' };
  });
}
