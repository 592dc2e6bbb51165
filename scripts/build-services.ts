/**
 * `npm run build`: bundles each service's `<service>/src/main.ts` with esbuild into `dist/<service>.mjs`
 * (and `dist/<service>.mjs.map`), so that the services run as plain JavaScript under `node`, without
 * the tsx loader (its esbuild worker and ESM hooks stay resident in every service). `npm start`, the
 * start:* scripts, the tests that start services and the bench all run these files, and all of them
 * build first, so dist/ is never stale.
 *
 * Everything is bundled, @dsv/common and the npm dependencies alike, so each service is one file that
 * needs nothing but Node, and starts without resolving hundreds of modules. CommonJS dependencies
 * (express, busboy, …) call `require` for Node's built-ins, which an ES module does not have, so the
 * banner gives each bundle a real one. No code relies on its own location: config is read from
 * $CONFIG_DIR or ./config of the working directory.
 *
 * The source maps are not loaded at run time (`--enable-source-maps` keeps them in memory in every service):
 * stack traces point into dist/<service>.mjs, with the functions' own names; run a service with
 * NODE_OPTIONS=--enable-source-maps to see TypeScript files and lines instead. bench/cpu-profiler.mjs
 * maps its profiles back through them.
 *
 * Whitespace and comments are left out (`minifyWhitespace`), names are kept. V8 holds each bundle's
 * source for as long as the service runs, as one string: one byte a character while it is all ASCII,
 * two bytes for all of it once a single other character appears, and the comments a bundle would
 * otherwise keep have some (§, —). Without them the string is shorter and one byte a character
 * (`npm run build` prints the sizes).
 */
import { build, stop, type Metafile } from 'esbuild';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const SERVICES = ['gateway', 'validator', 'descriptor'] as const;
export type ServiceName = (typeof SERVICES)[number];

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DIST_DIR = path.join(projectRoot, 'dist');

/** The file `node` runs for a service: this checkout's, or that of the checkout at `root` (the bench's --against). */
export function bundlePath(service: ServiceName, root: string = projectRoot): string {
  return path.join(root, 'dist', `${service}.mjs`);
}

/**
 * The V8 flags of a service. By default V8 lets the heap of a service that keeps next to nothing between
 * requests grow well past what it keeps under a stream of small requests before it collects. A young
 * generation of at most 2 MB per semi-space and an old generation allowed to grow by 20 % past what
 * survived the last full collection keep each service under the bench's memory target (npm run bench
 * prints the peak RSS beside the CPU per instance; a larger semi-space costs less CPU and more memory).
 * --optimize-for-size also trades compiled code's speed for size. The same flags stand in package.json's start:<service> scripts and
 * docker-compose.yml (test/docs/node-flags.test.ts keeps them equal).
 */
export const NODE_FLAGS = ['--max-semi-space-size=2', '--heap-growing-percent=20'] as const;

/**
 * The environment every service starts with, under what the caller sets (which wins). glibc gives each
 * thread that allocates an arena of its own, up to eight per core, and keeps what is freed in them: the
 * threads of libuv's pool (file system, hashing) each grew one and each service's RSS with it. Two arenas
 * keep that memory shared (`npm run bench` prints the peak RSS of each service). The same value stands in
 * package.json's start:<service> scripts and the Dockerfile (test/docs/node-flags.test.ts keeps them equal).
 */
export const SERVICE_ENV = { MALLOC_ARENA_MAX: '2' } as const;

export function serviceEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...SERVICE_ENV, ...env };
}

export function serviceArgs(service: ServiceName, root: string = projectRoot): string[] {
  return [...NODE_FLAGS, bundlePath(service, root)];
}

const REQUIRE_BANNER = [
  "import { createRequire as __dsvCreateRequire } from 'node:module';",
  'const require = __dsvCreateRequire(import.meta.url);',
].join('\n');

/**
 * Bundles the three services into dist/; rejects (esbuild has printed its messages) when any does not
 * build. Each file is written under a temporary name and renamed into place, and only when it changed:
 * a service starting while another build runs (two test runs at once) reads the old file or the new
 * one, never half of one.
 */
export async function buildServices(): Promise<Metafile> {
  try {
    return await bundleAndWrite();
  } finally {
    // esbuild's service process would otherwise stay for as long as the caller runs: `npm start`'s
    // parent process, the vitest run, the bench. A later build starts a new one.
    await stop();
  }
}

async function bundleAndWrite(): Promise<Metafile> {
  const result = await build({
    absWorkingDir: projectRoot,
    entryPoints: Object.fromEntries(SERVICES.map((service) => [service, path.join(service, 'src', 'main.ts')])),
    outdir: DIST_DIR,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    // A native addon: loaded from node_modules at run time.
    external: ['better-sqlite3'],
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    // The sources are in the repository; the maps need only point at them.
    sourcesContent: false,
    banner: { js: REQUIRE_BANNER },
    legalComments: 'none',
    minifyWhitespace: true,
    charset: 'ascii',
    logLevel: 'warning',
    metafile: true,
    write: false,
  });
  await mkdir(DIST_DIR, { recursive: true });
  await Promise.all(
    result.outputFiles.map(async (file) => {
      const current = await readFile(file.path).catch(() => null);
      if (current?.equals(file.contents)) return;
      const temporary = `${file.path}.${process.pid}.tmp`;
      await writeFile(temporary, file.contents);
      await rename(temporary, file.path);
    }),
  );
  return result.metafile;
}

function summary(metafile: Metafile): string {
  return Object.entries(metafile.outputs)
    .filter(([file]) => file.endsWith('.mjs'))
    .map(([file, output]) => `${path.basename(file)} ${(output.bytes / 2 ** 20).toFixed(1)} MB`)
    .join(', ');
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const started = performance.now();
  try {
    const metafile = await buildServices();
    process.stderr.write(`build-services: ${summary(metafile)} in dist/ (${Math.round(performance.now() - started)} ms)\n`);
  } catch (error) {
    // esbuild has printed its own errors; anything else (a write that failed) is printed here.
    if (!(error instanceof Error && 'errors' in error)) process.stderr.write(`${String(error)}\n`);
    process.stderr.write('build-services: the services did not build\n');
    process.exitCode = 1;
  }
}
