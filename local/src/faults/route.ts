/**
 * The runner's control endpoint for faults, beside the other /_local routes:
 *
 *   GET    /_local/faults   the profile in force, open outages, counts, every fault injected,
 *                           and which functions can fail into each DLQ (feeds.ts)
 *   POST   /_local/faults   a new profile (JSON, the schema of profile.ts); an empty body clears
 *   DELETE /_local/faults   no more faults: open outages end (engines restarted, provider restored)
 */
import type { FaultInjector } from './injector';

export function faultsRoute(
  injector: FaultInjector,
  deadLetterFeeds: () => Record<string, string[]> = () => ({}),
) {
  return (method: string, path: string, body = ''): Promise<unknown> | undefined => {
    if (path !== '/_local/faults') return undefined;
    if (method === 'GET')
      return Promise.resolve({ ...injector.snapshot(), deadLetterFeeds: deadLetterFeeds() });
    if (method === 'DELETE' || (method === 'POST' && !body.trim()))
      return injector.set(undefined).then(() => injector.snapshot());
    if (method === 'POST')
      return (async () => {
        let raw: unknown;
        try {
          raw = JSON.parse(body);
        } catch {
          throw new Error('the fault profile is not JSON');
        }
        await injector.set(raw);
        return injector.snapshot();
      })();
    return undefined;
  };
}
