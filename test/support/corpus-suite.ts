import { describe, it } from 'vitest';
import { corpusAvailable, corpusSkipReason } from './corpus.ts';

/**
 * A suite over corpus files that reads them while it is collected (values shared by its tests). Where the
 * corpus is absent the body never runs — a skipped describe still runs its body to collect its tests —
 * and the suite shows one skipped test naming why.
 */
export function corpusSuite(title: string, body: () => void): void {
  if (corpusAvailable) describe(title, body);
  else describe(title, () => it.skip(corpusSkipReason, () => undefined));
}
