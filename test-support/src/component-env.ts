/**
 * Runs before every component test file: points the AWS SDK at the run's moto_server
 * (the SDK honours AWS_ENDPOINT_URL, exactly as deployed code does for LocalStack) with
 * throwaway credentials, so no test can ever reach a real AWS account.
 *
 * moto applies DynamoDB transactions and conditional writes without isolation between
 * concurrent requests (see serial-gate.ts). Each test file therefore talks to DynamoDB
 * through its own one-request-at-a-time gate, so concurrency tests see DynamoDB's real
 * semantics. A test may still point AWS_ENDPOINT_URL_DYNAMODB elsewhere before it
 * builds its clients.
 */
import { afterAll, inject } from 'vitest';
import { startSerialGate } from './serial-gate';

process.env.AWS_ENDPOINT_URL = inject('motoUrl');
process.env.AWS_REGION = 'us-east-1';
process.env.AWS_ACCESS_KEY_ID = 'testing';
process.env.AWS_SECRET_ACCESS_KEY = 'testing';
process.env.AWS_SESSION_TOKEN = 'testing';
delete process.env.AWS_PROFILE;
process.env.POWERTOOLS_DEV = 'true';
process.env.POWERTOOLS_LOG_LEVEL = process.env.TEST_LOG_LEVEL ?? 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const gate = await startSerialGate(process.env.AWS_ENDPOINT_URL);
process.env.AWS_ENDPOINT_URL_DYNAMODB = gate.url;
afterAll(() => gate.stop());
