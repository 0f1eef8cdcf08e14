import { randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, openAsBlob, readFileSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
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

const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const COLUMNS = 'workspace_id, datasource_id, position, text, metadata, content_hash';

/** The peak resident set of a process so far (Linux VmHWM), in MB. */
function peakRssMb(pid: number | undefined): number | null {
  if (!pid) return null;
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : null;
}

async function waitJob(apiUrl: string, auth: Record<string, string>, path: string): Promise<Record<string, any>> {
  for (;;) {
    const job = (await (await fetch(`${apiUrl}${path}`, { headers: auth })).json()) as Record<string, any>;
    if (job.status === 'succeeded') return job;
    if (job.status === 'failed' || job.status === 'cancelled') throw new Error(`job ${job.status}: ${job.error}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** COPY text rows of one data source's records: what the seed writes and the raw import reads. */
async function writeCopyRows(path: string, workspaceId: string, datasourceId: string): Promise<void> {
  const out = createWriteStream(path);
  let chunk = '';
  for (let i = 0; i < RECORDS; i++) {
    const text = `Sample ${i}: aliquot ${i % 97} titrated at ${20 + (i % 15)} C, operator op${i % 11}`;
    const hash = randomBytes(32).toString('hex');
    chunk += `${workspaceId}\t${datasourceId}\t${i}\t${text}\t{"plate": "P${i % 384}"}\t${hash}\n`;
    if (chunk.length > 256 * 1024) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

/**
 * A workspace with one data source of BENCH_RECORDS records (seeded with COPY, untimed) exported by
 * the built worker (`transfer.export`: COPY → JSON lines → gzip → file storage) and the document
 * imported into a new workspace (multipart upload, validation pass, batched writes with ids
 * remapped), each timed from the request to the job's success → export/import records/s. Baselines
 * in the same run: raw `COPY (SELECT …) TO STDOUT` of the same rows, and raw `COPY … FROM STDIN` of
 * them into a table LIKE records INCLUDING ALL (same generated tsvector and indexes). Peak RSS of
 * the worker and the api (VmHWM).
 */
export async function transferBench(): Promise<Record<string, unknown>> {
  const db = await benchDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'labwire-bench-transfer-'));
  const email = `bench-${randomBytes(3).toString('hex')}@lab.test`;
  const password = 'bench password 123';
  const client = new Client({ connectionString: db.url });
  await client.connect();
  const workspaceId = await seedOwner(client, email, password);
  const datasourceId = randomUUID();
  await client.query(
    `INSERT INTO datasources (id, workspace_id, name, type, size, checksum, options) VALUES ($1, $2, 'bench', 'text', 0, $3, '{}')`,
    [datasourceId, workspaceId, randomBytes(32).toString('hex')],
  );
  const rowsPath = join(dir, 'rows.copy');
  log(`seeding ${RECORDS} records`);
  await writeCopyRows(rowsPath, workspaceId, datasourceId);
  await pipeline(createReadStream(rowsPath), client.query(copyFrom(`COPY records (${COLUMNS}) FROM STDIN`)));
  await client.query(`UPDATE datasources SET record_count = $2 WHERE id = $1`, [datasourceId, RECORDS]);
  await client.query('VACUUM ANALYZE records');
  const target = await withClient(db.url, async (c) => {
    const ws = await c.query<{ id: string }>(`INSERT INTO workspaces (name) VALUES ('Bench target') RETURNING id`);
    await c.query(
      `INSERT INTO workspace_members (workspace_id, user_id, role) SELECT $1, user_id, 'owner' FROM workspace_members WHERE workspace_id = $2`,
      [ws.rows[0].id, workspaceId],
    );
    return ws.rows[0].id;
  });

  const api = await startBenchApi(db.url, { STORAGE_URL: `file://${join(dir, 'storage')}` });
  const workerPort = await freePort();
  const worker = await startNode(
    join(DIST, 'apps/worker/main.js'),
    { ...api.env, WORKER_PORT: String(workerPort) },
    `http://127.0.0.1:${workerPort}/health/ready`,
  );
  try {
    const auth = await api.authorization(email, password);
    const json = { ...auth, 'content-type': 'application/json' };

    log('export');
    const exportStarted = performance.now();
    const started = await fetch(`${api.url}/api/v1/workspaces/${workspaceId}/export`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ include: ['datasources'] }),
    });
    const exportJob = (await started.json()) as { id: string };
    if (started.status !== 202) throw new Error(`export: ${started.status} ${JSON.stringify(exportJob)}`);
    await waitJob(api.url, auth, `/api/v1/workspaces/${workspaceId}/jobs/${exportJob.id}`);
    const exportSeconds = (performance.now() - exportStarted) / 1000;
    log(`exported in ${exportSeconds.toFixed(1)} s`);
    const docPath = join(dir, 'export.ndjson.gz');
    const download = await fetch(`${api.url}/api/v1/workspaces/${workspaceId}/export/${exportJob.id}/download`, {
      headers: auth,
    });
    await pipeline(Readable.fromWeb(download.body as never), createWriteStream(docPath));

    log('raw COPY TO');
    const rawToStarted = performance.now();
    await pipeline(
      client.query(
        copyTo(
          `COPY (SELECT id, datasource_id, position, text, metadata, content_hash, created_at FROM records
                  WHERE workspace_id = '${workspaceId}' ORDER BY datasource_id, position) TO STDOUT`,
        ),
      ),
      createWriteStream('/dev/null'),
    );
    const rawToSeconds = (performance.now() - rawToStarted) / 1000;

    log('import');
    const importStarted = performance.now();
    const form = new FormData();
    form.append('file', await openAsBlob(docPath, { type: 'application/gzip' }), 'export.ndjson.gz');
    const res = await fetch(`${api.url}/api/v1/workspaces/${target}/import`, {
      method: 'POST',
      headers: auth,
      body: form,
    });
    const importJob = (await res.json()) as { id: string };
    if (res.status !== 202) throw new Error(`import: ${res.status} ${JSON.stringify(importJob)}`);
    await waitJob(api.url, auth, `/api/v1/workspaces/${target}/jobs/${importJob.id}`);
    const importSeconds = (performance.now() - importStarted) / 1000;
    log(`imported in ${importSeconds.toFixed(1)} s`);
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM records WHERE workspace_id = $1`,
      [target],
    );
    if (rows[0].n !== RECORDS) throw new Error(`expected ${RECORDS} imported records, found ${rows[0].n}`);

    log('raw COPY FROM');
    await client.query(`CREATE TABLE bench_records (LIKE records INCLUDING ALL)`);
    const rawFromStarted = performance.now();
    await pipeline(createReadStream(rowsPath), client.query(copyFrom(`COPY bench_records (${COLUMNS}) FROM STDIN`)));
    const rawFromSeconds = (performance.now() - rawFromStarted) / 1000;

    const exportRate = RECORDS / exportSeconds;
    const importRate = RECORDS / importSeconds;
    const rawTo = RECORDS / rawToSeconds;
    const rawFrom = RECORDS / rawFromSeconds;
    return {
      records: RECORDS,
      export_records_per_s: Math.round(exportRate),
      raw_copy_to_records_per_s: Math.round(rawTo),
      export_ratio: Number((exportRate / rawTo).toFixed(3)),
      import_records_per_s: Math.round(importRate),
      raw_copy_from_records_per_s: Math.round(rawFrom),
      import_ratio: Number((importRate / rawFrom).toFixed(3)),
      document_mb: Number((statSync(docPath).size / 1048576).toFixed(1)),
      worker_peak_rss_mb: peakRssMb(worker.proc.pid),
      api_peak_rss_mb: peakRssMb(api.pid),
    };
  } finally {
    await client.end();
    await worker.stop();
    await api.stop();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}
