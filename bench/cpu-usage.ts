import { readFileSync } from 'node:fs';

/** USER_HZ: the unit of /proc/<pid>/stat times; 100 on every Linux this runs on. */
const TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system, every thread of the process) in ms so far, from /proc/<pid>/stat fields
 * 14 and 15; null once the process is gone. Resolution 10 ms.
 */
export function readCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The fields after "(comm)" start at field 3; comm itself may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1000) / TICKS_PER_SECOND : null;
  } catch {
    return null;
  }
}

/** CPU time all cores spent busy so far (every state but idle and iowait), in ms, from /proc/stat. */
export function readMachineBusyMs(): number | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    // "cpu  user nice system idle iowait irq softirq steal guest guest_nice"; guest time is already in user.
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    const busy = [user, nice, system, irq, softirq, steal].reduce((sum: number, v) => sum + (v ?? 0), 0);
    return Number.isFinite(busy) ? (busy * 1000) / TICKS_PER_SECOND : null;
  } catch {
    return null;
  }
}
