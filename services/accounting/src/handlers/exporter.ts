/** The one thing both accounting handlers do with a record: write its export line. */
import type { EventContract } from '@order-platform/shared/events/envelope';
import type { DeadLetter } from '@order-platform/shared/consumers/dead-letter';
import { makeSubscriber } from '@order-platform/shared/events/billing/subscriber';
import { logger } from '@order-platform/shared/observability';
import { exportLineFor } from '../domain/export-line';
import type { PutExportObject } from '../domain/ports';

export interface ExporterDeps {
  putExport: PutExportObject;
  deadLetter: DeadLetter;
}

export function makeExporter<C extends EventContract<unknown>>(accepted: readonly C[], deps: ExporterDeps) {
  return makeSubscriber({
    accepted,
    deadLetter: deps.deadLetter,
    handle: async ({ event }) => {
      const line = exportLineFor(event);
      await deps.putExport(line.key, line.body);
      logger.info('Exported', { recordType: event.metadata.eventType, key: line.key });
    },
  });
}
