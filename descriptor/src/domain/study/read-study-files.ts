import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { isStoredName, isValidUid } from '@dsv/common';
import { z } from 'zod';
import { StudyLayout, type Disposition } from './study-folder.ts';

/** One file of a study folder, as a client may fetch it. */
export interface StudyFile {
  /** The gateway's stored name ('0001.dcm'), when known. */
  file: string | null;
  SOPInstanceUID: string | null;
  /** Relative to the study folder, '/'-separated; checked against the layout (study-folder.ts). */
  path: string;
  sizeBytes: number | null;
  sha256: string | null;
}

export interface StudyFiles {
  files: StudyFile[];
  /** SOP Instance UID or stored name -> file; a UID two files share (a rejected upload) names the first. */
  byKey: ReadonlyMap<string, StudyFile>;
}

const Instances = z.object({
  instances: z.array(
    z.object({
      file: z.string().nullable().catch(null),
      path: z.string(),
      sizeBytes: z.number().int().nonnegative().nullable().catch(null),
      sha256: z
        .string()
        .regex(/^[0-9a-f]{64}$/)
        .nullable()
        .catch(null),
      SOPInstanceUID: z.string().nullable().catch(null),
    }),
  ),
});
type ListedInstance = z.infer<typeof Instances>['instances'][number];

/**
 * The files of a study folder and the keys a client names them by. A stored study's files are those
 * metadata.json lists; a rejected upload's are what is in `files/`, with what its metadata.json (if any)
 * says about them. A path read from metadata.json is used only if it has the shape the layout gives
 * (original.dcm, originals/<UID>.dcm, files/NNNN.dcm): a folder copied in from elsewhere must not point
 * outside itself.
 */
export async function readStudyFiles(dir: string, state: Disposition): Promise<StudyFiles> {
  const listed = (await readInstances(dir)).filter((instance) => isLayoutPath(instance.path));
  const files = state === 'stored' ? await storedFiles(dir, listed) : await rejectedFiles(dir, listed);
  const byKey = new Map<string, StudyFile>();
  for (const entry of files) {
    if (entry.file !== null && !byKey.has(entry.file)) byKey.set(entry.file, entry);
    if (entry.SOPInstanceUID !== null && isValidUid(entry.SOPInstanceUID) && !byKey.has(entry.SOPInstanceUID))
      byKey.set(entry.SOPInstanceUID, entry);
  }
  return { files, byKey };
}

/** A key a client may send: a UID (PS3.5 §9.1) or a stored name. Nothing else is looked up. */
export function isFileKey(value: string): boolean {
  return isValidUid(value) || isStoredName(value);
}

function isLayoutPath(relative: string): boolean {
  if (relative === StudyLayout.original) return true;
  const [folder, name, ...rest] = relative.split('/');
  if (rest.length > 0 || name === undefined) return false;
  if (folder === StudyLayout.originals) return name.endsWith('.dcm') && isValidUid(name.slice(0, -'.dcm'.length));
  return folder === StudyLayout.files && isStoredName(name);
}

/**
 * A stored study whose metadata.json cannot be read still serves `originals/<UID>.dcm`, named by the
 * UID in its name; a lone `original.dcm` then has no UID to be asked for.
 */
async function storedFiles(dir: string, listed: ListedInstance[]): Promise<StudyFile[]> {
  if (listed.length > 0) return listed.map(toStudyFile);
  const names = (await listNames(path.join(dir, StudyLayout.originals))).filter((name) => isLayoutPath(`${StudyLayout.originals}/${name}`));
  const files: StudyFile[] = names.map((name) => ({
    file: null,
    SOPInstanceUID: name.slice(0, -'.dcm'.length),
    path: `${StudyLayout.originals}/${name}`,
    sizeBytes: null,
    sha256: null,
  }));
  if (files.length === 0 && (await listNames(dir)).includes(StudyLayout.original)) {
    files.push({ file: null, SOPInstanceUID: null, path: StudyLayout.original, sizeBytes: null, sha256: null });
  }
  return files;
}

async function rejectedFiles(dir: string, listed: ListedInstance[]): Promise<StudyFile[]> {
  const described = new Map(listed.filter((instance) => instance.file !== null).map((instance) => [instance.file!, instance]));
  const names = (await listNames(path.join(dir, StudyLayout.files))).filter((name) => isStoredName(name)).sort();
  return Promise.all(
    names.map(async (name) => {
      const known = described.get(name);
      const relative = `${StudyLayout.files}/${name}`;
      if (known?.path === relative) return toStudyFile(known);
      return { file: name, SOPInstanceUID: null, path: relative, sizeBytes: (await stat(path.join(dir, relative))).size, sha256: null };
    }),
  );
}

function toStudyFile(instance: ListedInstance): StudyFile {
  const file = instance.file !== null && isStoredName(instance.file) ? instance.file : null;
  return { file, SOPInstanceUID: instance.SOPInstanceUID, path: instance.path, sizeBytes: instance.sizeBytes, sha256: instance.sha256 };
}

async function readInstances(dir: string): Promise<ListedInstance[]> {
  try {
    const parsed = Instances.safeParse(JSON.parse(await readFile(path.join(dir, StudyLayout.metadata), 'utf8')));
    return parsed.success ? parsed.data.instances : [];
  } catch {
    return [];
  }
}

async function listNames(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
