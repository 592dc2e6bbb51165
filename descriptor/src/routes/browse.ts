import { stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError, isStudyId, isValidUid } from '@dsv/common';
import { Router, type Request } from 'express';
import type { StudyDocuments } from '../archive/study-documents.ts';
import type { Catalogue, ListedStudy } from '../data/catalogue.ts';
import { isFileKey, readStudyFiles, type StudyFile, type StudyFiles } from '../domain/study/read-study-files.ts';
import { StudyQuerySchema } from '../domain/study/study-query.ts';
import { displayPath, rootFor, StudyLayout, type StudyRoots } from '../domain/study/study-folder.ts';
import { sendStoredFile } from './send-stored-file.ts';

export interface BrowseDeps {
  config: StudyRoots;
  catalogue: Catalogue;
  /** A large study's documents may lag behind its catalogue entry: they are brought up to date first. */
  documents: Pick<StudyDocuments, 'current'>;
}

/** File lists of this many studies are kept: a viewer fetches the instances of one study in a row. */
const CACHED_STUDIES = 32;

/**
 * Reading what the service keeps, through its catalogue: GET /studies (a page of DICOM studies, newest
 * first, filtered; `state=rejected` lists rejected deliveries), GET /studies/<key> (summary, paths,
 * files), /metadata (metadata.json), /validation (validation.log) and /files/<SOPInstanceUID or stored
 * name> (the original, with Range). A key is a StudyInstanceUID, or a delivery id: a rejected delivery's
 * own folder, or the study a stored delivery joined. A path is made only from a key and a file key that
 * passed their grammar and were found in the catalogue or in the study's own file list; nothing the client
 * sends is joined to a path as it came.
 */
export function browseRouter(deps: BrowseDeps): Router {
  const router = Router();
  const filesCache = new Map<string, StudyFiles>();

  const studyDir = (study: ListedStudy): string =>
    path.join(rootFor(deps.config, study.state === 'rejected' ? 'rejected' : 'stored'), study.id);

  const findStudy = (raw: unknown): ListedStudy => {
    if (typeof raw !== 'string' || !(isStudyId(raw) || isValidUid(raw)))
      throw new AppError('STUDY_ID_INVALID', 'A study is named by its StudyInstanceUID or by the id of a delivery');
    const joined = isStudyId(raw) ? deps.catalogue.studyOfDelivery(raw) : null;
    const study = deps.catalogue.find(joined ?? raw);
    if (!study) throw new AppError('STUDY_NOT_FOUND');
    return study;
  };

  /** A folder removed by hand while the service runs. */
  const notFound = async (study: ListedStudy, error: AppError): Promise<AppError> =>
    (await exists(studyDir(study))) ? error : new AppError('STUDY_NOT_FOUND');

  /** A stored study's documents, rewritten first if a rewrite waits for its time. */
  const currentDocuments = async (study: ListedStudy): Promise<void> => {
    if (study.state !== 'rejected') await deps.documents.current(study.id);
  };

  // A study's file list (read from its metadata.json, brought up to date first) changes when a delivery
  // joins it: cached per study and version.
  const filesOf = async (study: ListedStudy): Promise<StudyFiles> => {
    await currentDocuments(study);
    const key = `${study.id}@${study.updatedAt}@${study.summary.numberOfInstances}`;
    const cached = filesCache.get(key);
    if (cached) {
      filesCache.delete(key);
      filesCache.set(key, cached);
      return cached;
    }
    const files = await readStudyFiles(studyDir(study), study.state === 'rejected' ? 'rejected' : 'stored');
    filesCache.set(key, files);
    if (filesCache.size > CACHED_STUDIES) filesCache.delete(filesCache.keys().next().value!);
    return files;
  };

  router.get('/studies', (req, res) => {
    const query = StudyQuerySchema.parse(req.query);
    const page = deps.catalogue.list(query);
    res.json({ studies: page.studies.map(presentStudy), nextCursor: page.nextCursor });
  });

  router.get('/studies/:id', async (req, res) => {
    const study = findStudy(req.params.id);
    const dir = studyDir(study);
    if (!(await exists(dir))) throw new AppError('STUDY_NOT_FOUND');
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
    await currentDocuments(study);
    const sent = await sendStoredFile(req, res, studyDir(study), StudyLayout.metadata, { contentType: 'application/json; charset=utf-8' });
    if (sent === 'missing') throw await notFound(study, new AppError('METADATA_NOT_FOUND'));
  });

  router.get('/studies/:id/validation', async (req, res) => {
    const study = findStudy(req.params.id);
    await currentDocuments(study);
    const sent = await sendStoredFile(req, res, studyDir(study), StudyLayout.validationLog, { contentType: 'text/plain; charset=utf-8' });
    if (sent === 'missing') throw await notFound(study, new AppError('STUDY_NOT_FOUND', 'The study folder has no validation.log'));
  });

  router.get('/studies/:id/files/:key', async (req, res) => {
    // Both names are checked before anything is looked up.
    const key = fileKey(req);
    const study = findStudy(req.params.id);
    const file = (await filesOf(study)).byKey.get(key);
    if (!file) throw await notFound(study, new AppError('INSTANCE_NOT_FOUND'));
    const sent = await sendStoredFile(req, res, studyDir(study), file.path, {
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
    throw new AppError('REQUEST_INVALID', 'A file is named by its SOP Instance UID (PS3.5 §9.1) or its stored name (NNNN.dcm)', {
      parameter: 'SOPInstanceUID',
    });
  }
  return key;
}

function presentStudy(study: ListedStudy) {
  const self = `/studies/${study.id}`;
  return {
    id: study.id,
    state: study.state,
    createdAt: study.createdAt,
    updatedAt: study.updatedAt,
    summary: study.summary,
    links: { self, metadata: study.hasMetadata ? `${self}/metadata` : null, validation: `${self}/validation` },
  };
}

/** A file is linked by its UID when the UID names it alone, else by its stored name. */
function presentFile(id: string, file: StudyFile, byKey: StudyFiles['byKey']) {
  const key =
    file.SOPInstanceUID !== null && byKey.get(file.SOPInstanceUID) === file
      ? file.SOPInstanceUID
      : file.file !== null && byKey.get(file.file) === file
        ? file.file
        : null;
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
