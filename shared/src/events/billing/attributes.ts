/**
 * The wire contract of a billing message on SNS, besides its body (the JSON envelope):
 * three message attributes. Subscribers' filter policies match on `recordType` and
 * `version`, so a publisher that leaves them out reaches nobody. Shapes are plain objects
 * compatible with the SDK's `MessageAttributeValue`, so this file needs no AWS SDK.
 */
import type { EventContract, EventMetadata } from '../envelope';
import { CORRELATION_ATTRIBUTE, RECORD_TYPE_ATTRIBUTE, VERSION_ATTRIBUTE } from './common';

export interface WireAttribute {
  DataType: 'String' | 'Number';
  StringValue: string;
}

export function billingMessageAttributes(metadata: EventMetadata): Record<string, WireAttribute> {
  return {
    [RECORD_TYPE_ATTRIBUTE]: { DataType: 'String', StringValue: metadata.eventType },
    [VERSION_ATTRIBUTE]: { DataType: 'Number', StringValue: String(metadata.version) },
    [CORRELATION_ATTRIBUTE]: { DataType: 'String', StringValue: metadata.correlationId },
  };
}

/**
 * The subscription filter policy (scope MessageAttributes) for the contracts a subscriber
 * declares: the record types, and the versions as exact numeric matches (SNS numeric
 * matching: https://docs.aws.amazon.com/sns/latest/dg/numeric-value-matching.html).
 * Policies are AND across keys, OR within a key; with several types on different versions
 * the consumer's own parse (parseEnvelope) stays the final word.
 */
export function filterPolicyFor(contracts: readonly EventContract<unknown>[]) {
  const types = [...new Set(contracts.map((c) => c.type))].sort();
  const versions = [...new Set(contracts.map((c) => c.version))].sort((a, b) => a - b);
  return {
    [RECORD_TYPE_ATTRIBUTE]: types,
    [VERSION_ATTRIBUTE]: versions.map((v) => ({ numeric: ['=', v] as [string, number] })),
  };
}
