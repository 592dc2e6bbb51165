/**
 * The floor of the product's design, measured beside ours: three Node processes meeting over HTTP, doing
 * per instance only what that design cannot do without, and nothing of what the product adds (statuses,
 * events, logs, metrics, conformance checks, study documents, catalogue of series and studies):
 * - gateway: a multipart upload (busboy), each file written to the staging folder as it comes, hashed
 *   (SHA-256) and flushed (fdatasync); then a validation and a store, each batched by reference; 201 when
 *   stored, then the staged file goes.
 * - validator: reads each staged file and parses its header with dicom-parser (up to Pixel Data); a file
 *   that does not parse is refused. With FLOOR_CHECKS=1, our validator's checks instead (checkingValidatorRole);
 *   with FLOOR_CHECKS=gateway the gateway runs those checks itself and never calls the validator: the design
 *   with one hop fewer per instance.
 * - descriptor: hard-links each file into its study's folder, flushes each folder touched and records the
 *   instances in one SQLite transaction per batch, made durable by one flush of the WAL.
 * Between the processes: JSON over keep-alive HTTP, one call in flight per sibling, the files that come
 * meanwhile batched into the next call (at most BATCH). Run by `floor.ts` with FLOOR_ROLE and FLOOR_DIR;
 * logs one JSON line `{"msg":"listening","url":…}` when ready.
 */
import { createHash } from 'node:crypto';
import { closeSync, fdatasync, fsync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import busboy from 'busboy';
import dicomParser from 'dicom-parser';
import { WalFlush } from '../common/src/db/wal-flush.ts';
import { serveBenchServer } from './bench-server.ts';

const BATCH = 256;

interface Staged {
  path: string;
  sha256: string;
}

/** What the validator reads of an instance, or why it could not. */
type Parsed = { study: string; series: string; sop: string; sopClass: string } | { error: string };

const role = process.env.FLOOR_ROLE;
const dir = process.env.FLOOR_DIR;
if (!dir || !role) throw new Error('FLOOR_ROLE and FLOOR_DIR must be set');
mkdirSync(dir, { recursive: true });

function readBody(stream: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
  });
}

function answer(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }).end(text);
}

/** A JSON route: the parsed body in, the answer out; a failure answers 500 with its message. */
function jsonServer(handle: (body: unknown) => unknown): http.Server {
  return http.createServer((req, res) => {
    readBody(req)
      .then(async (text) => answer(res, 200, await handle(JSON.parse(text))))
      .catch((error: unknown) => answer(res, 500, { error: String(error) }));
  });
}

/**
 * Flushes `fd` in libuv's thread pool, as the services do (common's durable-fd.ts), then closes it: a
 * flush waits for the disk, and a synchronous one would hold up every other request meanwhile.
 */
function flushAndClose(flush: typeof fsync, fd: number): Promise<void> {
  return new Promise((resolve, reject) =>
    flush(fd, (error) => {
      closeSync(fd);
      if (error) reject(error);
      else resolve();
    }),
  );
}

const agent = new http.Agent({ keepAlive: true });

function postJson<T>(url: string, body: unknown): Promise<T> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) } },
      (res) => {
        readBody(res).then((answer) => {
          if (res.statusCode === 200) resolve(JSON.parse(answer) as T);
          else reject(new Error(`${url}: HTTP ${res.statusCode} ${answer}`));
        }, reject);
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

/** Single calls in, batches out: one call in flight; the items that come meanwhile go together next. */
function batched<I, O>(url: string): (item: I) => Promise<O> {
  let waiting: { item: I; resolve: (value: O) => void; reject: (error: unknown) => void }[] = [];
  let busy = false;
  const pump = (): void => {
    if (busy || waiting.length === 0) return;
    const batch = waiting.slice(0, BATCH);
    waiting = waiting.slice(BATCH);
    busy = true;
    postJson<O[]>(
      url,
      batch.map((w) => w.item),
    )
      .then(
        (results) => batch.forEach((w, i) => w.resolve(results[i]!)),
        (error: unknown) => batch.forEach((w) => w.reject(error)),
      )
      .finally(() => {
        busy = false;
        pump();
      });
  };
  return (item) =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      pump();
    });
}

