import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  CalibrationDueService,
  InstrumentQualificationService,
  MaintenanceWindowService,
} from '../../../libs/domain/src';
import { JobName, JobProducer, QueueName, QueueRegistry } from '../../../libs/queue/src';
import { multipartBody } from '../../support/multipart';
import { describeRouteTable, ScopedRoute } from '../../support/route-table';
import { createUser, startTestApi, TestApi, TestUser } from '../../support/test-app';
import { startTestWorker } from '../../support/test-worker';
import { createInstrument, createWorkspaceCrew, WorkspaceCrew } from '../../support/workspace-factories';

const DAY = 86_400_000;
const MAX_BYTES = 1024 * 1024;
const iso = (ms: number) => new Date(ms).toISOString();

function filesUnder(dir: string): string[] {
  try {
    return readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? filesUnder(path) : [path];
    });
  } catch {
    return [];
  }
}

/** Polls until `done` holds (a liveness bound, generous for a loaded machine). */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`condition not met in ${timeoutMs} ms; last value ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('calibration, maintenance and qualification', () => {
  let api: TestApi;
  let worker: INestApplicationContext;
  let crew: WorkspaceCrew;
  let storageDir: string;
  const ws = () => `/api/v1/workspaces/${crew.workspaceId}`;
  const instrumentPath = (id: string) => `${ws()}/instruments/${id}`;
  const getInstrument = async (id: string) =>
    (await api.request('GET', instrumentPath(id), { token: crew.viewer.token })).body;
  const auditOf = async (entityType: string, entityId?: string) =>
    (await api.app.get(DataSource).query(
      `SELECT action, entity_type AS "entityType", entity_id AS "entityId", actor_user_id AS "actorUserId", changes
             FROM audit_entries WHERE workspace_id = $1 AND entity_type = $2 AND ($3::uuid IS NULL OR entity_id = $3)
            ORDER BY created_at`,
      [crew.workspaceId, entityType, entityId ?? null],
    )) as Array<{ action: string; entityId: string; actorUserId: string | null; changes: Record<string, any> }>;

  beforeAll(async () => {
    storageDir = mkdtempSync(join(tmpdir(), 'labwire-calibration-'));
    api = await startTestApi({
      LOGIN_IP_LIMIT_PER_MINUTE: '1000',
      STORAGE_URL: `file://${storageDir}`,
      DATASOURCE_MAX_BYTES: String(MAX_BYTES),
    });
    worker = await startTestWorker(api, { STORAGE_URL: `file://${storageDir}` });
    crew = await createWorkspaceCrew(api, 'Calibration lab');
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
    rmSync(storageDir, { recursive: true, force: true });
  });

  describe('calibration records', () => {
    it("set the instrument's dates and result from the latest record; an older one changes nothing", async () => {
      const instrument = await createInstrument(api, crew.owner, crew.workspaceId);
      const performedAt = iso(Date.now() - DAY);
      const nextDueAt = iso(Date.now() + 180 * DAY);
      const created = await api.request('POST', `${instrumentPath(instrument.id)}/calibrations`, {
        token: crew.editor.token,
        body: { performedAt, performedBy: ' Metrology Ltd ', result: 'adjusted', nextDueAt, notes: 'span adjusted' },
      });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.any(String),
        workspaceId: crew.workspaceId,
        instrumentId: instrument.id,
        performedAt,
        performedBy: 'Metrology Ltd',
        result: 'adjusted',
        nextDueAt,
        notes: 'span adjusted',
        certificate: null,
        createdBy: crew.editor.id,
        createdAt: expect.any(String),
      });
      expect(created.headers.location).toBe(`${instrumentPath(instrument.id)}/calibrations/${created.body.id}`);
      const after = await getInstrument(instrument.id);
      expect(after).toMatchObject({
        lastCalibratedAt: performedAt,
        calibrationDueAt: nextDueAt,
        lastCalibrationResult: 'adjusted',
        qualified: true,
        version: instrument.version + 1,
      });

      // history caught up: an older record is kept but does not move the instrument's dates
      const older = await api.request('POST', `${instrumentPath(instrument.id)}/calibrations`, {
        token: crew.editor.token,
        body: { performedAt: iso(Date.now() - 400 * DAY), performedBy: 'Old lab', result: 'fail' },
      });
      expect(older.status).toBe(201);
      expect(await getInstrument(instrument.id)).toMatchObject({
        lastCalibratedAt: performedAt,
        lastCalibrationResult: 'adjusted',
        version: after.version,
      });

      const list = await api.request('GET', `${instrumentPath(instrument.id)}/calibrations`, {
        token: crew.viewer.token,
      });
      expect(list.body.items.map((r: { id: string }) => r.id)).toEqual([created.body.id, older.body.id]);
      expect(list.body.total).toBe(2);
      const failed = await api.request('GET', `${instrumentPath(instrument.id)}/calibrations`, {
        token: crew.viewer.token,
        query: { result: 'fail' },
      });
      expect(failed.body.items.map((r: { id: string }) => r.id)).toEqual([older.body.id]);
      const one = await api.request('GET', `${instrumentPath(instrument.id)}/calibrations/${created.body.id}`, {
        token: crew.viewer.token,
      });
      expect(one.body).toEqual(created.body);

      // audited: both records, and the instrument's change with the record that caused it
      expect((await auditOf('instrument_calibration')).map((e) => e.entityId)).toEqual(
        expect.arrayContaining([created.body.id, older.body.id]),
      );
      const instrumentUpdates = (await auditOf('instrument', instrument.id)).filter((e) => e.action === 'update');
      expect(instrumentUpdates).toHaveLength(1);
      expect(instrumentUpdates[0]).toMatchObject({
        actorUserId: crew.editor.id,
        changes: {
          lastCalibratedAt: { from: null, to: performedAt },
          calibrationDueAt: { from: null, to: nextDueAt },
          lastCalibrationResult: { from: null, to: 'adjusted' },
          calibrationId: { to: created.body.id },
        },
      });
    });

    it('stores the certificate through the storage provider and gives back the same bytes', async () => {
      const instrument = await createInstrument(api, crew.owner, crew.workspaceId);
      const bytes = randomBytes(300_000);
      const form = await multipartBody(
        {
          performedAt: iso(Date.now() - 3600_000),
          performedBy: 'In-house',
          result: 'pass',
          nextDueAt: iso(Date.now() + 90 * DAY),
        },
        { content: bytes, filename: 'cert 2026 – Ø.pdf', type: 'application/pdf' },
        'certificate',
      );
      const created = await api.request('POST', `${instrumentPath(instrument.id)}/calibrations`, {
        token: crew.editor.token,
        payload: form.payload,
        headers: form.headers,
      });
      expect(created.status).toBe(201);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      expect(created.body.certificate).toEqual({
        filename: 'cert 2026 – Ø.pdf',
        mediaType: 'application/pdf',
        size: bytes.length,
        sha256,
        href: `${instrumentPath(instrument.id)}/calibrations/${created.body.id}/certificate`,
      });
      expect(filesUnder(join(storageDir, 'workspaces', crew.workspaceId))).toContain(
        join(storageDir, 'workspaces', crew.workspaceId, created.body.id),
      );

      const res = await api.app.inject({
        method: 'GET',
        url: created.body.certificate.href,
        headers: { authorization: `Bearer ${crew.viewer.token}` },
      });
      expect(res.statusCode).toBe(200);
      expect(res.rawPayload.equals(bytes)).toBe(true);
      expect(res.headers).toMatchObject({
        'content-type': 'application/pdf',
        'content-disposition': expect.stringContaining("filename*=UTF-8''cert%202026%20%E2%80%93%20%C3%98.pdf"),
        'x-content-type-options': 'nosniff',
        etag: `"${sha256}"`,
      });

      // a record without a certificate: 404 with its own code
      const plain = await api.request('POST', `${instrumentPath(instrument.id)}/calibrations`, {
        token: crew.editor.token,
        body: { performedAt: iso(Date.now() - 60_000), performedBy: 'x', result: 'pass' },
      });
      const none = await api.request(
        'GET',
        `${instrumentPath(instrument.id)}/calibrations/${plain.body.id}/certificate`,
        {
          token: crew.viewer.token,
        },
      );
      expect([none.status, none.body.code]).toEqual([404, 'CALIBRATION_CERTIFICATE_NOT_FOUND']);
    });

    it('serves an uploaded HTML certificate as bytes, never as a page', async () => {
      const instrument = await createInstrument(api, crew.owner, crew.workspaceId);
      const form = await multipartBody(
        { performedAt: iso(Date.now() - 60_000), performedBy: 'x', result: 'pass' },
        { content: '<script>alert(1)</script>', filename: 'x.html', type: 'text/html' },
        'certificate',
      );
      const created = await api.request('POST', `${instrumentPath(instrument.id)}/calibrations`, {
        token: crew.editor.token,
        payload: form.payload,
        headers: form.headers,
      });
      const res = await api.request('GET', created.body.certificate.href, { token: crew.viewer.token });
      expect(res.headers['content-type']).toBe('application/octet-stream');
      expect(res.headers['content-disposition']).toMatch(/^attachment;/);
    });

    it('refuses a certificate past the size limit with 413, keeping neither file nor record', async () => {
      const instrument = await createInstrument(api, crew.owner, crew.workspaceId);
      const filesBefore = filesUnder(storageDir).length;
      const form = await multipartBody(
        { performedAt: iso(Date.now() - 60_000), performedBy: 'x', result: 'pass', nextDueAt: iso(Date.now() + DAY) },
        { content: randomBytes(MAX_BYTES + 10), filename: 'big.pdf', type: 'application/pdf' },
        'certificate',
      );
      const res = await api.request('POST', `${instrumentPath(instrument.id)}/calibrations`, {
        token: crew.editor.token,
        payload: form.payload,
        headers: form.headers,
      });
      expect([res.status, res.body.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
      expect(filesUnder(storageDir).length).toBe(filesBefore);
      const list = await api.request('GET', `${instrumentPath(instrument.id)}/calibrations`, {
        token: crew.viewer.token,
      });
      expect(list.body.total).toBe(0);
      expect((await getInstrument(instrument.id)).calibrationDueAt).toBeNull();
    });

    it('answers 400 with field errors for bad input, and changes nothing', async () => {
      const instrument = await createInstrument(api, crew.owner, crew.workspaceId);
      const path = `${instrumentPath(instrument.id)}/calibrations`;
      const cases: Array<[Record<string, unknown>, string[]]> = [
        [{}, ['performedAt', 'performedBy', 'result']],
        [{ performedAt: 'yesterday', performedBy: 'x', result: 'ok' }, ['performedAt', 'result']],
        [{ performedAt: iso(Date.now() + 2 * DAY), performedBy: 'x', result: 'pass' }, ['performedAt']],
        [{ performedAt: iso(Date.now() - DAY), performedBy: '   ', result: 'pass' }, ['performedBy']],
        [
          {
            performedAt: iso(Date.now() - DAY),
            performedBy: 'x',
            result: 'pass',
            nextDueAt: iso(Date.now() - 2 * DAY),
          },
          ['nextDueAt'],
        ],
        [{ performedAt: iso(Date.now() - DAY), performedBy: 'x', result: 'pass', extra: 1 }, ['extra']],
      ];
      for (const [body, fields] of cases) {
        const res = await api.request('POST', path, { token: crew.editor.token, body });
        expect([JSON.stringify(body), res.status, res.body.code]).toEqual([
          JSON.stringify(body),
          400,
          'VALIDATION_FAILED',
        ]);
        expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([...fields].sort());
      }
      // the same checks on a multipart form, before a byte of the file is stored
      const filesBefore = filesUnder(storageDir).length;
      const form = await multipartBody(
        { performedAt: iso(Date.now() - DAY), performedBy: 'x', result: 'great' },
        { content: 'PDF', filename: 'c.pdf' },
        'certificate',
      );
      const res = await api.request('POST', path, {
        token: crew.editor.token,
        payload: form.payload,
        headers: form.headers,
      });
      expect([res.status, res.body.errors]).toEqual([400, [{ field: 'result', message: expect.any(String) }]]);
      expect(filesUnder(storageDir).length).toBe(filesBefore);
      const list = await api.request('GET', path, { token: crew.viewer.token });
      expect(list.body.total).toBe(0);
      expect((await getInstrument(instrument.id)).version).toBe(instrument.version);
    });

    it('answers 404 for an instrument or record of another workspace', async () => {
      const other = await createUser(api);
      const otherWs = (await api.request('POST', '/api/v1/workspaces', { token: other.token, body: { name: 'Other' } }))
        .body.id;
      const foreign = await createInstrument(api, other, otherWs);
      const res = await api.request('GET', `${ws()}/instruments/${foreign.id}/calibrations`, {
        token: crew.owner.token,
      });
      expect([res.status, res.body.code]).toEqual([404, 'INSTRUMENT_NOT_FOUND']);
      const post = await api.request('POST', `${ws()}/instruments/${foreign.id}/calibrations`, {
        token: crew.owner.token,
        body: { performedAt: iso(Date.now() - DAY), performedBy: 'x', result: 'pass' },
      });
      expect([post.status, post.body.code]).toEqual([404, 'INSTRUMENT_NOT_FOUND']);
    });
  });

  describe('qualification', () => {
    it('an overdue instrument is not qualified; after a passing calibration it is; a failed one makes it unqualified', async () => {
      const qualification = api.app.get(InstrumentQualificationService);
      const instrument = await createInstrument(api, crew.owner, crew.workspaceId, {
        calibrationDueAt: iso(Date.now() - DAY),
      });
      expect(await getInstrument(instrument.id)).toMatchObject({
        qualified: false,
        qualificationReasons: [{ code: 'CALIBRATION_OVERDUE', message: expect.any(String) }],
      });
      const [overdue] = await qualification.evaluate(crew.workspaceId, [instrument.id]);
      expect(overdue).toEqual({
        instrumentId: instrument.id,
        qualified: false,
        reasons: [{ code: 'CALIBRATION_OVERDUE', message: expect.stringContaining('due at') }],
      });

      await api.request('POST', `${instrumentPath(instrument.id)}/calibrations`, {
        token: crew.editor.token,
        body: {
          performedAt: iso(Date.now() - 1000),
          performedBy: 'x',
          result: 'pass',
          nextDueAt: iso(Date.now() + 30 * DAY),
        },
      });
      expect(await qualification.evaluate(crew.workspaceId, [instrument.id])).toEqual([
        { instrumentId: instrument.id, qualified: true, reasons: [] },
      ]);
      expect((await getInstrument(instrument.id)).qualified).toBe(true);
      // judged at a later moment, the new due date has passed
      const [later] = await qualification.evaluate(crew.workspaceId, [instrument.id], new Date(Date.now() + 31 * DAY));
      expect(later.reasons.map((r) => r.code)).toEqual(['CALIBRATION_OVERDUE']);

      await api.request('POST', `${instrumentPath(instrument.id)}/calibrations`, {
        token: crew.editor.token,
        body: { performedAt: iso(Date.now()), performedBy: 'x', result: 'fail' },
      });
      const [failed] = await qualification.evaluate(crew.workspaceId, [instrument.id]);
      expect(failed.qualified).toBe(false);
      expect(failed.reasons.map((r) => r.code)).toEqual(['CALIBRATION_FAILED']);
    });

    it('names every instrument and reason, unknown and foreign ids included', async () => {
      const inactive = await createInstrument(api, crew.owner, crew.workspaceId, { status: 'offline' });
      const fine = await createInstrument(api, crew.owner, crew.workspaceId);
      const unknown = '6f1c2d9e-4b1a-4c3e-9d2f-0a1b2c3d4e5f';
      const result = await api.app
        .get(InstrumentQualificationService)
        .evaluate(crew.workspaceId, [inactive.id, fine.id.toUpperCase(), unknown]);
      expect(result).toEqual([
        {
          instrumentId: inactive.id,
          qualified: false,
          reasons: [{ code: 'NOT_ACTIVE', message: expect.stringContaining('offline') }],
        },
        { instrumentId: fine.id, qualified: true, reasons: [] },
        { instrumentId: unknown, qualified: false, reasons: [{ code: 'NOT_FOUND', message: expect.any(String) }] },
      ]);
      const elsewhere = await api.app.get(InstrumentQualificationService).evaluate(unknown, [fine.id]);
      expect(elsewhere[0].reasons.map((r) => r.code)).toEqual(['NOT_FOUND']);
    });

    it('filters the instruments list by qualified and calibrationDueBefore in SQL', async () => {
      const own = await createWorkspaceCrew(api, 'Filter lab');
      const path = `/api/v1/workspaces/${own.workspaceId}/instruments`;
      const mk = (name: string, body: Record<string, unknown> = {}) =>
        createInstrument(api, own.owner, own.workspaceId, { name, ...body });
      const ok = await mk('a-ok', { calibrationDueAt: iso(Date.now() + 60 * DAY) });
      const noDue = await mk('b-no-due');
      const overdue = await mk('c-overdue', { calibrationDueAt: iso(Date.now() - DAY) });
      const down = await mk('d-maintenance', { status: 'maintenance', calibrationDueAt: iso(Date.now() + 5 * DAY) });
      const failing = await mk('e-failed');
      await api.request('POST', `${path}/${failing.id}/calibrations`, {
        token: own.editor.token,
        body: {
          performedAt: iso(Date.now() - 1000),
          performedBy: 'x',
          result: 'fail',
          nextDueAt: iso(Date.now() + 300 * DAY),
        },
      });
      const names = async (query: Record<string, string>) =>
        (await api.request('GET', path, { token: own.viewer.token, query })).body.items.map(
          (i: { name: string }) => i.name,
        );
      expect(await names({ qualified: 'true' })).toEqual([ok.name, noDue.name]);
      expect(await names({ qualified: 'false' })).toEqual([overdue.name, down.name, failing.name]);
      expect(await names({ calibrationDueBefore: iso(Date.now() + 10 * DAY) })).toEqual([overdue.name, down.name]);
      expect(
        await names({ calibrationDueBefore: iso(Date.now() + 10 * DAY), qualified: 'false', sort: '-name' }),
      ).toEqual([down.name, overdue.name]);
      const page = await api.request('GET', path, {
        token: own.viewer.token,
        query: { qualified: 'false', pageSize: 1 },
      });
      expect([page.body.total, page.body.items.length]).toEqual([3, 1]);
      for (const query of [{ qualified: 'yes' }, { calibrationDueBefore: 'soon' }] as Array<Record<string, string>>) {
        const bad = await api.request('GET', path, { token: own.viewer.token, query });
        expect([bad.status, bad.body.errors[0].field]).toEqual([400, Object.keys(query)[0]]);
      }
    });
  });

  describe('maintenance windows', () => {
    it('put the instrument in maintenance while open and back to its status when over (edge jobs)', async () => {
      const instrument = await createInstrument(api, crew.owner, crew.workspaceId, { status: 'offline' });
      const startsAt = Date.now() + 2000;
      const created = await api.request('POST', `${instrumentPath(instrument.id)}/maintenance`, {
        token: crew.editor.token,
        body: { startsAt: iso(startsAt), endsAt: iso(startsAt + 3000), kind: 'preventive', notes: 'pump seals' },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ state: 'planned', kind: 'preventive', notes: 'pump seals' });
      expect((await getInstrument(instrument.id)).status).toBe('offline');

      await until(
        () => getInstrument(instrument.id),
        (i) => i.status === 'maintenance',
      );
      expect(Date.now()).toBeGreaterThanOrEqual(startsAt);
      const during = await api.request('GET', `${instrumentPath(instrument.id)}/maintenance`, {
        token: crew.viewer.token,
        query: { state: 'open' },
      });
      // (the window may have ended while this was being read on a slow machine)
      expect(during.body.items.every((w: { id: string }) => w.id === created.body.id)).toBe(true);

      const back = await until(
        () => getInstrument(instrument.id),
        (i) => i.status === 'offline',
      );
      expect(back.qualified).toBe(false);
      expect(Date.now()).toBeGreaterThanOrEqual(startsAt + 3000);
      const done = await api.request('GET', `${instrumentPath(instrument.id)}/maintenance/${created.body.id}`, {
        token: crew.viewer.token,
      });
      expect(done.body.state).toBe('done');

      const flips = (await auditOf('instrument', instrument.id)).filter(
        (e) => e.action === 'update' && e.changes.status,
      );
      expect(flips.map((e) => [e.actorUserId, e.changes.status])).toEqual([
        [null, { from: 'offline', to: 'maintenance' }],
        [null, { from: 'maintenance', to: 'offline' }],
      ]);
      expect((await auditOf('instrument_maintenance_window', created.body.id)).map((e) => e.action)).toEqual([
        'create',
      ]);
    });

    it('treats overlapping windows as one span, and leaves a status set by hand alone', async () => {
      const service = api.app.get(MaintenanceWindowService);
      const instrument = await createInstrument(api, crew.owner, crew.workspaceId);
      const t0 = Date.now() + 10 * DAY;
      for (const [from, to] of [
        [0, 4],
        [3, 7],
      ]) {
        const res = await api.request('POST', `${instrumentPath(instrument.id)}/maintenance`, {
          token: crew.editor.token,
          body: { startsAt: iso(t0 + from * 3600_000), endsAt: iso(t0 + to * 3600_000), kind: 'corrective' },
        });
        expect(res.status).toBe(201);
      }
      const at = (hours: number) => new Date(t0 + hours * 3600_000);
      expect(await service.reconcile(crew.workspaceId, instrument.id, at(1))).toBe('entered');
      expect(await service.reconcile(crew.workspaceId, instrument.id, at(2))).toBe('unchanged');
      expect(await service.reconcile(crew.workspaceId, instrument.id, at(4))).toBe('unchanged'); // the first ended
      expect((await getInstrument(instrument.id)).status).toBe('maintenance');
      expect(await service.reconcile(crew.workspaceId, instrument.id, at(7))).toBe('restored');
      expect((await getInstrument(instrument.id)).status).toBe('active');

      // during a window someone retires the instrument: the end of the window keeps that
      await service.reconcile(crew.workspaceId, instrument.id, at(5));
      const patched = await api.request('PATCH', instrumentPath(instrument.id), {
        token: crew.editor.token,
        body: { status: 'retired' },
      });
      expect(patched.status).toBe(200);
      expect(await service.reconcile(crew.workspaceId, instrument.id, at(6))).toBe('unchanged');
      expect(await service.reconcile(crew.workspaceId, instrument.id, at(8))).toBe('unchanged');
      expect((await getInstrument(instrument.id)).status).toBe('retired');
    });

    it('enters at once when created open, ends at once when deleted; the sweep repairs a missed edge', async () => {
      const instrument = await createInstrument(api, crew.owner, crew.workspaceId);
      const created = await api.request('POST', `${instrumentPath(instrument.id)}/maintenance`, {
        token: crew.editor.token,
        body: { startsAt: iso(Date.now() - 60_000), endsAt: iso(Date.now() + DAY), kind: 'inspection' },
      });
      expect(created.body.state).toBe('open');
      expect((await getInstrument(instrument.id)).status).toBe('maintenance');
      const removed = await api.request('DELETE', `${instrumentPath(instrument.id)}/maintenance/${created.body.id}`, {
        token: crew.editor.token,
      });
      expect(removed.status).toBe(204);
      expect((await getInstrument(instrument.id)).status).toBe('active');
      const flips = (await auditOf('instrument', instrument.id)).filter(
        (e) => e.action === 'update' && e.changes.status,
      );
      expect(flips.map((e) => e.actorUserId)).toEqual([crew.editor.id, crew.editor.id]);

      // a window written behind the service's back (as if its edge job were lost with Redis)
      const db = api.app.get(DataSource);
      await db.query(
        `INSERT INTO instrument_maintenance_windows (workspace_id, instrument_id, starts_at, ends_at, kind)
         VALUES ($1, $2, now() - interval '1 minute', now() + interval '1 day', 'other')`,
        [crew.workspaceId, instrument.id],
      );
      // (the worker's own sweep may get there first: either way the instrument is put right)
      await api.app.get(MaintenanceWindowService).sweep();
      expect((await getInstrument(instrument.id)).status).toBe('maintenance');
      await db.query(
        `UPDATE instrument_maintenance_windows SET ends_at = now() - interval '1 second', starts_at = now() - interval '2 minutes' WHERE instrument_id = $1`,
        [instrument.id],
      );
      await api.app.get(MaintenanceWindowService).sweep();
      expect((await getInstrument(instrument.id)).status).toBe('active');
      expect(await api.app.get(MaintenanceWindowService).sweep()).toBe(0);
    });

    it('answers 400 with field errors for a bad window, and changes nothing', async () => {
      const instrument = await createInstrument(api, crew.owner, crew.workspaceId);
      const path = `${instrumentPath(instrument.id)}/maintenance`;
      const now = Date.now();
      const cases: Array<[Record<string, unknown>, string[]]> = [
        [{}, ['startsAt', 'endsAt', 'kind']],
        [{ startsAt: iso(now + DAY), endsAt: iso(now), kind: 'preventive' }, ['endsAt']],
        [{ startsAt: iso(now), endsAt: iso(now + 400 * DAY), kind: 'preventive' }, ['endsAt']],
        [{ startsAt: 'tomorrow', endsAt: iso(now + DAY), kind: 'repaint' }, ['startsAt', 'kind']],
      ];
      for (const [body, fields] of cases) {
        const res = await api.request('POST', path, { token: crew.editor.token, body });
        expect([JSON.stringify(body), res.status]).toEqual([JSON.stringify(body), 400]);
        expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([...fields].sort());
      }
      expect((await api.request('GET', path, { token: crew.viewer.token })).body.total).toBe(0);
      expect((await getInstrument(instrument.id)).status).toBe('active');
    });
  });

  describe('daily calibration-due check', () => {
    it('raises one notice per instrument and due date, however often it runs', async () => {
      const service = api.app.get(CalibrationDueService);
      const own = await createWorkspaceCrew(api, 'Due lab');
      const mk = (body: Record<string, unknown>) => createInstrument(api, own.owner, own.workspaceId, body);
      const soon = await mk({ calibrationDueAt: iso(Date.now() + 5 * DAY) });
      const overdue = await mk({ calibrationDueAt: iso(Date.now() - 5 * DAY) });
      await mk({ calibrationDueAt: iso(Date.now() + 30 * DAY) });
      await mk({});
      await mk({ calibrationDueAt: iso(Date.now() - DAY), status: 'retired' });
      const notices = async () =>
        (await api.app.get(DataSource).query(
          `SELECT entity_id AS "entityId", actor_user_id AS "actorUserId", changes FROM audit_entries
                WHERE workspace_id = $1 AND entity_type = 'calibration_due_notice' ORDER BY created_at`,
          [own.workspaceId],
        )) as Array<{ actorUserId: string | null; changes: Record<string, { to: unknown }> }>;

      expect(await service.checkDue()).toMatchObject({ raisedAs: 'audit', due: expect.any(Number) });
      const raised = await notices();
      expect(raised.map((n) => [n.changes.instrumentId.to, n.changes.overdue.to]).sort()).toEqual(
        [
          [soon.id, false],
          [overdue.id, true],
        ].sort(),
      );
      expect(raised.every((n) => n.actorUserId === null)).toBe(true);

      // again, and through the worker as the daily schedule runs it: nothing new
      expect(await service.checkDue()).toMatchObject({ raised: 0 });
      const producer = worker.get(JobProducer);
      const queued = await producer.enqueue(
        JobName.CalibrationCheckDue,
        {},
        { jobId: `calibration-due-test-${Date.now()}` },
      );
      const job = await until(
        async () => worker.get(QueueRegistry).get(QueueName.Maintenance).getJob(queued.id),
        (j) => j?.finishedOn !== undefined,
      );
      expect(job?.returnvalue).toMatchObject({ raised: 0, raisedAs: 'audit' });
      expect(await notices()).toHaveLength(2);

      // a new calibration moves the due date: that date gets its own notice when it comes near
      await api.request('POST', `/api/v1/workspaces/${own.workspaceId}/instruments/${overdue.id}/calibrations`, {
        token: own.editor.token,
        body: {
          performedAt: iso(Date.now() - 1000),
          performedBy: 'x',
          result: 'pass',
          nextDueAt: iso(Date.now() + 7 * DAY),
        },
      });
      await service.checkDue();
      expect(await notices()).toHaveLength(3);
      expect(await service.checkDue()).toMatchObject({ raised: 0 });
    });
  });
});

