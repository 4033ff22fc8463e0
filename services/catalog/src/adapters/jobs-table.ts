/**
 * DynamoDB adapter for the import jobs table: one item per job (jobId HASH), gathered by
 * conditional writes on that single item, so no transaction is needed anywhere:
 *
 * - a chunk is counted by one UpdateItem that adds its index to the `doneChunks` set and
 *   its counts to the counters, on the condition that the set does not hold it yet: a
 *   chunk delivered twice, or retried after a worker died, is counted once;
 * - the job is completed by one UpdateItem RUNNING -> COMPLETED on the condition that
 *   `chunksDone = chunksTotal`: only one caller can ever win it;
 * - the announcement (report + event) is recorded once, `attribute_not_exists(announcedAt)`.
 *
 * Job items expire (TTL) 90 days after the job started.
 */
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type {
  ClaimCompletion,
  CreateJob,
  FailJob,
  FinishSplit,
  GetJob,
  MarkAnnounced,
  RecordChunk,
} from '../domain/ports';
import type { ImportJob } from '../domain/job';

export const JOB_TTL_SECONDS = 90 * 24 * 60 * 60;

export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

type Item = Record<string, unknown>;

function fromItem(item: Item): ImportJob {
  const { doneChunks: _done, expiresAt: _ttl, bucket, objectKey, etag, ...rest } = item;
  return {
    ...(rest as unknown as ImportJob),
    source: { bucket, key: objectKey, etag } as ImportJob['source'],
  };
}

const isConditionFailure = (e: unknown) => e instanceof ConditionalCheckFailedException;

/** A conditional write's answer, or undefined when its condition did not hold (someone got there first). */
async function ifConditionHeld<T>(write: Promise<T>): Promise<T | undefined> {
  try {
    return await write;
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}

/** `#a` names and `:a` values for every attribute an expression uses (many are reserved words). */
function names(...attrs: string[]): Record<string, string> {
  return Object.fromEntries(attrs.map((a) => [`#${a}`, a]));
}

export function buildGetJob(doc: DynamoDBDocumentClient, table: string): GetJob {
  return async (jobId) => {
    const out = await doc.send(new GetCommand({ TableName: table, Key: { jobId }, ConsistentRead: true }));
    return out.Item ? fromItem(out.Item) : undefined;
  };
}

export function buildCreateJob(doc: DynamoDBDocumentClient, table: string): CreateJob {
  const getJob = buildGetJob(doc, table);
  return async (job) => {
    const written = await ifConditionHeld(
      doc.send(
        new PutCommand({
          TableName: table,
          Item: {
            jobId: job.jobId,
            bucket: job.source.bucket,
            objectKey: job.source.key,
            etag: job.source.etag,
            mode: job.mode,
            status: 'RUNNING',
            startedAt: job.startedAt,
            chunksDone: 0,
            created: 0,
            updated: 0,
            unchanged: 0,
            stockAdjustments: 0,
            expiresAt: Math.floor(Date.parse(job.startedAt) / 1000) + JOB_TTL_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(jobId)',
        }),
      ),
    );
    return written ? { created: true } : { created: false, job: (await getJob(job.jobId))! };
  };
}

export function buildFinishSplit(doc: DynamoDBDocumentClient, table: string): FinishSplit {
  const getJob = buildGetJob(doc, table);
  return async (jobId, totals, now) => {
    const out = await ifConditionHeld(
      doc.send(
        new UpdateCommand({
          TableName: table,
          Key: { jobId },
          UpdateExpression:
            'SET #chunksTotal = :total, #rows = :rows, #rejected = :rejected, #splitAt = :now',
          // A second splitter of the same file version reads the same chunks: same totals.
          ConditionExpression:
            '#status = :running AND (attribute_not_exists(#chunksTotal) OR #chunksTotal = :total)',
          ExpressionAttributeNames: names('chunksTotal', 'rows', 'rejected', 'splitAt', 'status'),
          ExpressionAttributeValues: {
            ':total': totals.chunksTotal,
            ':rows': totals.rows,
            ':rejected': totals.rejected,
            ':now': now,
            ':running': 'RUNNING',
          },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return out ? fromItem(out.Attributes!) : (await getJob(jobId))!;
  };
}

export function buildFailJob(doc: DynamoDBDocumentClient, table: string): FailJob {
  return async (jobId, message, now) => {
    await ifConditionHeld(
      doc.send(
        new UpdateCommand({
          TableName: table,
          Key: { jobId },
          UpdateExpression: 'SET #status = :failed, #error = :error, #failedAt = :now',
          ConditionExpression: '#status = :running',
          ExpressionAttributeNames: names('status', 'error', 'failedAt'),
          ExpressionAttributeValues: {
            ':failed': 'FAILED',
            ':running': 'RUNNING',
            ':error': message,
            ':now': now,
          },
        }),
      ),
    );
  };
}

export function buildRecordChunk(doc: DynamoDBDocumentClient, table: string): RecordChunk {
  const getJob = buildGetJob(doc, table);
  return async (jobId, index, counts, now) => {
    try {
      const out = await doc.send(
        new UpdateCommand({
          TableName: table,
          Key: { jobId },
          UpdateExpression:
            'ADD #doneChunks :chunk, #chunksDone :one, #created :created, #updated :updated, #unchanged :unchanged, #stockAdjustments :stock SET #lastChunkAt = :now',
          ConditionExpression: 'attribute_exists(#jobId) AND NOT contains(#doneChunks, :index)',
          ExpressionAttributeNames: names(
            'jobId',
            'doneChunks',
            'chunksDone',
            'created',
            'updated',
            'unchanged',
            'stockAdjustments',
            'lastChunkAt',
          ),
          ExpressionAttributeValues: {
            ':chunk': new Set([index]),
            ':index': index,
            ':one': 1,
            ':created': counts.created,
            ':updated': counts.updated,
            ':unchanged': counts.unchanged,
            ':stock': counts.stockAdjustments,
            ':now': now,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { duplicate: false, job: fromItem(out.Attributes!) };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const job = await getJob(jobId);
      if (!job) throw new Error(`Chunk ${index} of an unknown import job ${jobId}`, { cause: error });
      return { duplicate: true, job };
    }
  };
}

export function buildClaimCompletion(doc: DynamoDBDocumentClient, table: string): ClaimCompletion {
  return async (jobId, now) => {
    const out = await ifConditionHeld(
      doc.send(
        new UpdateCommand({
          TableName: table,
          Key: { jobId },
          UpdateExpression: 'SET #status = :completed, #completedAt = :now',
          ConditionExpression: '#status = :running AND #chunksDone = #chunksTotal',
          ExpressionAttributeNames: names('status', 'completedAt', 'chunksDone', 'chunksTotal'),
          ExpressionAttributeValues: { ':completed': 'COMPLETED', ':running': 'RUNNING', ':now': now },
        }),
      ),
    );
    return out !== undefined;
  };
}

export function buildMarkAnnounced(doc: DynamoDBDocumentClient, table: string): MarkAnnounced {
  return async (jobId, deactivated, now) => {
    const out = await ifConditionHeld(
      doc.send(
        new UpdateCommand({
          TableName: table,
          Key: { jobId },
          UpdateExpression: 'SET #announcedAt = :now, #deactivated = :deactivated',
          ConditionExpression: 'attribute_not_exists(#announcedAt)',
          ExpressionAttributeNames: names('announcedAt', 'deactivated'),
          ExpressionAttributeValues: { ':now': now, ':deactivated': deactivated },
        }),
      ),
    );
    return out !== undefined;
  };
}
