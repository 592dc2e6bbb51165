import { execFile } from 'node:child_process';
import { chmod, mkdir, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Unwritable {
  /** How the folder was made unwritable, for the test's report. */
  how: string;
  restore(): Promise<void>;
}

/**
 * Makes a folder really unwritable, checked by trying to create an entry in it. chmod 0555 does not stop
 * root (CAP_DAC_OVERRIDE), so as root the folder is made immutable (chattr +i: EPERM even for root, on
 * ext4, xfs, btrfs). Answers null when neither works here (e.g. overlayfs, no CAP_LINUX_IMMUTABLE).
 */
export async function makeUnwritable(dir: string): Promise<Unwritable | null> {
  const candidates: Unwritable[] =
    process.getuid?.() === 0
      ? [{ how: 'chattr +i (immutable; root ignores chmod)', restore: () => run('chattr', ['-i', dir]).then(() => undefined) }]
      : [{ how: 'chmod 0555', restore: () => chmod(dir, 0o755) }];
  for (const candidate of candidates) {
    try {
      if (candidate.how.startsWith('chattr')) await run('chattr', ['+i', dir]);
      else await chmod(dir, 0o555);
    } catch {
      continue;
    }
    const probe = path.join(dir, '.write-probe');
    try {
      await mkdir(probe);
      await rmdir(probe);
      await candidate.restore();
    } catch {
      return candidate;
    }
  }
  return null;
}