/** Checks staged files; one answer per file, in order. */
type Checks = (files: readonly string[]) => Promise<Parsed[]>;

/**
 * Our validator's checks, as it checks a delivery of one file (inspectFile, validateFile, validateUpload,
 * with its configuration): a file with an error finding is refused. They say what the checks themselves
 * cost a design that does nothing else: in the validator with FLOOR_CHECKS=1 (`npm run bench --
 * --floor-checks`), in the gateway's own process with FLOOR_CHECKS=gateway (`--floor-checks-in-gateway`).
 */
async function loadChecks(): Promise<Checks> {
  const { inspectFile } = await import('../common/src/dicom/inspect-file.ts');
  const { inspectOptions, loadValidatorConfig } = await import('../validator/src/config.ts');
  const { validateFile } = await import('../validator/src/domain/validate-file.ts');
  const { validateUpload } = await import('../validator/src/domain/validate-upload.ts');
  const config = loadValidatorConfig({ ...process.env, CONFIG_DIR: fileURLToPath(new URL('../config', import.meta.url)) });
  const options = inspectOptions(config);
  return async (files) => {
    const parsed: Parsed[] = [];
    for (const file of files) {
      try {
        const checked = validateFile(await inspectFile(file, options), path.basename(file), config);
        const verdict = validateUpload([checked], config.severity);
        const { StudyInstanceUID: study, SeriesInstanceUID: series, SOPInstanceUID: sop, SOPClassUID: sopClass } = checked.instance;
        if (!verdict.valid || !study || !series || !sop || !sopClass) parsed.push({ error: verdict.errors[0]?.code ?? 'a UID is missing' });
        else parsed.push({ study, series, sop, sopClass });
      } catch (error) {
        parsed.push({ error: error instanceof Error ? error.message : String(error) });
      }
    }
    return parsed;
  };
}

async function checkingValidatorRole(): Promise<http.Server> {
  const check = await loadChecks();
  return jsonServer((body) => check(body as string[]));
}

function validatorRole(): http.Server {
  return jsonServer((body) =>
    (body as string[]).map((file): Parsed => {
      try {
        const data = dicomParser.parseDicom(readFileSync(file), { untilTag: 'x7fe00010' });
        const [study, series, sop, sopClass] = ['x0020000d', 'x0020000e', 'x00080018', 'x00080016'].map((tag) => data.string(tag));
        if (!study || !series || !sop || !sopClass) return { error: 'a UID is missing' };
        return { study, series, sop, sopClass };
      } catch (error) {
        return { error: error instanceof Error ? error.message : String(error) };
      }
    }),
  );
}

