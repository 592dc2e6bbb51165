import type { AssociationEventType, EventBus, EventPayloads, LifecycleEvent, Logger } from '@dsv/common';
import type { GatewayData } from '../data/gateway-data.ts';

/** Publishes one of an association's events and returns it, for its status to list. */
export type AnnounceAssociation = <T extends AssociationEventType>(
  type: T,
  associationId: string,
  data: EventPayloads[T],
) => LifecycleEvent<T>;

export interface AnnounceAssociationDeps {
  events: EventBus;
  feed: Pick<GatewayData, 'appendEvent'>;
  logger: Logger;
}

/**
 * An association's lifecycle event goes on the bus (logged as one line, counted in the metrics) and into
 * the durable feed (GET /events), under the association's id, which is also the correlationId of its
 * instances' deliveries. A feed that cannot be written (the database closed at shutdown) is logged, not
 * thrown: the DICOM exchange itself is not undone by it.
 */
export function announceAssociationWith({ events, feed, logger }: AnnounceAssociationDeps): AnnounceAssociation {
  return (type, associationId, data) => {
    const event = events.publish(type, { studyId: associationId, correlationId: associationId }, data);
    // A generic LifecycleEvent<T> is one member of the union; TypeScript cannot see it without the cast.
    feed
      .appendEvent(event as LifecycleEvent)
      .catch((error: unknown) => logger.error({ associationId, type, err: error }, 'dimse: association event not written to the feed'));
    return event;
  };
}
