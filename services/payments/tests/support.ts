import { createTableFromTemplate as createFromTemplate } from '@order-platform/test-support/aws';

// One gate implementation for both of this agent's services (see its header for why).
export { startSerialGate, type SerialGate } from '@order-platform/test-support/serial-gate';

export const STACK = 'services/payments';

export { newOrderId, uniqueName as unique } from '@order-platform/test-support/aws';

/** A table with the key schema of this stack's packaged template resource. */
export const createTableFromTemplate = (logicalId: string, tableName: string) =>
  createFromTemplate(STACK, logicalId, tableName);

/** A clock shared by the "containers" of a test, moved by hand: cool-downs pass without waiting. */
export function manualClock(start = Date.now()) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

export const settle = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (e as Error).name,
  );
