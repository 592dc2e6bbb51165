/** Pretty-printed while small (read by people); compact past 1 MiB, where indentation only costs. */
export function formatJson(value: unknown): string {
  const compact = JSON.stringify(value);
  return compact.length > 1 << 20 ? `${compact}\n` : `${JSON.stringify(value, null, 2)}\n`;
}
