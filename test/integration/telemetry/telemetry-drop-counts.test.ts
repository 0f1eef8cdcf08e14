import { DataSource } from 'typeorm';
import { DropCount, TelemetryDropRepository } from '../../../libs/domain/src';
import { deleteRedisKeys } from '../../support/spawn-app';
import { startTestApi, TestApi } from '../../support/test-app';
import { createInstrument, createWorkspaceCrew, WorkspaceCrew } from '../../support/workspace-factories';

/**
 * The per-instrument drop counts as the bridge replicas write them (one upsert per flush) and the
 * api reads them, against the real database and migrations.
 */
describe('telemetry drop counts (PostgreSQL)', () => {
  let api: TestApi;
  let repo: TelemetryDropRepository;
  let crew: WorkspaceCrew;

  beforeAll(async () => {
    api = await startTestApi();
    repo = new TelemetryDropRepository(api.app.get(DataSource));
    crew = await createWorkspaceCrew(api);
  });

  afterAll(async () => {
    await api?.close();
    if (api) await deleteRedisKeys(api.config.redis.prefix);
  });

  const count = (instrumentId: string, reason: DropCount['reason'], n: number, detail: string, at: string) => ({
    instrumentId,
    reason,
    count: n,
    lastDetail: detail,
    lastAt: new Date(at),
  });

  it('adds counts per reason, keeps the newest detail, and skips instruments that do not exist', async () => {
    const { id } = await createInstrument(api, crew.editor, crew.workspaceId);
    const gone = '00000000-0000-4000-8000-0000000000aa';
    expect(
      await repo.add([
        count(id, 'bad_timestamp', 2, 'newer', '2026-12-01T10:00:02Z'),
        count(gone, 'malformed_json', 1, 'x', '2026-12-01T10:00:00Z'),
      ]),
    ).toEqual([id]);
    // A replica whose flush carries an older drop of the same reason adds to the count only.
    await repo.add([
      count(id, 'bad_timestamp', 3, 'older', '2026-12-01T10:00:01Z'),
      count(id, 'rate_limited', 5, 'over 100 messages/s', '2026-12-01T09:00:00Z'),
    ]);
    expect(await repo.summaryInWorkspace(crew.workspaceId, id)).toEqual({
      instrumentId: id,
      total: 10,
      byReason: { bad_timestamp: 5, rate_limited: 5 },
      lastReason: 'bad_timestamp',
      lastDetail: 'newer',
      lastAt: new Date('2026-12-01T10:00:02Z'),
    });
  });

  it('loses nothing when replicas flush the same rows at once', async () => {
    const a = (await createInstrument(api, crew.editor, crew.workspaceId)).id as string;
    const b = (await createInstrument(api, crew.editor, crew.workspaceId)).id as string;
    const at = '2026-12-01T10:00:00Z';
    // Opposite orders: the upsert sorts its rows, so the replicas cannot deadlock.
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        repo.add(
          i % 2
            ? [count(a, 'rate_limited', 1, 'd', at), count(b, 'rate_limited', 1, 'd', at)]
            : [count(b, 'rate_limited', 1, 'd', at), count(a, 'rate_limited', 1, 'd', at)],
        ),
      ),
    );
    expect((await repo.summaryInWorkspace(crew.workspaceId, a))?.total).toBe(20);
    expect((await repo.summaryInWorkspace(crew.workspaceId, b))?.total).toBe(20);
  });

  it('is scoped to the workspace, and goes with its instrument', async () => {
    const { id } = await createInstrument(api, crew.editor, crew.workspaceId);
    await repo.add([count(id, 'invalid_schema', 1, 'd', '2026-12-01T10:00:00Z')]);
    const other = await createWorkspaceCrew(api);
    expect(await repo.summaryInWorkspace(other.workspaceId, id)).toBeNull();
    const res = await api.request('DELETE', `/api/v1/workspaces/${crew.workspaceId}/instruments/${id}`, {
      token: crew.editor.token,
    });
    expect(res.status).toBe(204);
    const rows: Array<{ n: number }> = await api.app
      .get(DataSource)
      .query(`SELECT count(*)::int AS n FROM telemetry_drops WHERE instrument_id = $1`, [id]);
    expect(rows[0].n).toBe(0);
  });
});
