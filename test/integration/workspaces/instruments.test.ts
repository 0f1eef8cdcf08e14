import { startTestApi, TestApi } from '../../support/test-app';
import {
  createInstrument,
  createLocation,
  createWorkspaceCrew,
  WorkspaceCrew,
} from '../../support/workspace-factories';

describe('instruments', () => {
  let api: TestApi;
  let crew: WorkspaceCrew;
  const base = () => `/api/v1/workspaces/${crew.workspaceId}/instruments`;

  beforeAll(async () => {
    api = await startTestApi({ LOGIN_IP_LIMIT_PER_MINUTE: '1000' });
    crew = await createWorkspaceCrew(api, 'Instruments lab');
  });
  afterAll(() => api.close());

  describe('CRUD', () => {
    it('creates with all fields, reads with an ETag, updates and deletes', async () => {
      const location = await createLocation(api, crew.owner, crew.workspaceId, { name: 'HPLC room' });
      const body = {
        name: 'HPLC 2',
        model: '1260 Infinity II',
        manufacturer: 'Agilent',
        serialNumber: ' DEAB123456 ',
        type: 'chromatograph',
        capabilities: { channels: 4, detectors: ['UV', 'FLD'], limits: { maxPressureBar: 600 } },
        status: 'maintenance',
        locationId: location.id,
        notes: 'pump seal replaced',
        lastCalibratedAt: '2026-01-15T10:00:00.000Z',
        calibrationDueAt: '2027-01-15T10:00:00Z',
      };
      const created = await api.request('POST', base(), { token: crew.editor.token, body });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        ...body,
        id: expect.any(String),
        workspaceId: crew.workspaceId,
        serialNumber: 'DEAB123456',
        calibrationDueAt: '2027-01-15T10:00:00.000Z',
        lastCalibrationResult: null,
        // in maintenance, so not qualified (see test/integration/calibration)
        qualified: false,
        qualificationReasons: [{ code: 'NOT_ACTIVE', message: expect.stringContaining('maintenance') }],
        lastSeenAt: null,
        expectedIntervalSeconds: null,
        connectionState: 'unknown',
        stateChangedAt: null,
        version: 1,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
        mqttUsername: created.body.id,
        mqttSecret: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/),
      });
      expect(created.headers.etag).toBe('"1"');

      const url = `${base()}/${created.body.id}`;
      const got = await api.request('GET', url, { token: crew.viewer.token });
      expect(got.status).toBe(200);
      // The secret is shown once: never in a read.
      const { mqttUsername: _u, mqttSecret: _s, ...stored } = created.body;
      expect(got.body).toEqual(stored);
      expect(got.headers.etag).toBe('"1"');

      const patched = await api.request('PATCH', url, {
        token: crew.editor.token,
        body: { status: 'active', locationId: null, notes: null, capabilities: { channels: 2 } },
      });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({
        status: 'active',
        locationId: null,
        notes: null,
        capabilities: { channels: 2 },
        name: 'HPLC 2',
        version: 2,
      });
      expect(patched.headers.etag).toBe('"2"');
      expect(new Date(patched.body.updatedAt).getTime()).toBeGreaterThanOrEqual(
        new Date(created.body.updatedAt).getTime(),
      );
      const reread = await api.request('GET', url, { token: crew.viewer.token });
      expect(reread.body).toEqual(patched.body);

      const noop = await api.request('PATCH', url, { token: crew.editor.token, body: { status: 'active' } });
      expect(noop.status).toBe(200);
      expect(noop.body.version).toBe(2);

      const del = await api.request('DELETE', url, { token: crew.editor.token });
      expect(del.status).toBe(204);
      const gone = await api.request('GET', url, { token: crew.viewer.token });
      expect(gone.status).toBe(404);
      expect(gone.body.code).toBe('INSTRUMENT_NOT_FOUND');
      const again = await api.request('DELETE', url, { token: crew.editor.token });
      expect(again.status).toBe(404);
    });

    it('applies defaults for optional fields', async () => {
      const res = await api.request('POST', base(), {
        token: crew.editor.token,
        body: { name: 'Balance', serialNumber: 'BAL-1' },
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        model: null,
        manufacturer: null,
        type: null,
        capabilities: {},
        status: 'active',
        locationId: null,
        notes: null,
        lastCalibratedAt: null,
        calibrationDueAt: null,
      });
    });

    it('validates fields (400)', async () => {
      for (const body of [
        { name: 'X' },
        { name: '', serialNumber: 'V-1' },
        { name: 'X', serialNumber: 'V-2', status: 'broken' },
        { name: 'X', serialNumber: 'V-3', capabilities: [1, 2] },
        { name: 'X', serialNumber: 'V-4', capabilities: 'fast' },
        { name: 'X', serialNumber: 'V-5', locationId: 'nope' },
        { name: 'X', serialNumber: 'V-6', calibrationDueAt: 'next tuesday' },
        { name: '   ', serialNumber: 'V-7' },
        { name: 'X', serialNumber: ' ' },
      ]) {
        const res = await api.request('POST', base(), { token: crew.editor.token, body });
        expect([JSON.stringify(body), res.status, res.body.code]).toEqual([
          JSON.stringify(body),
          400,
          'VALIDATION_FAILED',
        ]);
      }
      const inst = await createInstrument(api, crew.owner, crew.workspaceId);
      for (const body of [
        { name: null },
        { serialNumber: null },
        { status: null },
        { capabilities: null },
        { name: ' ' },
      ]) {
        const res = await api.request('PATCH', `${base()}/${inst.id}`, { token: crew.editor.token, body });
        expect([JSON.stringify(body), res.status]).toEqual([JSON.stringify(body), 400]);
      }
    });

    it('keeps serial numbers unique in a workspace (409 INSTRUMENT_SERIAL_TAKEN)', async () => {
      await createInstrument(api, crew.owner, crew.workspaceId, { serialNumber: 'DUP-1' });
      const dup = await api.request('POST', base(), {
        token: crew.editor.token,
        body: { name: 'Twin', serialNumber: 'DUP-1' },
      });
      expect(dup.status).toBe(409);
      expect(dup.body.code).toBe('INSTRUMENT_SERIAL_TAKEN');
      const other = await createInstrument(api, crew.owner, crew.workspaceId, { serialNumber: 'DUP-2' });
      const rename = await api.request('PATCH', `${base()}/${other.id}`, {
        token: crew.editor.token,
        body: { serialNumber: 'DUP-1' },
      });
      expect(rename.status).toBe(409);
      expect(rename.body.code).toBe('INSTRUMENT_SERIAL_TAKEN');
      const unchanged = await api.request('GET', `${base()}/${other.id}`, { token: crew.viewer.token });
      expect(unchanged.body).toMatchObject({ serialNumber: 'DUP-2', version: 1 });
      // The same serial in another workspace is fine.
      const elsewhere = await createWorkspaceCrew(api, 'Elsewhere');
      await createInstrument(api, elsewhere.owner, elsewhere.workspaceId, { serialNumber: 'DUP-1' });
    });

    it('only accepts a location of the same workspace (404 LOCATION_NOT_FOUND)', async () => {
      const elsewhere = await createWorkspaceCrew(api, 'Foreign');
      const foreign = await createLocation(api, elsewhere.owner, elsewhere.workspaceId, { name: 'Foreign room' });
      const create = await api.request('POST', base(), {
        token: crew.editor.token,
        body: { name: 'Sneaky', serialNumber: 'LOC-1', locationId: foreign.id },
      });
      expect(create.status).toBe(404);
      expect(create.body.code).toBe('LOCATION_NOT_FOUND');
      const inst = await createInstrument(api, crew.owner, crew.workspaceId);
      const patch = await api.request('PATCH', `${base()}/${inst.id}`, {
        token: crew.editor.token,
        body: { locationId: foreign.id },
      });
      expect(patch.status).toBe(404);
      expect(patch.body.code).toBe('LOCATION_NOT_FOUND');
      const unknown = await api.request('PATCH', `${base()}/${inst.id}`, {
        token: crew.editor.token,
        body: { locationId: '6f1c2d9e-4b1a-4c3e-9d2f-0a1b2c3d4e5f' },
      });
      expect(unknown.status).toBe(404);
    });

    it('refuses mass assignment: workspaceId, id, version, createdAt are 400 and change nothing', async () => {
      const inst = await createInstrument(api, crew.owner, crew.workspaceId, { serialNumber: 'MASS-1' });
      const elsewhere = await createWorkspaceCrew(api, 'Mass target');
      for (const body of [
        { name: 'Moved', workspaceId: elsewhere.workspaceId },
        { name: 'Moved', version: 42 },
        { name: 'Moved', id: '6f1c2d9e-4b1a-4c3e-9d2f-0a1b2c3d4e5f' },
        { name: 'Moved', createdAt: '2020-01-01T00:00:00Z' },
        { name: 'Moved', role: 'owner' },
      ]) {
        const res = await api.request('PATCH', `${base()}/${inst.id}`, { token: crew.editor.token, body });
        expect([JSON.stringify(body), res.status]).toEqual([JSON.stringify(body), 400]);
      }
      const create = await api.request('POST', base(), {
        token: crew.editor.token,
        body: { name: 'Smuggled', serialNumber: 'MASS-2', workspaceId: elsewhere.workspaceId },
      });
      expect(create.status).toBe(400);
      const got = await api.request('GET', `${base()}/${inst.id}`, { token: crew.viewer.token });
      expect(got.body).toMatchObject({ name: inst.name, version: 1, workspaceId: crew.workspaceId });
      const theirs = await api.request('GET', `/api/v1/workspaces/${elsewhere.workspaceId}/instruments`, {
        token: elsewhere.owner.token,
      });
      expect(theirs.body.total).toBe(0);
    });
  });

  describe('ETag and If-Match', () => {
    it('refuses a stale If-Match with 412 VERSION_MISMATCH and accepts the current one', async () => {
      const inst = await createInstrument(api, crew.owner, crew.workspaceId);
      const url = `${base()}/${inst.id}`;
      const first = await api.request('PATCH', url, {
        token: crew.editor.token,
        headers: { 'if-match': '"1"' },
        body: { status: 'offline' },
      });
      expect(first.status).toBe(200);
      expect(first.headers.etag).toBe('"2"');
      const stale = await api.request('PATCH', url, {
        token: crew.editor.token,
        headers: { 'if-match': '"1"' },
        body: { status: 'retired' },
      });
      expect(stale.status).toBe(412);
      expect(stale.body).toMatchObject({ code: 'VERSION_MISMATCH', currentVersion: 2 });
      const garbage = await api.request('PATCH', url, {
        token: crew.editor.token,
        headers: { 'if-match': 'banana' },
        body: { status: 'retired' },
      });
      expect(garbage.status).toBe(412);
      const current = await api.request('PATCH', url, {
        token: crew.editor.token,
        headers: { 'if-match': first.headers.etag as string },
        body: { status: 'retired' },
      });
      expect(current.status).toBe(200);
      expect(current.body).toMatchObject({ status: 'retired', version: 3 });
      const anyVersion = await api.request('PATCH', url, {
        token: crew.editor.token,
        headers: { 'if-match': '*' },
        body: { status: 'active' },
      });
      expect(anyVersion.status).toBe(200);
      const got = await api.request('GET', url, { token: crew.viewer.token });
      expect(got.body).toMatchObject({ status: 'active', version: 4 });
      expect(got.headers.etag).toBe('"4"');
      const staleDelete = await api.request('DELETE', url, {
        token: crew.editor.token,
        headers: { 'if-match': '"3"' },
      });
      expect(staleDelete.status).toBe(412);
    });

    it('lets exactly one of several concurrent PATCHes with the same If-Match win', async () => {
      const inst = await createInstrument(api, crew.owner, crew.workspaceId);
      const url = `${base()}/${inst.id}`;
      const results = await Promise.all(
        ['A', 'B', 'C', 'D'].map((n) =>
          api.request('PATCH', url, {
            token: crew.editor.token,
            headers: { 'if-match': '"1"' },
            body: { name: `Writer ${n}` },
          }),
        ),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 412, 412, 412]);
      const winner = results.find((r) => r.status === 200)!;
      const got = await api.request('GET', url, { token: crew.viewer.token });
      expect(got.body).toMatchObject({ name: winner.body.name, version: 2 });
      const audit = await api.request('GET', `/api/v1/workspaces/${crew.workspaceId}/audit-log`, {
        token: crew.viewer.token,
        query: { entityId: inst.id, action: 'update' },
      });
      expect(audit.body.total).toBe(1);
    });

    it('without If-Match, concurrent PATCHes all apply, one version each', async () => {
      const inst = await createInstrument(api, crew.owner, crew.workspaceId);
      const url = `${base()}/${inst.id}`;
      const results = await Promise.all(
        ['A', 'B', 'C'].map((n) => api.request('PATCH', url, { token: crew.editor.token, body: { notes: n } })),
      );
      expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
      expect(results.map((r) => r.body.version).sort()).toEqual([2, 3, 4]);
    });
  });

  describe('list', () => {
    let lab: WorkspaceCrew;
    let roomA: string;
    let roomB: string;
    const url = () => `/api/v1/workspaces/${lab.workspaceId}/instruments`;
    const names = (res: { body: { items: Array<{ name: string }> } }) => res.body.items.map((i) => i.name);

    beforeAll(async () => {
      lab = await createWorkspaceCrew(api, 'Listing lab');
      roomA = (await createLocation(api, lab.owner, lab.workspaceId, { name: 'Room A' })).id;
      roomB = (await createLocation(api, lab.owner, lab.workspaceId, { name: 'Room B' })).id;
      const rows: Array<Record<string, unknown>> = [
        {
          name: 'Centrifuge',
          serialNumber: 'C-300',
          model: 'Spin 5',
          type: 'centrifuge',
          status: 'active',
          locationId: roomA,
          calibrationDueAt: '2027-03-01T00:00:00Z',
        },
        {
          name: 'Balance',
          serialNumber: 'B-100',
          model: 'XPR 10%',
          type: 'balance',
          status: 'maintenance',
          locationId: roomA,
          calibrationDueAt: '2027-01-01T00:00:00Z',
        },
        {
          name: 'Spectrometer',
          serialNumber: 'S_200',
          model: 'UV-9',
          type: 'spectrometer',
          status: 'active',
          locationId: roomB,
        },
        {
          name: 'Autoclave',
          serialNumber: 'A-400',
          model: 'Steam X',
          type: 'sterilizer',
          status: 'retired',
          calibrationDueAt: '2026-06-01T00:00:00Z',
        },
        {
          name: 'Pipette robot',
          serialNumber: 'P-500',
          model: 'Liquid 96',
          type: 'robot',
          status: 'offline',
          locationId: roomB,
        },
      ];
      for (const r of rows) await createInstrument(api, lab.owner, lab.workspaceId, r);
    });

    it('paginates with total and totalPages, sorted by name by default', async () => {
      const p1 = await api.request('GET', url(), { token: lab.viewer.token, query: { pageSize: 2 } });
      expect(p1.status).toBe(200);
      expect(p1.body).toMatchObject({ total: 5, page: 1, pageSize: 2, totalPages: 3 });
      expect(names(p1)).toEqual(['Autoclave', 'Balance']);
      const p3 = await api.request('GET', url(), { token: lab.viewer.token, query: { pageSize: 2, page: 3 } });
      expect(names(p3)).toEqual(['Spectrometer']);
      const past = await api.request('GET', url(), { token: lab.viewer.token, query: { pageSize: 2, page: 4 } });
      expect(past.body).toMatchObject({ items: [], total: 5, page: 4, totalPages: 3 });
      const defaults = await api.request('GET', url(), { token: lab.viewer.token });
      expect(defaults.body).toMatchObject({ page: 1, pageSize: 50, total: 5 });
      expect(defaults.body.items[0]).toEqual(expect.objectContaining({ capabilities: {}, version: 1 }));
    });

    it('sorts by the allowed fields, several at once, and refuses others', async () => {
      const bySerialDesc = await api.request('GET', url(), {
        token: lab.viewer.token,
        query: { sort: '-serialNumber' },
      });
      expect(names(bySerialDesc)).toEqual(['Spectrometer', 'Pipette robot', 'Centrifuge', 'Balance', 'Autoclave']);
      const byStatus = await api.request('GET', url(), { token: lab.viewer.token, query: { sort: 'status,-name' } });
      expect(names(byStatus)).toEqual(['Spectrometer', 'Centrifuge', 'Balance', 'Pipette robot', 'Autoclave']);
      const byDue = await api.request('GET', url(), {
        token: lab.viewer.token,
        query: { sort: 'calibrationDueAt,name' },
      });
      expect(names(byDue)).toEqual(['Autoclave', 'Balance', 'Centrifuge', 'Pipette robot', 'Spectrometer']);
      const byDueDesc = await api.request('GET', url(), {
        token: lab.viewer.token,
        query: { sort: '-calibrationDueAt,name' },
      });
      expect(names(byDueDesc)).toEqual(['Centrifuge', 'Balance', 'Autoclave', 'Pipette robot', 'Spectrometer']);
      const byCreated = await api.request('GET', url(), { token: lab.viewer.token, query: { sort: '-createdAt' } });
      expect(names(byCreated)[0]).toBe('Pipette robot');
      for (const sort of ['notes', 'workspaceId', 'name;drop table instruments']) {
        const bad = await api.request('GET', url(), { token: lab.viewer.token, query: { sort } });
        expect([sort, bad.status]).toEqual([sort, 400]);
      }
    });

    it('filters by status, locationId and type', async () => {
      const active = await api.request('GET', url(), { token: lab.viewer.token, query: { status: 'active' } });
      expect(names(active)).toEqual(['Centrifuge', 'Spectrometer']);
      const inA = await api.request('GET', url(), { token: lab.viewer.token, query: { locationId: roomA } });
      expect(names(inA)).toEqual(['Balance', 'Centrifuge']);
      const both = await api.request('GET', url(), {
        token: lab.viewer.token,
        query: { locationId: roomB, status: 'offline' },
      });
      expect(names(both)).toEqual(['Pipette robot']);
      expect(both.body.total).toBe(1);
      const robots = await api.request('GET', url(), { token: lab.viewer.token, query: { type: 'robot' } });
      expect(names(robots)).toEqual(['Pipette robot']);
      const badStatus = await api.request('GET', url(), { token: lab.viewer.token, query: { status: 'lost' } });
      expect(badStatus.status).toBe(400);
      const badLocation = await api.request('GET', url(), { token: lab.viewer.token, query: { locationId: 'x' } });
      expect(badLocation.status).toBe(400);
      const unknownFilter = await api.request('GET', url(), { token: lab.viewer.token, query: { color: 'red' } });
      expect(unknownFilter.status).toBe(400);
    });

    it('searches name, model and serial number with q, case-insensitively, with % and _ taken literally', async () => {
      const q = async (text: string) =>
        names(await api.request('GET', url(), { token: lab.viewer.token, query: { q: text } }));
      expect(await q('CENTRI')).toEqual(['Centrifuge']);
      expect(await q('steam')).toEqual(['Autoclave']);
      expect(await q('p-5')).toEqual(['Pipette robot']);
      expect(await q('%')).toEqual(['Balance']);
      expect(await q('_')).toEqual(['Spectrometer']);
      expect(await q('s_2')).toEqual(['Spectrometer']);
      expect(await q('nothing like this')).toEqual([]);
      const combined = await api.request('GET', url(), {
        token: lab.viewer.token,
        query: { q: 'e', status: 'active', pageSize: 1 },
      });
      expect(combined.body).toMatchObject({ total: 2, totalPages: 2 });
    });

    it('only ever lists the workspace in the path', async () => {
      const mine = await api.request('GET', base(), { token: crew.owner.token, query: { q: 'Centrifuge' } });
      expect(mine.body.total).toBe(0);
    });
  });
});
