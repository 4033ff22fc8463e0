import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, intEnv, loadConfig, requireEnv } from './config';

afterEach(() => vi.unstubAllEnvs());

describe('fail-fast config', () => {
  it('throws a named error for a missing or blank variable', () => {
    vi.stubEnv('SOME_NAME', '  ');
    expect(() => requireEnv('SOME_NAME')).toThrow(ConfigError);
    expect(() => loadConfig(['NOT_SET_ANYWHERE'])).toThrow(/NOT_SET_ANYWHERE/);
  });

  it('parses integers strictly', () => {
    vi.stubEnv('N', '12');
    expect(intEnv('N')).toBe(12);
    vi.stubEnv('N', '1.5');
    expect(() => intEnv('N')).toThrow(/integer/);
    expect(intEnv('UNSET_N', 7)).toBe(7);
  });
});
