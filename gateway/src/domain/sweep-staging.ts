import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { isStudyId } from '@dsv/common';
import { isSendFolder } from '../dimse/send/send-folder.ts';
import type { StudyState } from './study-status.ts';

/**
 * At start-up, before anything is received: removes the staging folders nothing will use again. A folder
 * without a status is an upload a stop or a crash cut short before it was accepted (the client never got
 * an id); a folder of a stored or rejected delivery is one a crash left between the final state and its
 * removal. Folders of unfinished and failed studies stay: they run again from them. A `.send-*` folder
 * is a study fetched for POST /studies/<key>/send by a gateway that stopped before the send ended: nothing
 * resumes a send, so it goes.
 */
export async function sweepStaging(
  stagingDir: string,
  stateOf: (id: string) => Promise<StudyState | undefined>,
): Promise<{ removed: number }> {
  let removed = 0;
  for (const name of await readdir(stagingDir)) {
    if (isSendFolder(name)) {
      await rm(path.join(stagingDir, name), { recursive: true, force: true });
      removed++;
      continue;
    }
    if (!isStudyId(name)) continue;
    const state = await stateOf(name);
    if (state === undefined || state === 'stored' || state === 'rejected') {
      await rm(path.join(stagingDir, name), { recursive: true, force: true });
      removed++;
    }
  }
  return { removed };
}
