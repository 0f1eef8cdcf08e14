import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, openAsBlob, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import {
  benchDatabase,
  DIST,
  freePort,
  log,
  seedOwner,
  startBenchApi,
  startNode,
  withClient,
} from '../support/bench-env';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);

/** Row i of the file: an id, a text with a quoted comma, and two short columns. */
function fields(i: number): [string, string, string, string] {
  return [String(i), `Sample ${i}, aliquot ${i % 97} measured at ${20 + (i % 15)} C`, `P${i % 384}`, `op${i % 11}`];
}

async function write(path: string, lines: (i: number) => string, header = ''): Promise<void> {
  const out = createWriteStream(path);
  let chunk = header;
  for (let i = 0; i < ROWS; i++) {
    chunk += lines(i);
    if (chunk.length > 256 * 1024) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

/** COPY text format: backslash, tab and line ends escaped. */
function copyField(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/**
 * A 1,000,000-row CSV through Labwire: multipart upload to the built api (streamed into file storage),
 * then the `ingestion.run` job in the built worker (parse, hash, batched INSERT … SELECT FROM unnest
 * into `records` with its unique key and full-text index), timed from the first byte of the upload
 * to the job's success → e2e_rows_per_s. Baseline in the same run: COPY of the same rows (text,
 * metadata, hash prepared beforehand, untimed) into a scratch table made LIKE records INCLUDING ALL
 * (same columns, generated tsvector, indexes) → raw_copy_rows_per_s.
 */
export async function ingestCsvBench(): Promise<Record<string, unknown>> {
  const db = await benchDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'labwire-bench-ingest-'));
  const csvPath = join(dir, 'rows.csv');
  const copyPath = join(dir, 'rows.copy');
  const email = `bench-${randomBytes(3).toString('hex')}@lab.test`;
  const password = 'bench password 123';
  const workspaceId = await withClient(db.url, (c) => seedOwner(c, email, password));
  log(`writing ${ROWS} rows`);
  await write(
    csvPath,
    (i) => {
      const [id, text, plate, operator] = fields(i);
      return `${id},"${text}",${plate},${operator}\n`;
    },
    'id,text,plate,operator\n',
  );
  const scratchWorkspace = randomUUID();
  const scratchDatasource = randomUUID();
  await write(copyPath, (i) => {
    const [id, text, plate, operator] = fields(i);
    const metadata = JSON.stringify({ id, plate, operator });
    const sha = createHash('sha256').update(text).digest('hex');
    return `${scratchWorkspace}\t${scratchDatasource}\t${i + 2}\t${copyField(text)}\t${copyField(metadata)}\t${sha}\n`;
  });

  const api = await startBenchApi(db.url, {
    STORAGE_URL: `file://${join(dir, 'storage')}`,
    DATASOURCE_MAX_BYTES: String(1024 * 1024 * 1024),
  });
  const workerPort = await freePort();
  const workerUrl = `http://127.0.0.1:${workerPort}`;
  const worker = await startNode(
    join(DIST, 'apps/worker/main.js'),
    { ...api.env, WORKER_PORT: String(workerPort) },
    `${workerUrl}/health/ready`,
  );
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    const auth = await api.authorization(email, password);
    log('upload and ingestion');
    const started = performance.now();
    const form = new FormData();
    form.append('file', await openAsBlob(csvPath, { type: 'text/csv' }), 'rows.csv');
    const res = await fetch(`${api.url}/api/v1/workspaces/${workspaceId}/datasources`, {
      method: 'POST',
      headers: auth,
      body: form,
    });
    const created = (await res.json()) as { id: string; links: { job: string } };
    if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${JSON.stringify(created)}`);
    const uploaded = performance.now();
    log(`uploaded in ${((uploaded - started) / 1000).toFixed(1)} s`);
    let job: { status: string; counts: Record<string, number>; error: string | null };
    for (;;) {
      job = (await (await fetch(`${api.url}${created.links.job}`, { headers: auth })).json()) as typeof job;
      if (job.status === 'succeeded') break;
      if (job.status === 'failed' || job.status === 'cancelled')
        throw new Error(`ingestion ${job.status}: ${job.error}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const e2eSeconds = (performance.now() - started) / 1000;
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM records WHERE datasource_id = $1`,
      [created.id],
    );
    if (rows[0].n !== ROWS) throw new Error(`expected ${ROWS} records, found ${rows[0].n}`);
    log(`ingested in ${e2eSeconds.toFixed(1)} s`);

    log('raw COPY');
    await client.query(`CREATE TABLE bench_records (LIKE records INCLUDING ALL)`);
    const copyStarted = performance.now();
    await pipeline(
      createReadStream(copyPath),
      client.query(
        copyFrom(`COPY bench_records (workspace_id, datasource_id, position, text, metadata, content_hash) FROM STDIN`),
      ),
    );
    const copySeconds = (performance.now() - copyStarted) / 1000;
    log(`copied in ${copySeconds.toFixed(1)} s`);
    const e2e = ROWS / e2eSeconds;
    const raw = ROWS / copySeconds;
    return {
      rows: ROWS,
      e2e_rows_per_s: Math.round(e2e),
      raw_copy_rows_per_s: Math.round(raw),
      ratio: Number((e2e / raw).toFixed(3)),
      upload_s: Number(((uploaded - started) / 1000).toFixed(2)),
    };
  } finally {
    await client.end();
    await worker.stop();
    await api.stop();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}
