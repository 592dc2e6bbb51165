import { stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError, assertStudyId } from '@dsv/common';
import { Router, type Request } from 'express';
import type { IndexedStudy } from '../domain/read-study-entry.ts';
import { isFileKey, readStudyFiles, type StudyFile, type StudyFiles } from '../domain/read-study-files.ts';
import type { StudyIndex } from '../domain/study-index.ts';
import { StudyQuerySchema } from '../domain/study-query.ts';
import { displayPath, rootFor, StudyLayout, type StudyRoots } from '../domain/study-folder.ts';
import { sendStoredFile } from './send-stored-file.ts';

export interface BrowseDeps {
  config: StudyRoots;
  index: StudyIndex;
}

/** File lists of this many studies are kept: a viewer fetches the instances of one study in a row. */
const CACHED_STUDIES = 32;

/**
 * Reading the studies the service keeps (stored and rejected), through its index: GET /studies (a page,
 * newest first, filtered), GET /studies/<id> (summary, paths, files), /metadata (metadata.json),
 * /validation (validation.log) and /files/<SOPInstanceUID or stored name> (the original, with Range).
 * A path is made only from an id and a key that passed their grammar and were found in the index or in
 * the study's own file list; nothing the client sends is joined to a path as it came.
 */
export function browseRouter(deps: BrowseDeps): Router {
  const router = Router();
  const filesCache = new Map<string, StudyFiles>();

  const studyDir = (study: IndexedStudy): string => path.join(rootFor(deps.config, study.state), study.id);

  const findStudy = (raw: unknown): IndexedStudy => {
    const study = deps.index.get(assertStudyId(raw));
    if (!study) throw new AppError('STUDY_NOT_FOUND');
    return study;
  };

  /** A folder removed by hand while the service runs: forgotten at the first request that misses it. */
  const gone = (study: IndexedStudy): AppError => {
    deps.index.forget(study.id);
    filesCache.delete(study.id);
    return new AppError('STUDY_NOT_FOUND');
  };
  const notFound = async (study: IndexedStudy, error: AppError): Promise<AppError> => ((await exists(studyDir(study))) ? error : gone(study));

  // Published folders never change (they appear by one rename), so a file list, once read, stays right.
  const filesOf = async (study: IndexedStudy): Promise<StudyFiles> => {
    const cached = filesCache.get(study.id);
    if (cached) {
      filesCache.delete(study.id);
      filesCache.set(study.id, cached);
      return cached;
    }
    const files = await readStudyFiles(studyDir(study), study.state);
    filesCache.set(study.id, files);
    if (filesCache.size > CACHED_STUDIES) filesCache.delete(filesCache.keys().next().value!);
    return files;
  };

  router.get('/studies', (req, res) => {
    const query = StudyQuerySchema.parse(req.query);
    const page = deps.index.list(query);
    res.json({ studies: page.studies.map(presentStudy), nextCursor: page.nextCursor });
  });

  router.get('/studies/:id', async (req, res) => {
    const study = findStudy(req.params.id);
    const dir = studyDir(study);
    if (!(await exists(dir))) throw gone(study);
    const { files, byKey } = await filesOf(study);
    res.json({
      ...presentStudy(study),
      paths: {
        directory: displayPath(dir),
        originals: files.map((file) => displayPath(path.join(dir, file.path))),
        metadata: study.hasMetadata ? displayPath(path.join(dir, StudyLayout.metadata)) : null,
        validationLog: displayPath(path.join(dir, StudyLayout.validationLog)),
      },
      files: files.map((file) => presentFile(study.id, file, byKey)),
    });
  });

  router.get('/studies/:id/metadata', async (req, res) => {
    const study = findStudy(req.params.id);
    const sent = await sendStoredFile(req, res, path.join(studyDir(study), StudyLayout.metadata), { contentType: 'application/json; charset=utf-8' });
    if (sent === 'missing') throw await notFound(study, new AppError('METADATA_NOT_FOUND'));
  });

  router.get('/studies/:id/validation', async (req, res) => {
    const study = findStudy(req.params.id);
    const sent = await sendStoredFile(req, res, path.join(studyDir(study), StudyLayout.validationLog), { contentType: 'text/plain; charset=utf-8' });
    if (sent === 'missing') throw await notFound(study, new AppError('STUDY_NOT_FOUND', 'The study folder has no validation.log'));
  });

  router.get('/studies/:id/files/:key', async (req, res) => {
    // Both names are checked before anything is looked up.
    const id = assertStudyId(req.params.id);
    const key = fileKey(req);
    const study = findStudy(id);
    const file = (await filesOf(study)).byKey.get(key);
    if (!file) throw await notFound(study, new AppError('INSTANCE_NOT_FOUND'));
    const sent = await sendStoredFile(req, res, path.join(studyDir(study), file.path), {
      contentType: 'application/dicom',
      sha256: file.sha256,
      downloadName: key.endsWith('.dcm') ? key : `${key}.dcm`,
    });
    if (sent === 'missing') throw await notFound(study, new AppError('INSTANCE_NOT_FOUND'));
  });

  return router;
}

function fileKey(req: Request): string {
  const key = req.params.key;
  if (typeof key !== 'string' || !isFileKey(key)) {
    throw new AppError('REQUEST_INVALID', 'A file is named by its SOP Instance UID (PS3.5 §9.1) or its stored name (NNNN.dcm)', { parameter: 'SOPInstanceUID' });
  }
  return key;
}

function presentStudy(study: IndexedStudy) {
  const self = `/studies/${study.id}`;
  return {
    id: study.id,
    state: study.state,
    createdAt: study.createdAt,
    summary: study.summary,
    links: { self, metadata: study.hasMetadata ? `${self}/metadata` : null, validation: `${self}/validation` },
  };
}

/** A file is linked by its UID when the UID names it alone, else by its stored name. */
function presentFile(id: string, file: StudyFile, byKey: StudyFiles['byKey']) {
  const key = file.SOPInstanceUID !== null && byKey.get(file.SOPInstanceUID) === file ? file.SOPInstanceUID : file.file !== null && byKey.get(file.file) === file ? file.file : null;
  return {
    file: file.file,
    SOPInstanceUID: file.SOPInstanceUID,
    path: file.path,
    sizeBytes: file.sizeBytes,
    sha256: file.sha256,
    href: key === null ? null : `/studies/${id}/files/${key}`,
  };
}

async function exists(dir: string): Promise<boolean> {
  try {
    await stat(dir);
    return true;
  } catch {
    return false;
  }
}
