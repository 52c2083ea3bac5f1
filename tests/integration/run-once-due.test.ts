import { describe, expect, it } from 'vitest';
import { dueEditions } from '../../cli/local/pipeline.js';
import { parseConfig } from '../../lambdas/core/config.js';
import type { Issue } from '../../lambdas/core/issue.js';
import { MemoryIssueStore } from '../support/fakes/delivery.js';

const config = parseConfig({
  stage: 'test',
  baseUrl: 'http://127.0.0.1:3000',
  sender: { address: 'digest@tidings.example', name: 'Tidings', domain: 'tidings.example' },
  postalAddress: '1 Example Street, Springfield',
  editions: [
    { id: 'dc', name: 'D.C.', timeZone: 'America/New_York', sendTime: '06:30', sendDays: ['mon', 'tue'] },
    { id: 'sg', name: 'SG', timeZone: 'Asia/Singapore', sendTime: '07:30' },
  ],
});

function issue(id: string, state: Issue['state']): Issue {
  const [edition = '', ...date] = id.split('-');
  return {
    id,
    edition,
    localDate: date.join('-'),
    state,
    cutoff: '2026-11-20T00:00:00.000Z',
    briefIds: [],
    briefs: [],
    counts: { enqueued: 0, fanouts: 0 },
    createdAt: '2026-11-20T00:00:00.000Z',
    updatedAt: '2026-11-20T00:00:00.000Z',
  };
}

const ids = async (issues: MemoryIssueStore, now: string): Promise<string[]> =>
  (await dueEditions(config, issues, new Date(now))).map((e) => e.id);

describe('dueEditions', () => {
  it('takes every edition that never sent an issue, due or not', async () => {
    // Monday 30 November 2026, 05:00 in New York and 18:00 in Singapore.
    expect(await ids(new MemoryIssueStore(), '2026-11-30T10:00:00.000Z')).toEqual(['dc', 'sg']);
  });

  it('takes an edition whose send time has come today and whose issue for today does not exist', async () => {
    const issues = new MemoryIssueStore();
    await issues.create(issue('dc-2026-11-27', 'sent'));
    await issues.create(issue('sg-2026-11-30', 'sent'));
    expect(await ids(issues, '2026-11-30T10:00:00.000Z')).toEqual([]);
    expect(await ids(issues, '2026-11-30T11:31:00.000Z')).toEqual(['dc']);
  });

  it('leaves out an edition on a day it does not send', async () => {
    const issues = new MemoryIssueStore();
    await issues.create(issue('dc-2026-11-27', 'sent'));
    await issues.create(issue('sg-2026-12-02', 'sent'));
    // Wednesday 2 December: dc sends Mondays and Tuesdays only.
    expect(await ids(issues, '2026-12-02T12:00:00.000Z')).toEqual([]);
  });

  it('tries a skipped day again once its send time has come, and leaves a held one alone', async () => {
    const issues = new MemoryIssueStore();
    await issues.create(issue('dc-2026-11-27', 'sent'));
    await issues.create(issue('dc-2026-11-30', 'skipped'));
    await issues.create(issue('sg-2026-11-29', 'sent'));
    await issues.create(issue('sg-2026-11-30', 'held'));
    expect(await ids(issues, '2026-11-30T12:00:00.000Z')).toEqual(['dc']);
  });
});
