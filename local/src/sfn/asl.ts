/**
 * The Amazon States Language as the engine needs it: the definition from a resolved
 * AWS::StepFunctions::StateMachine resource, every Task state in it (nested Parallel
 * branches and Map iterators included: state names are unique across a machine), and
 * the one change made before running it (default Task timeouts, see withTaskTimeouts).
 */
import type { LocalResource } from '../types';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface TaskState {
  Type: 'Task';
  Resource: string;
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  HeartbeatSeconds?: number;
  HeartbeatSecondsPath?: string;
  [field: string]: Json;
}

/** The definition text as deployed: `DefinitionString` (or `Definition`), substitutions applied. */
export function definitionText(resource: LocalResource): string {
  const p = resource.properties;
  let text: string =
    typeof p.DefinitionString === 'string'
      ? p.DefinitionString
      : JSON.stringify(p.Definition ?? p.DefinitionString ?? {});
  for (const [name, value] of Object.entries((p.DefinitionSubstitutions ?? {}) as Record<string, unknown>)) {
    text = text.split('${' + name + '}').join(String(value));
  }
  return text;
}

/** Calls `fn` for every state of the machine, nested ones included. */
export function forEachState(definition: Json, fn: (name: string, state: Json) => void): void {
  for (const [name, state] of Object.entries((definition?.States ?? {}) as Record<string, Json>)) {
    fn(name, state);
    if (state.Type === 'Parallel') for (const branch of state.Branches ?? []) forEachState(branch, fn);
    if (state.Type === 'Map') forEachState(state.ItemProcessor ?? state.Iterator, fn);
  }
}

export function taskStates(definition: Json): Map<string, TaskState> {
  const tasks = new Map<string, TaskState>();
  forEachState(definition, (name, state) => {
    if (state.Type === 'Task') tasks.set(name, state as TaskState);
  });
  return tasks;
}

export function stateTypes(definition: Json): Map<string, string> {
  const types = new Map<string, string>();
  forEachState(definition, (name, state) => types.set(name, String(state.Type)));
  return types;
}

/** The longest delay setTimeout honours (a longer one fires at once): about 24.8 days. */
export const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/**
 * A copy of the definition in which every Task without TimeoutSeconds(Path) gets the
 * longest timer Node allows. aws-local-stepfunctions times such a Task out after 60 s;
 * AWS lets it run (a callback task waits up to a year), and a saga's human-paced wait
 * must not fail locally when it would not in AWS.
 */
export function withTaskTimeouts(definition: Json): Json {
  const copy = structuredClone(definition);
  forEachState(copy, (_name, state) => {
    if (state.Type === 'Task' && state.TimeoutSeconds === undefined && !state.TimeoutSecondsPath) {
      state.TimeoutSeconds = MAX_TIMER_SECONDS;
    }
  });
  return copy;
}
