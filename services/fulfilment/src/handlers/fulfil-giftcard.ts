/**
 * Task: a gift card line -> one code (80 random bits), stored as its SHA-256 only; the
 * plaintext waits on the line until the customer's first read takes it (get-fulfilment.ts).
 */
import { withObservability } from '@order-platform/shared/observability';
import { giftCardHash, newGiftCardCode } from '../domain/fulfilment';
import type { FulfilmentStore } from '../domain/ports';
import { store } from './deps';
import { taskHandler } from './task';

export function makeHandler(deps: { store: FulfilmentStore; newCode?: () => string; now?: () => Date }) {
  const newCode = deps.newCode ?? (() => newGiftCardCode());
  return taskHandler('giftcard', deps, async (line, now) => {
    const plain = newCode();
    await deps.store.giftCardIssued(line, { hash: giftCardHash(plain), plain }, now);
  });
}

export const handler = withObservability(makeHandler({ store: store() }));