describe('calibration and maintenance routes', () => {
  let api: TestApi;
  let crew: WorkspaceCrew;
  let admin: TestUser;
  let storageDir: string;
  let routes: ScopedRoute[];

  beforeAll(async () => {
    storageDir = mkdtempSync(join(tmpdir(), 'labwire-calibration-routes-'));
    api = await startTestApi({ LOGIN_IP_LIMIT_PER_MINUTE: '1000', STORAGE_URL: `file://${storageDir}` });
    crew = await createWorkspaceCrew(api, 'Calibration routes');
    admin = await createUser(api, { role: 'admin' });
    const instrument = await createInstrument(api, crew.owner, crew.workspaceId);
    const base = `/api/v1/workspaces/${crew.workspaceId}/instruments/${instrument.id}`;
    const form = await multipartBody(
      { performedAt: iso(Date.now() - DAY), performedBy: 'x', result: 'pass' },
      { content: 'certificate bytes', filename: 'c.pdf', type: 'application/pdf' },
      'certificate',
    );
    const calibration = (
      await api.request('POST', `${base}/calibrations`, {
        token: crew.owner.token,
        payload: form.payload,
        headers: form.headers,
      })
    ).body;
    const window = (
      await api.request('POST', `${base}/maintenance`, {
        token: crew.owner.token,
        body: { startsAt: iso(Date.now() + 10 * DAY), endsAt: iso(Date.now() + 11 * DAY), kind: 'preventive' },
      })
    ).body;
    const newCalibration = { performedAt: iso(Date.now() - DAY), performedBy: 'y', result: 'fail' };
    const newWindow = { startsAt: iso(Date.now() + 20 * DAY), endsAt: iso(Date.now() + 21 * DAY), kind: 'cleaning' };
    routes = [
      { method: 'GET', path: `${base}/calibrations`, role: 'viewer' },
      { method: 'POST', path: `${base}/calibrations`, role: 'editor', body: newCalibration },
      { method: 'GET', path: `${base}/calibrations/${calibration.id}`, role: 'viewer' },
      { method: 'GET', path: `${base}/calibrations/${calibration.id}/certificate`, role: 'viewer' },
      { method: 'GET', path: `${base}/maintenance`, role: 'viewer' },
      { method: 'POST', path: `${base}/maintenance`, role: 'editor', body: newWindow },
      { method: 'GET', path: `${base}/maintenance/${window.id}`, role: 'viewer' },
      { method: 'DELETE', path: `${base}/maintenance/${window.id}`, role: 'editor' },
    ];
  });
  afterAll(async () => {
    await api?.close();
    rmSync(storageDir, { recursive: true, force: true });
  });

  const snapshot = async () =>
    api.app.get(DataSource).query(
      `SELECT (SELECT count(*) FROM instrument_calibrations) AS calibrations,
                (SELECT count(*) FROM instrument_maintenance_windows) AS windows,
                (SELECT json_agg(json_build_object('status', status, 'version', version, 'due', calibration_due_at) ORDER BY id)
                   FROM instruments) AS instruments`,
    );

  describeRouteTable('calibrations and maintenance windows', async () => ({ api, crew, admin, routes }), snapshot);
});
