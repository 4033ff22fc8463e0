/** How a Postgres client error reads: pure, so domain code can ask without importing pg. */

/**
 * The database cannot be reached right now (a restart, a failover, a network blip): the
 * connection was refused, reset or timed out, the server is shutting down or starting
 * (57P01-57P03), or the connection failed (SQLSTATE class 08). Worth waiting for; a
 * query the server answered with an error is not.
 */
export function isUnreachable(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null | undefined;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN'].includes(code))
    return true;
  if (['57P01', '57P02', '57P03'].includes(code) || code.startsWith('08')) return true;
  return (
    typeof e?.message === 'string' &&
    /Connection terminated|timeout exceeded when trying to connect/i.test(e.message)
  );
}
