import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.ts';
import { readWorkTally } from '../../src/metrics/work-tally.ts';

/** A stream that keeps the lines written to it. */
function sink(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, lines };
}

describe('createLogger: lines counted by level (dsv_log_lines_total)', () => {
  it('when lines are logged, by the logger and a child, then each level counts the lines written at it, and a level turned off counts none', () => {
    const out = sink();
    const logger = createLogger('test', 'info', out.stream);
    const before = readWorkTally().logLines;
    logger.info({ n: 1 }, 'one');
    logger.child({ requestId: 'r-1' }).info('two');
    logger.warn('three');
    logger.debug('not written: below the level');
    const after = readWorkTally().logLines;
    const delta = (level: string): number => (after[level] ?? 0) - (before[level] ?? 0);
    expect([delta('info'), delta('warn'), delta('debug')]).toEqual([2, 1, 0]);
    expect(out.lines.map((line) => (JSON.parse(line) as { level: string }).level)).toEqual(['info', 'info', 'warn']);
  });

  it('when the logger is silent, then nothing is written and nothing counted', () => {
    const before = readWorkTally().logLines;
    createLogger('test', 'silent').error('never');
    expect(readWorkTally().logLines).toEqual(before);
  });
});
