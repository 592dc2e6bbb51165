import { readFileSync, writeFileSync } from 'node:fs';

export interface SampledProcess {
  name: string;
  pid: number;
}

export interface RssPeak {
  name: string;
  /** Largest resident set seen, in bytes; null when the process could not be read at all. */
  peakBytes: number | null;
  /** How it was known: the kernel's high-water mark since the reset, or only the samples. */
  source: 'VmHWM' | 'VmRSS samples' | 'none';
  samples: number;
}

interface Tracked extends SampledProcess {
  maxRss: number;
  samples: number;
  hwmReset: boolean;
}

/**
 * Samples VmRSS of a few processes every `intervalMs`, and resets each one's VmHWM at the start
 * (`echo 5 > /proc/<pid>/clear_refs`, Linux ≥ 4.0) so that the kernel's own peak, which no sample can
 * miss, covers exactly the measured window. The peak reported is the larger of the two.
 */
export class RssSampler {
  private readonly tracked: Tracked[];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    processes: SampledProcess[],
    private readonly intervalMs = 50,
  ) {
    this.tracked = processes.map((p) => ({ ...p, maxRss: 0, samples: 0, hwmReset: false }));
  }

  start(): void {
    for (const p of this.tracked) {
      try {
        writeFileSync(`/proc/${p.pid}/clear_refs`, '5');
        p.hwmReset = true;
      } catch {
        // Not permitted or not Linux: the samples alone give the peak.
      }
    }
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  stop(): RssPeak[] {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sample();
    return this.tracked.map((p) => {
      const hwm = p.hwmReset ? readStatusKb(p.pid, 'VmHWM') : null;
      if (hwm !== null && hwm * 1024 >= p.maxRss) return { name: p.name, peakBytes: hwm * 1024, source: 'VmHWM', samples: p.samples };
      if (p.samples > 0) return { name: p.name, peakBytes: p.maxRss, source: 'VmRSS samples', samples: p.samples };
      return { name: p.name, peakBytes: null, source: 'none', samples: 0 };
    });
  }

  private sample(): void {
    for (const p of this.tracked) {
      const rss = readStatusKb(p.pid, 'VmRSS');
      if (rss === null) continue;
      p.samples += 1;
      p.maxRss = Math.max(p.maxRss, rss * 1024);
    }
  }
}

/** One `kB` field of /proc/<pid>/status, or null when the process is gone. */
export function readStatusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] ? Number(match[1]) : null;
  } catch {
    return null;
  }
}
