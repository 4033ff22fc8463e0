import { describe, expect, it } from 'vitest';
import { Admission, claimOf, type Claim } from './serial-gate';

const dynamo = (operation: string, body: unknown) =>
  claimOf(`DynamoDB_20120810.${operation}`, Buffer.from(JSON.stringify(body)));

const read = (...tables: string[]): Claim => ({ tables: new Set(tables), exclusive: false });
const write = (...tables: string[]): Claim => ({ tables: new Set(tables), exclusive: true });

/** Enters each claim in order and reports which have been admitted so far. */
function harness(claims: Claim[]) {
  const admission = new Admission();
  const admitted: number[] = [];
  const leaves = new Map<number, () => void>();
  claims.forEach((claim, i) => {
    void admission.enter(claim).then((leave) => {
      admitted.push(i);
      leaves.set(i, leave);
    });
  });
  return {
    admitted,
    settle: () => new Promise<void>((r) => setImmediate(r)),
    leave: (i: number) => leaves.get(i)!(),
  };
}

describe('the gate in front of moto: which requests it lets overlap', () => {
  it('names the tables of reads and writes from the DynamoDB JSON body', () => {
    expect(dynamo('GetItem', { TableName: 'orders' })).toEqual(read('orders'));
    expect(dynamo('UpdateItem', { TableName: 'orders' })).toEqual(write('orders'));
    expect(dynamo('BatchGetItem', { RequestItems: { a: {}, b: {} } })).toEqual(read('a', 'b'));
    expect(
      dynamo('TransactWriteItems', {
        TransactItems: [{ Put: { TableName: 'stock' } }, { ConditionCheck: { TableName: 'holds' } }],
      }),
    ).toEqual(write('stock', 'holds'));
  });

  it('holds the whole engine for anything it cannot place: other protocols, control plane, bad bodies', () => {
    const everything = { tables: '*', exclusive: true };
    expect(claimOf('AmazonSQS.ReceiveMessage', Buffer.from('{}'))).toEqual(everything);
    expect(claimOf(undefined, Buffer.from('Action=SendMessage'))).toEqual(everything);
    expect(dynamo('CreateTable', { TableName: 'orders' })).toEqual(everything);
    expect(claimOf('DynamoDB_20120810.GetItem', Buffer.from('{not json'))).toEqual(everything);
    expect(dynamo('GetItem', {})).toEqual(everything);
    expect(dynamo('TransactWriteItems', { TransactItems: [{ Put: {} }] })).toEqual(everything);
  });

  it('lets reads overlap, and writes on other tables', async () => {
    const h = harness([read('orders'), read('orders'), write('stock'), read('stock', 'x')]);
    await h.settle();
    expect(h.admitted).toEqual([0, 1, 2]);
    h.leave(2);
    await h.settle();
    expect(h.admitted).toEqual([0, 1, 2, 3]);
  });

  it('runs a write alone on its table, after the reads before it and before the reads after it', async () => {
    const h = harness([read('orders'), write('orders'), read('orders'), read('other')]);
    await h.settle();
    expect(h.admitted).toEqual([0, 3]);
    h.leave(0);
    await h.settle();
    expect(h.admitted).toEqual([0, 3, 1]);
    h.leave(1);
    await h.settle();
    expect(h.admitted).toEqual([0, 3, 1, 2]);
  });

  it('runs a request that holds the whole engine alone, in its turn', async () => {
    const everything: Claim = { tables: '*', exclusive: true };
    const h = harness([read('a'), everything, read('b')]);
    await h.settle();
    expect(h.admitted).toEqual([0]);
    h.leave(0);
    await h.settle();
    expect(h.admitted).toEqual([0, 1]);
    h.leave(1);
    await h.settle();
    expect(h.admitted).toEqual([0, 1, 2]);
  });
});
