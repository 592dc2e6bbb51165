import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { isStudyId, writeJsonAtomic } from '@dsv/common';
import { z } from 'zod';

/** A bundle that could not be forwarded: `<outboxDir>/failed/<studyId>.json`. */
export const OutboxEntrySchema = z.object({
  studyId: z.string(),
  correlationId: z.string(),
  /** When the last attempt failed. */
  failedAt: z.string(),
  /** POSTs made so far, replays included. */
  attempts: z.number().int(),
  httpStatus: z.number().int().nullable(),
  reason: z.string(),
  bundle: z.record(z.string(), z.unknown()),
});

export type OutboxEntry = z.infer<typeof OutboxEntrySchema>;

export function failedDir(outboxDir: string): string {
  return path.join(outboxDir, 'failed');
}

/** Written whole or not at all (temporary file, flush, rename): a replay never reads half a bundle. */
export async function writeOutboxEntry(outboxDir: string, entry: OutboxEntry): Promise<string> {
  const file = path.join(failedDir(outboxDir), `${entry.studyId}.json`);
  await mkdir(path.dirname(file), { recursive: true });
  await writeJsonAtomic(file, entry);
  return file;
}

/** The study ids waiting in the outbox, oldest first (ids are ULIDs: they sort by time). */
export async function listOutbox(outboxDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(failedDir(outboxDir));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names
    .filter((name) => name.endsWith('.json'))
    .map((name) => name.slice(0, -'.json'.length))
    .filter(isStudyId)
    .sort();
}

export async function readOutboxEntry(outboxDir: string, studyId: string): Promise<OutboxEntry> {
  return OutboxEntrySchema.parse(JSON.parse(await readFile(path.join(failedDir(outboxDir), `${studyId}.json`), 'utf8')));
}

export async function removeOutboxEntry(outboxDir: string, studyId: string): Promise<void> {
  await rm(path.join(failedDir(outboxDir), `${studyId}.json`), { force: true });
}
