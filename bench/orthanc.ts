import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findFreePort, stopChild } from './processes.ts';

export const ORTHANC_BINARY = process.env.ORTHANC_BINARY ?? '/usr/sbin/Orthanc';

export interface RunningOrthanc {
  url: string;
  pid: number;
  version: string;
  /** Its folder: configuration, storage and index. */
  dir: string;
  /** Stops the process and removes its folder, or leaves the folder to the caller (`keepFiles`). */
  stop(options?: { keepFiles?: boolean }): Promise<void>;
}

export function isOrthancInstalled(): boolean {
  return existsSync(ORTHANC_BINARY);
}

/**
 * Orthanc on a free port with an empty storage and SQLite index in a temporary folder: no plugins, no
 * DICOM listener, no authentication, no compression. Orthanc 1.10 has no bind-address option: it listens
 * on every interface, and "RemoteAccessAllowed": false makes it refuse any client that is not local.
 */
export interface OrthancDicom {
  port: number;
  aeTitle: string;
  /** Peers Orthanc may send to (POST /modalities/<name>/store): name -> [AE title, host, port]. */
  modalities?: Record<string, [string, string, number]>;
}

export async function startOrthanc(options: { dicom?: OrthancDicom } = {}): Promise<RunningOrthanc> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-bench-orthanc-'));
  const port = await findFreePort();
  // With `dicom` (npm run bench -- --only dimse): its C-STORE SCP too, on every interface like its HTTP port.
  const dicom = options.dicom
    ? {
        DicomServerEnabled: true,
        DicomPort: options.dicom.port,
        DicomAet: options.dicom.aeTitle,
        DicomCheckCalledAet: true,
        DicomAlwaysAllowStore: true,
        DicomScpTimeout: 30,
        DicomModalities: options.dicom.modalities ?? {},
      }
    : { DicomServerEnabled: false };
  const config = {
    Name: 'dsv-bench',
    StorageDirectory: path.join(dir, 'storage'),
    IndexDirectory: path.join(dir, 'index'),
    StorageCompression: false,
    Plugins: [],
    HttpServerEnabled: true,
    HttpPort: port,
    HttpCompressionEnabled: false,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    ...dicom,
    SaveJobs: false,
    LuaScripts: [],
  };
  const configFile = path.join(dir, 'orthanc.json');
  await writeFile(configFile, JSON.stringify(config, null, 2));
  const child = spawn(ORTHANC_BINARY, ['--no-jobs', configFile], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (log = (log + chunk).slice(-20_000)));
  const stop = async ({ keepFiles = false } = {}): Promise<void> => {
    await stopChild(child);
    if (!keepFiles) await rm(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    const version = await waitUntilAnswering(url, () => child.exitCode !== null || child.signalCode !== null);
    return { url, pid: child.pid!, version, dir, stop };
  } catch (error) {
    await stop();
    throw new Error(`Orthanc did not start: ${(error as Error).message}\n${log}`);
  }
}

async function waitUntilAnswering(url: string, exited: () => boolean): Promise<string> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (exited()) throw new Error('the process exited');
    try {
      const res = await fetch(`${url}/system`);
      if (res.ok) return ((await res.json()) as { Version?: string }).Version ?? 'unknown';
      await res.body?.cancel();
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error('no answer on /system within 30 s');
}
