/** Headers that cross the three services. */
export const Headers = {
  requestId: 'x-request-id',
  correlationId: 'x-correlation-id',
  studyId: 'x-study-id',
  /** GET /v1/studies/<uid>/instances: the last delivery the listed instances reach (StudyInstances.lastDeliveryId). */
  lastDeliveryId: 'x-last-delivery-id',
} as const;

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A caller's id is echoed back and logged only when it is short and plain. */
export function acceptId(value: unknown): string | undefined {
  return typeof value === 'string' && SAFE_ID.test(value) ? value : undefined;
}
