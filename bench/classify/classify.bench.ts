import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { BuiltinClassifier, ClassifierSpec, TrainingExample } from '@labwire/providers';
import { benchDatabase, DIST, freePort, log, seedOwner, startBenchApi, startNode } from '../support/bench-env';
import { topicTexts } from '../support/topic-texts';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 200_000);

/** Lab notes about the topics, longer than the tests' (10 to 30 words). */
const texts = (count: number, seed: number): TrainingExample[] =>
  topicTexts(Math.ceil(count / 3), seed, { min: 10, spread: 20 }).slice(0, count);

const SCHEME = {
  name: 'Topic',
  mode: 'single',
  labels: [
    { name: 'chemistry', rules: [{ type: 'keyword', pattern: 'titration', weight: 1 }] },
    { name: 'biology', rules: [{ type: 'keyword', pattern: 'cell culture', weight: 1.5 }] },
    { name: 'maintenance', rules: [{ type: 'regex', pattern: '\\b(pump|motor)\\s+(fault|leak)', weight: 2 }] },
  ],
  examples: texts(300, 99),
};

/** A workspace with its owner, and a data source whose records are `notes` (written directly, untimed). */
async function seed(url: string, email: string, password: string, notes: TrainingExample[]) {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const workspaceId = await seedOwner(c, email, password);
    const datasourceId = randomUUID();
    await c.query(
      `INSERT INTO datasources (id, workspace_id, name, type, size, checksum, record_count)
       VALUES ($1, $2, 'notes', 'text', 0, $3, $4)`,
      [datasourceId, workspaceId, randomBytes(32).toString('hex'), notes.length],
    );
    for (let start = 0; start < notes.length; start += 10_000) {
      const chunk = notes.slice(start, start + 10_000);
      await c.query(
        `INSERT INTO records (workspace_id, datasource_id, position, text, content_hash)
         SELECT $1, $2, u.position, u.text, md5(u.text) FROM unnest($3::bigint[], $4::text[]) AS u(position, text)`,
        [workspaceId, datasourceId, chunk.map((_, i) => start + i + 1), chunk.map((n) => n.text)],
      );
    }
    await c.query('ANALYZE records');
    return { workspaceId, datasourceId };
  } finally {
    await c.end();
  }
}

/**
 * Records per second of a `classification.run` job with the built-in provider (200,000 records by
 * default): POST …/classification-jobs to the built api until the built worker reports success, the
 * job reading records page by page, classifying and writing results with its cursor →
 * job_records_per_s. Baseline in the same run: the same built-in classifier (same scheme, trained the
 * same way) called in a loop over the same texts in this process → loop_records_per_s.
 */
export async function classifyBench(): Promise<Record<string, unknown>> {
  const db = await benchDatabase();
  const email = `bench-${randomBytes(3).toString('hex')}@lab.test`;
  const password = 'bench password 123';
  const notes = texts(RECORDS, 7);
  log(`seeding ${RECORDS} records`);
  const { workspaceId, datasourceId } = await seed(db.url, email, password, notes);
  const api = await startBenchApi(db.url);
  const workerPort = await freePort();
  const worker = await startNode(
    join(DIST, 'apps/worker/main.js'),
    { ...api.env, WORKER_PORT: String(workerPort) },
    `http://127.0.0.1:${workerPort}/health/ready`,
  );
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    const auth = { ...(await api.authorization(email, password)), 'content-type': 'application/json' };
    const base = `${api.url}/api/v1/workspaces/${workspaceId}`;
    const scheme = await fetch(`${base}/classification-schemes`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify(SCHEME),
    });
    const { id: schemeId } = (await scheme.json()) as { id: string };
    if (scheme.status !== 201) throw new Error(`scheme: ${scheme.status}`);

    log('classification job');
    const started = performance.now();
    const res = await fetch(`${base}/classification-jobs`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ schemeId, datasourceIds: [datasourceId] }),
    });
    const created = (await res.json()) as { links: { self: string } };
    if (res.status !== 202) throw new Error(`job: ${res.status} ${JSON.stringify(created)}`);
    let job: { status: string; error: string | null; counts: Record<string, number> };
    for (;;) {
      job = (await (await fetch(`${api.url}${created.links.self}`, { headers: auth })).json()) as typeof job;
      if (job.status === 'succeeded') break;
      if (job.status === 'failed' || job.status === 'cancelled') throw new Error(`job ${job.status}: ${job.error}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const jobSeconds = (performance.now() - started) / 1000;
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM classification_results WHERE scheme_id = $1`,
      [schemeId],
    );
    if (rows[0].n !== RECORDS) throw new Error(`expected ${RECORDS} results, found ${rows[0].n}`);
    log(`job: ${jobSeconds.toFixed(1)} s`);

    log('loop');
    const { rows: stored } = await client.query<{ id: string; text: string }>(
      `SELECT id, text FROM records WHERE datasource_id = $1 ORDER BY position`,
      [datasourceId],
    );
    const loopStarted = performance.now();
    const classifier = BuiltinClassifier.train(
      { mode: 'single', threshold: 0.5, labels: SCHEME.labels, examples: SCHEME.examples } as ClassifierSpec,
      SCHEME.examples,
    );
    let assigned = 0;
    for (const r of stored) if (classifier.classifyText(r.id, r.text).labels.length) assigned++;
    const loopSeconds = (performance.now() - loopStarted) / 1000;
    if (assigned !== RECORDS) throw new Error(`loop labelled ${assigned} of ${RECORDS}`);
    log(`loop: ${loopSeconds.toFixed(1)} s`);

    const jobRate = RECORDS / jobSeconds;
    const loopRate = RECORDS / loopSeconds;
    return {
      records: RECORDS,
      job_records_per_s: Math.round(jobRate),
      loop_records_per_s: Math.round(loopRate),
      ratio: Number((jobRate / loopRate).toFixed(3)),
    };
  } finally {
    await client.end();
    await worker.stop();
    await api.stop();
    await db.drop();
  }
}
