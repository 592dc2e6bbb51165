/**
 * A document of a study of at most this many instances is pretty-printed (read by people); a larger
 * one compact, where indentation only costs (it is rewritten as the study grows).
 */
export const PRETTY_MAX_INSTANCES = 100;

/** The JSON of a document, serialised once: pretty while its study is small. */
export function formatJson(value: unknown, instances: number): string {
  return instances > PRETTY_MAX_INSTANCES ? `${JSON.stringify(value)}\n` : `${JSON.stringify(value, null, 2)}\n`;
}
