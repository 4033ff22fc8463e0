/**
 * Reading the packaged CloudFormation the way CloudFormation does. The intrinsic
 * functions are resolved by the repository's one resolver,
 * test-support/src/cfn-intrinsics.ts (shared with the component tests' helpers): the
 * runner provisions a stack's resources in dependency order by trying to resolve each
 * one; a reference to a resource not created yet raises `NotYetError`, and the resource
 * waits for the next pass.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export {
  ACCOUNT,
  NotYetError,
  REGION,
  evaluateConditions,
  referencedIds,
  resolve,
  type Scope,
} from '@order-platform/test-support/cfn-intrinsics';
/** Where `npm run package -- --stage local --out .serverless-local` leaves each stack. */
export const PACKAGE_DIR = '.serverless-local';

export interface CfnTemplate {
  Parameters?: Record<string, { Default?: string; Type?: string }>;
  Conditions?: Record<string, unknown>;
  Resources: Record<
    string,
    { Type: string; Properties?: Record<string, unknown>; Condition?: string; DependsOn?: string | string[] }
  >;
  Outputs?: Record<string, { Value: unknown; Condition?: string; Export?: { Name: unknown } }>;
}

export function templatePath(root: string, stack: string): string {
  return join(root, stack, PACKAGE_DIR, 'cloudformation-template-update-stack.json');
}

export function loadPackagedTemplate(root: string, stack: string): CfnTemplate {
  const file = templatePath(root, stack);
  if (!existsSync(file)) throw new Error(`${stack} is not packaged for the local stage (${file} missing)`);
  return JSON.parse(readFileSync(file, 'utf8')) as CfnTemplate;
}

export function packagedAt(root: string, stack: string): number {
  const file = templatePath(root, stack);
  return existsSync(file) ? statSync(file).mtimeMs : 0;
}
