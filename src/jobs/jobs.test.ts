// Proves the job layer runs each tick of a periodic job once across several "processes" (job
// runners with their own identity on one database), hands a job on when its runner dies
// mid-run (lease), records failures, and in local mode is a plain timer per process.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../shared/index.ts';
import { openTestStore, type TestStore } from '../testing/test-store.ts';
import { createJobs, type Jobs } from './index.ts';

let store: TestStore;
const clock = new ManualClock(Date.UTC(2026, 10, 24, 4, 0, 0));

before(async () => {
  store = await openTestStore();
});
after(async () => {
  await store?.close();
});

const quiet = { error: () => {} };

function runners(count: number, register: (jobs: Jobs, index: number) => void): Jobs[] {
  return Array.from({ length: count }, (_, index) => {
    const jobs = createJobs({ db: store.db, clock, mode: 'shared', logger: quiet, instanceId: `p${index}` });
    register(jobs, index);
    return jobs;
  });
}

describe('jobs, shared mode', () => {
  test('three processes tick together: each tick runs once, on one of them', async () => {
    const ranBy: number[] = [];
    const processes = runners(3, (jobs, index) =>
      jobs.register({
        name: 'test.once-per-tick',
        intervalMs: 1_000,
        run: async () => {
          ranBy.push(index);
        },
      }),
    );
    for (let tick = 0; tick < 5; tick++) {
      const ran = await Promise.all(processes.map((jobs) => jobs.tickAll()));
      assert.equal(ran.flat().length, 1, `tick ${tick}: exactly one process ran the job`);
      // Not yet due again: nobody runs it.
      const early = await Promise.all(processes.map((jobs) => jobs.tickAll()));
      assert.equal(early.flat().length, 0, `tick ${tick}: a second tick within the interval runs nothing`);
      clock.advance(1_000);
    }
    assert.equal(ranBy.length, 5);
    const row = await store.db
      .selectFrom('job_schedule')
      .selectAll()
      .where('name', '=', 'test.once-per-tick')
      .executeTakeFirstOrThrow();
    assert.equal(row.runs, 5n);
    assert.equal(row.leased_by, null, 'the lease is released after each run');
  });

  test('a runner that dies mid-run keeps the job until its lease ends; then another takes it', async () => {
    let hung = false;
    let ranByOther = 0;
    const [dying, other] = runners(2, (jobs, index) =>
      jobs.register({
        name: 'test.lease',
        intervalMs: 1_000,
        leaseMs: 30_000,
        run: () => {
          if (index === 0) {
            hung = true;
            return new Promise(() => {}); // never finishes: a process killed mid-run
          }
          ranByOther += 1;
          return Promise.resolve();
        },
      }),
    );
    void dying!.tickAll();
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(hung, 'the first runner claimed the job');
    clock.advance(5_000);
    assert.deepEqual(await other!.tickAll(), [], 'leased: not taken over while the lease lasts');
    clock.advance(30_000);
    assert.deepEqual(await other!.tickAll(), ['test.lease'], 'the lease ran out: taken over');
    assert.equal(ranByOther, 1);
  });

  test('a failing run is recorded and the next tick runs again', async () => {
    let calls = 0;
    const [jobs] = runners(1, (j) =>
      j.register({
        name: 'test.failing',
        intervalMs: 1_000,
        run: async () => {
          calls += 1;
          if (calls === 1) throw new Error('bank connector down');
        },
      }),
    );
    assert.deepEqual(await jobs!.tickAll(), ['test.failing']);
    const failed = await store.db
      .selectFrom('job_schedule')
      .select('last_error')
      .where('name', '=', 'test.failing')
      .executeTakeFirstOrThrow();
    assert.equal(failed.last_error, 'bank connector down');
    clock.advance(1_000);
    assert.deepEqual(await jobs!.tickAll(), ['test.failing']);
    assert.equal(calls, 2);
  });

  test('registration is checked: names, intervals, duplicates', () => {
    const jobs = createJobs({ db: store.db, clock, mode: 'shared', logger: quiet });
    assert.throws(() => jobs.register({ name: 'Bad Name', intervalMs: 1_000, run: async () => {} }));
    assert.throws(() => jobs.register({ name: 'test.fast', intervalMs: 1, run: async () => {} }));
    jobs.register({ name: 'test.dup', intervalMs: 1_000, run: async () => {} });
    assert.throws(() => jobs.register({ name: 'test.dup', intervalMs: 1_000, run: async () => {} }));
  });
});

describe('jobs, local mode', () => {
  test('every tick runs in this process, a run in progress makes the next tick skip, nothing is written', async () => {
    let release: () => void = () => {};
    let calls = 0;
    const jobs = createJobs({ db: store.db, clock, mode: 'local', logger: quiet });
    jobs.register({
      name: 'test.local',
      intervalMs: 1_000,
      run: () => {
        calls += 1;
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
    });
    const first = jobs.tickAll();
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(await jobs.tickAll(), [], 'still running: skipped');
    release();
    assert.deepEqual(await first, ['test.local']);
    const second = jobs.tickAll();
    await new Promise((r) => setTimeout(r, 20));
    release();
    assert.deepEqual(await second, ['test.local'], 'no interval bookkeeping in local mode');
    assert.equal(calls, 2);
    const rows = await store.db
      .selectFrom('job_schedule')
      .select('name')
      .where('name', '=', 'test.local')
      .execute();
    assert.deepEqual(rows, []);
  });
});
