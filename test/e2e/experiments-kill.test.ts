import { waitFor } from '../support/built-app';
import { BuiltStack } from '../support/built-stack';
import { InstrumentSimulator } from '../support/instrument-simulator';

const WAIT_SECONDS = 20;

/**
 * An experiment run by the built worker, which is killed (SIGKILL) twice: during a `wait` step and
 * while a `command` step waits for the instrument's reply. BullMQ hands the run to the restarted
 * worker, which resumes at the step in progress: the wait with the time that was left (its recorded
 * start is kept), the command found again by its idempotency key (the instrument receives each
 * command exactly once), and the experiment completes.
 */
describe('experiments, end to end (built api and worker, worker killed)', () => {
  jest.setTimeout(240_000);
  let stack: BuiltStack;
  let sim: InstrumentSimulator | undefined;
  const http = (...args: Parameters<BuiltStack['http']>) => stack.http(...args);

  beforeAll(async () => {
    stack = await BuiltStack.start({ ownBroker: true });
  });
  afterAll(async () => {
    await sim?.close();
    await stack?.close();
  });

  async function killWorker(): Promise<void> {
    stack.worker.child.kill('SIGKILL');
    await stack.worker.exited;
  }

  it('resumes at the step in progress after kill -9: the wait not restarted, each command sent once', async () => {
    const workspaceId = (await http('POST', '/api/v1/workspaces', { name: 'Experiments' })).body.id;
    const base = `/api/v1/workspaces/${workspaceId}`;
    const created = await http('POST', `${base}/instruments`, { name: 'Stirrer', serialNumber: 'ST-1' });
    expect(created.status).toBe(201);
    sim = await InstrumentSimulator.connect(stack.env.MQTT_URL!, created.body.id, created.body.mqttSecret, (name) =>
      // the slow command's reply comes while the worker is dead
      name === 'slow' ? { ok: true, result: { done: true }, delayMs: 4000 } : { ok: true },
    );
    const instrumentId = created.body.id as string;
    await waitFor(
      async () => (await http('GET', `${base}/instruments/${instrumentId}`)).body.connectionState === 'online',
      30_000,
      'the instrument to be online',
    );
    const protocol = await http('POST', `${base}/protocols`, {
      name: 'Kill me',
      roles: [{ name: 'stirrer' }],
      steps: [
        { kind: 'command', role: 'stirrer', command: 'prime' },
        { kind: 'wait', durationSeconds: WAIT_SECONDS },
        { kind: 'command', role: 'stirrer', command: 'slow', timeoutSeconds: 120 },
        { kind: 'mark', label: 'done' },
      ],
    });
    expect(protocol.status).toBe(201);
    const experiment = await http('POST', `${base}/experiments`, {
      protocolId: protocol.body.id,
      assignments: { stirrer: instrumentId },
    });
    const path = `${base}/experiments/${experiment.body.id}`;
    expect((await http('POST', `${path}/start`, {})).status).toBe(202);
    const steps = async () => (await http('GET', `${path}/steps`)).body as any[];

    // 1. killed during the wait
    let before: any[] = [];
    await waitFor(async () => (before = await steps())[1].status === 'running', 30_000, 'the wait step to start');
    await new Promise((r) => setTimeout(r, 1500));
    await killWorker();
    await stack.startWorker();
    let after: any[] = [];
    await waitFor(
      async () => (after = await steps())[1].status === 'succeeded',
      90_000,
      'the wait step to end after the restart',
    );
    // when the resumed run started (the job's second attempt; the third comes only after the next kill)
    const jobId = (await http('GET', path)).body.jobId as string;
    const resumed = (await http('GET', `${base}/jobs/${jobId}`)).body;
    expect(resumed.attempts).toBe(2);
    const resumedAt = Date.parse(resumed.startedAt);
    const waitStart = Date.parse(before[1].startedAt);
    const waitEnd = Date.parse(after[1].endedAt);
    // the recorded start is kept, and the step lasted its duration from there …
    expect(after[1].startedAt).toBe(before[1].startedAt);
    expect(waitEnd - waitStart).toBeGreaterThanOrEqual(WAIT_SECONDS * 1000);
    // … not a whole new wait in the resumed run: it ended the step within the time that was left (or at
    // once, had BullMQ handed the run over only after the wait was over). All times are the database's.
    expect(waitEnd).toBeGreaterThanOrEqual(resumedAt);
    expect(waitEnd - resumedAt).toBeLessThan(WAIT_SECONDS * 1000);

    // 2. killed while the slow command waits for its reply
    await waitFor(async () => sim!.named('slow').length === 1, 60_000, 'the slow command to arrive');
    await killWorker();
    await stack.startWorker();

    let done: any;
    await waitFor(
      async () => ['completed', 'failed', 'aborted'].includes((done = (await http('GET', path)).body).status),
      120_000,
      'the experiment to end',
    );
    expect(done).toMatchObject({ status: 'completed', currentStep: 4, error: null });
    const final = await steps();
    expect(final.map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    expect(final[2].detail.result).toEqual({ done: true });
    expect(final[2].attempts).toBe(1);
    // each command received exactly once, and the ledger holds exactly one per step
    expect(sim.named('prime')).toHaveLength(1);
    expect(sim.named('slow')).toHaveLength(1);
    const { rows } = await stack.pg.query(
      `SELECT name, status, count(*)::int AS n FROM commands WHERE instrument_id = $1 GROUP BY name, status ORDER BY name`,
      [instrumentId],
    );
    expect(rows).toEqual([
      { name: 'prime', status: 'succeeded', n: 1 },
      { name: 'slow', status: 'succeeded', n: 1 },
    ]);
    const job = (await http('GET', `${base}/jobs/${done.jobId}`)).body;
    expect(job).toMatchObject({ kind: 'experiment.run', status: 'succeeded' });
    expect(job.attempts).toBe(3);
  });
});
