/**
 * IAM in the local platform: every function's packaged role enforced on the AWS calls it
 * makes (see gateway.ts). The runner's own calls do not go through it.
 */
export { startIamGateway, type IamGateway, type Denial } from './gateway';
export {
  accessKeyOf,
  identitiesOf,
  integrationRoleKeyOf,
  requestContextOf,
  stateMachineKeyOf,
} from './identities';
export { evaluate, principalArnOf, type RoleIdentity } from './policy';
export { deniedMessage } from './errors';
export { stateMachineIam } from './machines';
export { ResourcePolicies, topicPolicies, type Delivery, type ResourceDecision } from './resource-policies';
