/**
 * The baseline: a minimal Fastify + pg server answering the instrument list query Labwire runs,
 * from the same database, with the same page shape, and nothing else (no auth, no validation).
 */
import Fastify from 'fastify';
import { Pool } from 'pg';

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.POOL_SIZE ?? 10) });
const app = Fastify({ logger: false });

const COLUMNS = `id, workspace_id AS "workspaceId", location_id AS "locationId", name, model, manufacturer,
  serial_number AS "serialNumber", type, capabilities, status, notes, last_calibrated_at AS "lastCalibratedAt",
  calibration_due_at AS "calibrationDueAt", version, created_at AS "createdAt", updated_at AS "updatedAt"`;
const SQL = `WITH page AS (
    SELECT ${COLUMNS} FROM instruments WHERE workspace_id = $1 ORDER BY name ASC, id ASC LIMIT $2 OFFSET $3)
  SELECT c.total, page.* FROM (SELECT count(*) AS total FROM instruments WHERE workspace_id = $1) c
    LEFT JOIN page ON true`;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

app.get('/health', async () => ({ ok: true }));
app.get<{ Params: { ws: string }; Querystring: { page?: string; pageSize?: string } }>(
  '/workspaces/:ws/instruments',
  async (req) => {
    const page = Number(req.query.page ?? 1);
    const pageSize = Number(req.query.pageSize ?? 50);
    const { rows } = await pool.query(SQL, [req.params.ws, pageSize, (page - 1) * pageSize]);
    const total = rows.length ? Number(rows[0].total) : 0;
    return {
      items: (rows[0]?.id ? rows : []).map((r) => ({
        id: r.id,
        workspaceId: r.workspaceId,
        locationId: r.locationId,
        name: r.name,
        model: r.model,
        manufacturer: r.manufacturer,
        serialNumber: r.serialNumber,
        type: r.type,
        capabilities: r.capabilities,
        status: r.status,
        notes: r.notes,
        lastCalibratedAt: iso(r.lastCalibratedAt),
        calibrationDueAt: iso(r.calibrationDueAt),
        version: r.version,
        createdAt: iso(r.createdAt),
        updatedAt: iso(r.updatedAt),
      })),
      total,
      page,
      pageSize,
      totalPages: Math.ceil(total / pageSize),
    };
  },
);

app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' }).catch((err) => {
  console.error(err);
  process.exit(1);
});
process.on('SIGTERM', () => {
  void app
    .close()
    .then(() => pool.end())
    .then(() => process.exit(0));
});
