import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { timeOfStudyId } from '@dsv/common';
import { z } from 'zod';
import { StudyLayout, type Disposition } from './study-folder.ts';

/** What a list of studies shows of each: enough to find a study again, no more patient data than that. */
export interface StudySummary {
  StudyInstanceUID: string | null;
  PatientID: string | null;
  /** ISO 8601 'YYYY-MM-DD', as in metadata.json. */
  StudyDate: string | null;
  AccessionNumber: string | null;
  modalities: string[];
  numberOfSeries: number;
  numberOfInstances: number;
}

export interface IndexedStudy {
  id: string;
  state: Disposition;
  createdAt: string | null;
  summary: StudySummary;
  hasMetadata: boolean;
}

const text = z.string().nullable().catch(null);
const count = z.number().int().nonnegative().catch(0);

/**
 * The part of metadata.json (assemble-metadata.ts) a summary needs, read leniently: a folder restored
 * from elsewhere, or written by an older version, still lists, with null where a value cannot be read.
 */
const SummarySource = z.object({
  createdAt: z.iso.datetime({ offset: true }).optional().catch(undefined),
  patient: z.object({ PatientID: text }).catch({ PatientID: null }),
  study: z.object({ StudyInstanceUID: text, StudyDate: text, AccessionNumber: text }).catch({ StudyInstanceUID: null, StudyDate: null, AccessionNumber: null }),
  summary: z
    .object({ modalities: z.array(z.string()).catch([]), numberOfSeries: count, numberOfInstances: count })
    .catch({ modalities: [], numberOfSeries: 0, numberOfInstances: 0 }),
});

function emptySummary(): StudySummary {
  return { StudyInstanceUID: null, PatientID: null, StudyDate: null, AccessionNumber: null, modalities: [], numberOfSeries: 0, numberOfInstances: 0 };
}

/** The index entry of a study just published: its metadata is still in memory (null when it has none). */
export function entryFromMetadata(id: string, state: Disposition, createdAt: string, metadata: unknown): IndexedStudy {
  const source = metadata === null ? null : SummarySource.safeParse(metadata);
  return {
    id,
    state,
    createdAt,
    summary: source?.success ? toSummary(source.data) : emptySummary(),
    hasMetadata: metadata !== null,
  };
}

/**
 * The index entry of a study folder found on disk. A folder without metadata.json (a rejected upload of
 * which nothing could be read) or with one that cannot be read still lists: with an empty summary, and
 * the time its validation.log gives (the same createdAt metadata.json would hold), else the time its id
 * was made.
 */
export async function readStudyEntry(root: string, id: string, state: Disposition): Promise<{ entry: IndexedStudy; unreadable: boolean }> {
  const dir = path.join(root, id);
  const fallbackTime = async () => (await readLogTime(dir)) ?? timeOfStudyId(id)?.toISOString() ?? null;
  let raw: string;
  try {
    raw = await readFile(path.join(dir, StudyLayout.metadata), 'utf8');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    return { entry: { id, state, createdAt: await fallbackTime(), summary: emptySummary(), hasMetadata: false }, unreadable: !missing };
  }
  const source = SummarySource.safeParse(parseJson(raw));
  if (!source.success) return { entry: { id, state, createdAt: await fallbackTime(), summary: emptySummary(), hasMetadata: true }, unreadable: true };
  return { entry: { id, state, createdAt: source.data.createdAt ?? (await fallbackTime()), summary: toSummary(source.data), hasMetadata: true }, unreadable: false };
}

/** The header of validation.log (format-validation-log.ts) names the time the study was stored. */
const LOG_TIME = /^Time:\s+(\S+)$/m;
const LOG_HEAD_BYTES = 1024;

async function readLogTime(dir: string): Promise<string | null> {
  try {
    const handle = await open(path.join(dir, StudyLayout.validationLog), 'r');
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(LOG_HEAD_BYTES), 0, LOG_HEAD_BYTES, 0);
      const time = LOG_TIME.exec(buffer.subarray(0, bytesRead).toString('utf8'))?.[1];
      return time !== undefined && z.iso.datetime({ offset: true }).safeParse(time).success ? time : null;
    } finally {
      await handle.close();
    }
  } catch {
    return null;
  }
}

function toSummary(source: z.infer<typeof SummarySource>): StudySummary {
  return {
    StudyInstanceUID: source.study.StudyInstanceUID,
    PatientID: source.patient.PatientID,
    StudyDate: source.study.StudyDate,
    AccessionNumber: source.study.AccessionNumber,
    modalities: source.summary.modalities,
    numberOfSeries: source.summary.numberOfSeries,
    numberOfInstances: source.summary.numberOfInstances,
  };
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
