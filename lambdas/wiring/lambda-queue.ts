import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsSendQueue } from '../adapters/sqs-send-queue.js';
import type { SendQueue } from '../core/ports.js';
import type { LambdaTarget } from './lambda.js';

/** The send queue (SQS), for the function that fans out (compose). */
export function lambdaQueue(target: LambdaTarget): SendQueue {
  if (!target.sendQueueUrl) throw new Error('this function was not given the send queue');
  return new SqsSendQueue(new SQSClient({}), target.sendQueueUrl);
}
