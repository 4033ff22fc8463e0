import { readFileSync } from 'node:fs';
import { parseProfile, type FaultProfile } from './profile';

/** A profile file, read and checked (the error names the file and every wrong field). */
export function readProfileFile(path: string): FaultProfile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read the fault profile ${path}: ${(e as Error).message}`, { cause: e });
  }
  try {
    return parseProfile(raw);
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`, { cause: e });
  }
}
