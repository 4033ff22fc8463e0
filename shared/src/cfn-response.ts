/**
 * The answer a CloudFormation custom resource function owes CloudFormation: a JSON PUT to
 * the pre-signed S3 URL of the request. It must be sent on failure too, or the stack waits
 * an hour for it. (The functions that run migrations live in the VPC; the platform's S3
 * gateway endpoint is what lets them reach that URL without a NAT.)
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';

export interface CfnOutcome {
  status: 'SUCCESS' | 'FAILED';
  reason: string;
  physicalResourceId: string;
  data?: Record<string, string>;
}

export async function sendCfnResponse(
  event: CloudFormationCustomResourceEvent,
  outcome: CfnOutcome,
  fetchImpl: typeof fetch = fetch,
): Promise<void> {
  const body = JSON.stringify({
    Status: outcome.status,
    Reason: outcome.reason.slice(0, 1000),
    PhysicalResourceId:
      'PhysicalResourceId' in event && event.PhysicalResourceId
        ? event.PhysicalResourceId
        : outcome.physicalResourceId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    Data: outcome.data ?? {},
  });
  // The URL is a presigned S3 PUT signed without a content type.
  const response = await fetchImpl(event.ResponseURL, {
    method: 'PUT',
    headers: { 'content-type': '' },
    body,
  });
  if (!response.ok) throw new Error(`CloudFormation response rejected: ${response.status}`);
}
