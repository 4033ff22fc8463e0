/**
 * Fail-fast configuration. Every handler reads its environment once, at module
 * scope, through these helpers: a missing name stops the container at cold start
 * with a clear message instead of failing later on the first request that needs it.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value.trim() === '') {
    throw new ConfigError(`Missing required environment variable ${name}`);
  }
  return value;
}

export function optionalEnv(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

export function intEnv(name: string, fallback?: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') {
    if (fallback === undefined) throw new ConfigError(`Missing required environment variable ${name}`);
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isInteger(value))
    throw new ConfigError(`Environment variable ${name} must be an integer, got "${raw}"`);
  return value;
}

/** Reads a fixed set of names at once: `const cfg = loadConfig(['TABLE_NAME', 'EVENT_BUS_NAME'])`. */
export function loadConfig<const K extends string>(names: readonly K[]): Record<K, string> {
  const out = {} as Record<K, string>;
  for (const name of names) out[name] = requireEnv(name);
  return out;
}
