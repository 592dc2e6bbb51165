import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cacheDir } from './workloads.ts';

/**
 * How long ext4 without a journal (this kind of VM's) keeps allocating new inodes past recently deleted
 * ones: 60 s after the deletion, 300 s more while the inode table block is still dirty (RECENTCY_MIN and
 * RECENTCY_DIRTY in the kernel's fs/ext4/ialloc.c).
 */
const EXT4_RECENTCY_MS = 360_000;

const MARKER = path.join(cacheDir, '.last-cleanup');

/** Records that this bench just deleted its temporary folder (thousands of stored files). */
export function noteCleanup(now = Date.now()): void {
  try {
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(MARKER, String(now));
  } catch {
    // Only a warning for the next bench depends on it.
  }
}

/**
 * A warning when a previous bench deleted its files less than EXT4_RECENTCY_MS ago: every file this
 * bench's targets create until then costs more system time (measured here: ~7 % more CPU per small
 * instance for ours, which creates six inodes per instance where Orthanc creates one).
 */
export function recentCleanupWarning(now = Date.now()): string | null {
  let at: number;
  try {
    at = Number(readFileSync(MARKER, 'utf8'));
  } catch {
    return null;
  }
  const age = now - at;
  if (!Number.isFinite(age) || age < 0 || age >= EXT4_RECENTCY_MS) return null;
  const wait = Math.ceil((EXT4_RECENTCY_MS - age) / 1000);
  return `Warning: the previous bench deleted its files ${Math.round(age / 1000)} s ago; on ext4 without a journal every file created in the next ${wait} s is allocated past those inodes, so these runs pay for that deletion (start the bench ${wait} s later for figures to publish)`;
}
