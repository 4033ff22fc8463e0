/**
 * Runs before every component test file: points the AWS SDK at the run's moto_server
 * (the SDK honours AWS_ENDPOINT_URL, exactly as deployed code does for LocalStack) with
 * throwaway credentials, so no test can ever reach a real AWS account.
 */
import { inject } from 'vitest';

process.env.AWS_ENDPOINT_URL = inject('motoUrl');
process.env.AWS_REGION = 'us-east-1';
process.env.AWS_ACCESS_KEY_ID = 'testing';
process.env.AWS_SECRET_ACCESS_KEY = 'testing';
process.env.AWS_SESSION_TOKEN = 'testing';
delete process.env.AWS_PROFILE;
process.env.POWERTOOLS_DEV = 'true';
process.env.POWERTOOLS_LOG_LEVEL = process.env.TEST_LOG_LEVEL ?? 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
