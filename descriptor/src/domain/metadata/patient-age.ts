/** An Age String (AS, PS3.5 §6.2): 'nnnD', 'nnnW', 'nnnM' or 'nnnY', e.g. '045Y' -> 45 years. */
export interface PatientAge {
  value: number;
  unit: 'days' | 'weeks' | 'months' | 'years';
}

const UNITS = { D: 'days', W: 'weeks', M: 'months', Y: 'years' } as const;

export function parsePatientAge(value: string | undefined): PatientAge | null {
  const match = /^(\d{3})([DWMY])$/.exec(value?.trim() ?? '');
  if (!match) return null;
  return { value: Number(match[1]), unit: UNITS[match[2] as keyof typeof UNITS] };
}
