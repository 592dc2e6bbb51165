import { corpusPath } from '../../../test/support/corpus.ts';
import { dcmdumpValues } from '../../../test/support/dcmdump-reference.ts';

/**
 * The value dcmdump printed for a keyword of a corpus file ('' when present without a value). Throws when
 * the reference lacks it, so a test never compares against a value nobody read.
 */
export function referenceValues(corpusRelative: string): (keyword: string) => string {
  const values = dcmdumpValues(corpusPath(corpusRelative));
  if (!values) throw new Error(`no dcmdump reference for ${corpusRelative}`);
  return (keyword) => {
    const value = values.get(keyword);
    if (value === undefined) throw new Error(`the dcmdump reference of ${corpusRelative} has no ${keyword}`);
    return value;
  };
}