function descriptorRole(): http.Server {
  const db = new Database(path.join(dir!, 'catalogue.db'));
  db.pragma('journal_mode = WAL');
  // Commits made durable by one flush of the WAL in the thread pool, as the services make theirs
  // (common's WalFlush), not by SQLite's own fsync on the event loop.
  db.pragma('synchronous = NORMAL');
  const wal = new WalFlush(path.join(dir!, 'catalogue.db-wal'));
  db.exec('CREATE TABLE IF NOT EXISTS instances (sop TEXT PRIMARY KEY, study TEXT, series TEXT, sop_class TEXT, path TEXT, sha256 TEXT)');
  const insert = db.prepare('INSERT OR IGNORE INTO instances VALUES (?, ?, ?, ?, ?, ?)');
  type Item = Staged & { instance: Exclude<Parsed, { error: string }> };
  const record = db.transaction((items: Item[], targets: string[]) => {
    items.forEach(({ instance, sha256 }, i) =>
      insert.run(instance.sop, instance.study, instance.series, instance.sopClass, targets[i], sha256),
    );
  });
  const studies = path.join(dir!, 'studies');
  const made = new Set<string>();
  return jsonServer(async (body) => {
    const items = body as Item[];
    const touched = new Set<string>();
    const targets = items.map(({ path: staged, instance }) => {
      const folder = path.join(studies, instance.study);
      if (!made.has(folder)) {
        mkdirSync(folder, { recursive: true });
        made.add(folder);
      }
      const target = path.join(folder, `${instance.sop}.dcm`);
      try {
        linkSync(staged, target);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      touched.add(folder);
      return target;
    });
    await Promise.all([...touched].map((folder) => flushAndClose(fsync, openSync(folder, 'r'))));
    record(items, targets);
    await wal.flush();
    return items.map(() => ({ stored: true }));
  });
}

/**
 * The gateway's side of the pipeline: a staged file validated, then stored, each call batched; the staged
 * file goes once the descriptor has it. With `check`, validated here, in this process.
 */
function pipeline(check?: Checks): (file: Staged) => Promise<void> {
  const validate = check
    ? async (file: string): Promise<Parsed> => (await check([file]))[0]!
    : batched<string, Parsed>(`${process.env.FLOOR_VALIDATOR_URL}/validate`);
  const store = batched<Staged & { instance: Parsed }, { stored: boolean }>(`${process.env.FLOOR_DESCRIPTOR_URL}/store`);
  return async (file) => {
    const instance = await validate(file.path);
    if ('error' in instance) throw new Error(instance.error);
    await store({ ...file, instance });
    unlinkSync(file.path);
  };
}

function stagingFolder(): string {
  const staging = path.join(dir!, 'staging');
  mkdirSync(staging, { recursive: true });
  return staging;
}

function gatewayRole(check?: Checks): http.Server {
  const ingest = pipeline(check);
  const staging = stagingFolder();
  let count = 0;
  return http.createServer((req, res) => {
    const staged: Promise<Staged>[] = [];
    const parts = busboy({ headers: req.headers });
    parts.on('file', (_field, stream) => {
      const file = path.join(staging, `${++count}.dcm`);
      const fd = openSync(file, 'w');
      const hash = createHash('sha256');
      staged.push(
        new Promise((resolve, reject) => {
          stream.on('data', (chunk: Buffer) => {
            hash.update(chunk);
            writeSync(fd, chunk);
          });
          stream.on('end', () => {
            flushAndClose(fdatasync, fd).then(() => resolve({ path: file, sha256: hash.digest('hex') }), reject);
          });
          stream.on('error', reject);
        }),
      );
    });
    parts.on('close', () => {
      Promise.all(staged)
        .then((files) => Promise.all(files.map(ingest)))
        .then(
          () => answer(res, 201, { state: 'stored' }),
          (error: unknown) => answer(res, 422, { state: 'rejected', error: String(error) }),
        );
    });
    parts.on('error', (error: unknown) => answer(res, 400, { error: String(error) }));
    req.pipe(parts);
  });
}

/**
 * The gateway's DICOM door, for `npm run bench -- --only dimse`: dcmjs-dimse as ours uses it (every
 * Storage SOP Class in our transfer syntaxes, each data set written straight to a staged Part 10 file,
 * hashed and flushed before the response), then the same pipeline; Success (0000) once stored, A700
 * otherwise. No association statuses, events or logs (dcmjs-dimse's own logging off).
 */
async function dimseRole(port: number): Promise<void> {
  const { default: dimse } = await import('dcmjs-dimse');
  const { acceptContexts } = await import('../gateway/src/dimse/accept-contexts.ts');
  const { buildPart10Header } = await import('../gateway/src/dimse/part10-header.ts');
  const { emptyDatasetOnceWritten } = await import('../gateway/src/dimse/storage-scp.ts');
  (dimse.log as unknown as { setLevel(level: string): void }).setLevel('silent');
  const { Scp, Dataset } = dimse;
  const { CEchoResponse, CStoreResponse } = dimse.responses;
  type Association = InstanceType<typeof dimse.association.Association>;
  type PresentationContext = InstanceType<typeof dimse.association.PresentationContext>;
  type CStoreRequest = InstanceType<typeof dimse.requests.CStoreRequest>;
  type CEchoRequest = InstanceType<typeof dimse.requests.CEchoRequest>;
  const ingest = pipeline();
  const staging = stagingFolder();
  let count = 0;

  class FloorScp extends Scp {
    private readonly files = new WeakMap<object, Promise<Staged>>();

    override associationRequested(association: Association): void {
      acceptContexts(association.getPresentationContexts().map(({ context }) => context as never));
      this.sendAssociationAccept();
    }

    override associationReleaseRequested(): void {
      this.sendAssociationReleaseResponse();
    }

    override cEchoRequest(request: CEchoRequest, callback: (response: InstanceType<typeof CEchoResponse>) => void): void {
      callback(CEchoResponse.fromRequest(request));
    }

    override createStoreWritableStream(context: PresentationContext, request: CStoreRequest): Writable {
      const file = path.join(staging, `${++count}.dcm`);
      const fd = openSync(file, 'w');
      const hash = createHash('sha256');
      const take = (chunk: Buffer): void => {
        hash.update(chunk);
        writeSync(fd, chunk);
      };
      take(
        buildPart10Header({
          sopClassUid: request.getAffectedSopClassUid(),
          sopInstanceUid: request.getAffectedSopInstanceUid(),
          transferSyntaxUid: context.getAcceptedTransferSyntaxUid() ?? '',
        }),
      );
      let staged!: (file: Staged) => void;
      let failed!: (error: unknown) => void;
      this.files.set(request, new Promise<Staged>((resolve, reject) => ((staged = resolve), (failed = reject))));
      return new Writable({
        write(chunk: Buffer, _encoding, callback) {
          take(chunk);
          callback();
        },
        final(callback) {
          flushAndClose(fdatasync, fd).then(
            () => {
              staged({ path: file, sha256: hash.digest('hex') });
              callback();
            },
            (error: unknown) => {
              failed(error);
              callback(error as Error);
            },
          );
        },
      });
    }

    override createDatasetFromStoreWritableStream(
      writable: Writable,
      context: PresentationContext,
      callback: (dataset: InstanceType<typeof Dataset>) => void,
    ): void {
      emptyDatasetOnceWritten(writable, context, callback);
    }

    override cStoreRequest(request: CStoreRequest, callback: (response: InstanceType<typeof CStoreResponse>) => void): void {
      const answer = (status: number): void => {
        const response = CStoreResponse.fromRequest(request);
        response.setStatus(status);
        callback(response);
      };
      const staged = this.files.get(request) ?? Promise.reject(new Error('no data set'));
      staged.then(ingest).then(
        () => answer(0x0000),
        () => answer(0xa700),
      );
    }
  }

  const server = net.createServer({ noDelay: true }, (socket) => {
    socket.setNoDelay(true);
    new FloorScp(socket);
  });
  server.listen(port, '127.0.0.1', () =>
    process.stdout.write(`${JSON.stringify({ msg: 'listening', url: `dicom://127.0.0.1:${port}` })}\n`),
  );
  process.once('SIGTERM', () => process.exit(0));
  process.once('SIGINT', () => process.exit(0));
}

if (role === 'dimse') {
  await dimseRole(Number(process.env.FLOOR_DIMSE_PORT));
} else {
  const validator = (): Promise<http.Server> | http.Server =>
    process.env.FLOOR_CHECKS === '1' ? checkingValidatorRole() : validatorRole();
  const gateway = async (): Promise<http.Server> => gatewayRole(process.env.FLOOR_CHECKS === 'gateway' ? await loadChecks() : undefined);
  const server = role === 'validator' ? await validator() : role === 'descriptor' ? descriptorRole() : await gateway();
  server.keepAliveTimeout = 60_000;
  serveBenchServer(server);
}
