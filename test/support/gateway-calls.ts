import { createHash } from 'node:crypto';
import { openAsBlob, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Stack } from './services.ts';

/** A JSON answer as a test reads it: its shape is what the test's expectations assert. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the one loose type, for tests only
export type Body = Record<string, any>;

export interface Answer {
  status: number;
  headers: Headers;
  body: Body;
}

export const TERMINAL = ['stored', 'rejected', 'failed'];

export const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

/** POST /upload with the files, as a browser or curl sends them. */
export async function upload(
  gatewayUrl: string,
  files: readonly string[],
  query = '',
  headers: Record<string, string> = {},
): Promise<Answer> {
  const form = new FormData();
  for (const file of files) form.append('files', await openAsBlob(file), path.basename(file));
  const response = await fetch(`${gatewayUrl}/upload${query}`, { method: 'POST', body: form, headers });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Body };
}

export async function getJson(url: string, init?: RequestInit): Promise<Answer> {
  const response = await fetch(url, init);
  return { status: response.status, headers: response.headers, body: (await response.json()) as Body };
}

export async function statusOf(stack: Stack, id: string): Promise<Body> {
  return (await getJson(`${stack.gateway.url}/status/${id}`)).body;
}

/** The whole event feed (GET /events), page after page, in order. */
export async function readFeed(gatewayUrl: string): Promise<Body[]> {
  const events: Body[] = [];
  for (let since = 0, done = false; !done;) {
    const page = (await getJson(`${gatewayUrl}/events?since=${since}&limit=1000`)).body;
    events.push(...(page.events as Body[]));
    ({ last: since, done } = page as { last: number; done: boolean });
  }
  return events;
}

/** Polls until the condition holds; fails with the last value seen after `timeoutMs`. */
export async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let value: T | undefined;
    try {
      value = await read();
      if (done(value)) return value;
    } catch {
      // not answering yet
    }
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)?.slice(0, 2000)}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export async function waitForStates(stack: Stack, ids: readonly string[], states: readonly string[], timeoutMs?: number): Promise<Body[]> {
  return waitFor(
    () => Promise.all(ids.map((id) => statusOf(stack, id))),
    (all) => all.every((s) => states.includes(s.state)),
    timeoutMs,
  );
}

/** Every file below a folder, relative paths, sorted; dot entries included. */
export function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (current: string): void => {
    let names: string[];
    try {
      names = readdirSync(current);
    } catch {
      return;
    }
    for (const name of names) {
      const full = path.join(current, name);
      if (statSync(full).isDirectory()) walk(full);
      else out.push(path.relative(dir, full));
    }
  };
  walk(dir);
  return out.sort();
}

/** The sha256 of every original a stored study folder holds (original.dcm or originals/*.dcm), sorted. */
export function storedOriginalHashes(studyDir: string): string[] {
  return listTree(studyDir)
    .filter((file) => file === 'original.dcm' || file.startsWith('originals/'))
    .map((file) => sha256(path.join(studyDir, file)))
    .sort();
}

/** The entries of a folder that are not dot entries (studies, not `.incoming`). */
export function visibleEntries(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => !name.startsWith('.'))
      .sort();
  } catch {
    return [];
  }
}

/** What a crash left half-written in a studies or rejected folder: anything inside `.incoming`. */
export function incomingLeftovers(dir: string): string[] {
  try {
    return readdirSync(path.join(dir, '.incoming'));
  } catch {
    return [];
  }
}

/** The folder of the DICOM study a stored delivery joined: studies/<StudyInstanceUID>, from its status. */
export function studyFolder(stack: Stack, status: Body): string {
  const uid = status.study?.StudyInstanceUID;
  if (typeof uid !== 'string') throw new Error(`delivery ${status.id} names no study: ${JSON.stringify(status).slice(0, 500)}`);
  return path.join(stack.studiesDir, uid);
}

/**
 * Waits until the study a delivery joined is stable as the gateway tells it (GET /status/<id>, `study.state`),
 * and returns that status. The gateway marks a study stable only once the descriptor has answered its
 * stable call, i.e. after metadata.dicom.json and fhir.json are written. (The descriptor's own state, which
 * GET /studies/<uid> shows, turns 'stable' a moment before those two files are written.)
 */
export async function waitForStable(stack: Stack, deliveryId: string, timeoutMs = 30_000): Promise<Body> {
  return waitFor(
    () => statusOf(stack, deliveryId),
    (status) => status.study?.state === 'stable',
    timeoutMs,
  );
}
