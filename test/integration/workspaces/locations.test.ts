import { startTestApi, TestApi } from '../../support/test-app';
import {
  createInstrument,
  createLocation,
  createWorkspaceCrew,
  WorkspaceCrew,
} from '../../support/workspace-factories';

describe('locations', () => {
  let api: TestApi;
  let crew: WorkspaceCrew;
  const base = () => `/api/v1/workspaces/${crew.workspaceId}/locations`;

  beforeAll(async () => {
    api = await startTestApi({ LOGIN_IP_LIMIT_PER_MINUTE: '1000' });
    crew = await createWorkspaceCrew(api, 'Locations lab');
  });
  afterAll(() => api.close());

  it('creates, reads, updates and deletes a location', async () => {
    const created = await api.request('POST', base(), {
      token: crew.editor.token,
      body: { name: ' Room 101 ', description: 'cold room', address: 'Building A' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      workspaceId: crew.workspaceId,
      name: 'Room 101',
      description: 'cold room',
      address: 'Building A',
      version: 1,
    });
    expect(created.headers.etag).toBe('"1"');
    const url = `${base()}/${created.body.id}`;
    const got = await api.request('GET', url, { token: crew.viewer.token });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(created.body);

    const updated = await api.request('PATCH', url, {
      token: crew.editor.token,
      body: { description: null, address: 'Building B' },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ name: 'Room 101', description: null, address: 'Building B', version: 2 });
    expect(updated.headers.etag).toBe('"2"');

    const stale = await api.request('PATCH', url, {
      token: crew.editor.token,
      headers: { 'if-match': '"1"' },
      body: { name: 'Room 102' },
    });
    expect(stale.status).toBe(412);
    expect(stale.body.code).toBe('VERSION_MISMATCH');

    const del = await api.request('DELETE', url, { token: crew.editor.token });
    expect(del.status).toBe(204);
    const gone = await api.request('GET', url, { token: crew.viewer.token });
    expect(gone.status).toBe(404);
    expect(gone.body.code).toBe('LOCATION_NOT_FOUND');
  });

  it('keeps names unique in a workspace (409 LOCATION_NAME_TAKEN), not across workspaces', async () => {
    await createLocation(api, crew.owner, crew.workspaceId, { name: 'Unique room' });
    const dup = await api.request('POST', base(), { token: crew.owner.token, body: { name: 'Unique room' } });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('LOCATION_NAME_TAKEN');
    const other = await createLocation(api, crew.owner, crew.workspaceId, { name: 'Other room' });
    const rename = await api.request('PATCH', `${base()}/${other.id}`, {
      token: crew.owner.token,
      body: { name: 'Unique room' },
    });
    expect(rename.status).toBe(409);
    expect(rename.body.code).toBe('LOCATION_NAME_TAKEN');
    const elsewhere = await createWorkspaceCrew(api, 'Elsewhere');
    await createLocation(api, elsewhere.owner, elsewhere.workspaceId, { name: 'Unique room' });
  });

  it('refuses to delete a location that holds instruments, saying how many (409 LOCATION_NOT_EMPTY)', async () => {
    const location = await createLocation(api, crew.owner, crew.workspaceId, { name: 'Busy bench' });
    const a = await createInstrument(api, crew.owner, crew.workspaceId, { locationId: location.id });
    await createInstrument(api, crew.owner, crew.workspaceId, { locationId: location.id });
    const del = await api.request('DELETE', `${base()}/${location.id}`, { token: crew.owner.token });
    expect(del.status).toBe(409);
    expect(del.body.code).toBe('LOCATION_NOT_EMPTY');
    expect(del.body.detail).toContain('2 instruments');
    expect(del.body.instrumentCount).toBe(2);
    await api.request('DELETE', `/api/v1/workspaces/${crew.workspaceId}/instruments/${a.id}`, {
      token: crew.owner.token,
    });
    const stillOne = await api.request('DELETE', `${base()}/${location.id}`, { token: crew.owner.token });
    expect(stillOne.body.detail).toContain('1 instrument;');
  });

  it('refuses mass assignment (400, nothing changed)', async () => {
    const location = await createLocation(api, crew.owner, crew.workspaceId, { name: 'Fixed' });
    const other = await createWorkspaceCrew(api, 'Target');
    for (const body of [
      { name: 'Moved', workspaceId: other.workspaceId },
      { name: 'Moved', version: 99 },
      { name: 'Moved', id: location.id },
      { name: null },
    ]) {
      const res = await api.request('PATCH', `${base()}/${location.id}`, { token: crew.owner.token, body });
      expect(res.status).toBe(400);
    }
    const create = await api.request('POST', base(), {
      token: crew.owner.token,
      body: { name: 'Smuggled', workspaceId: other.workspaceId },
    });
    expect(create.status).toBe(400);
    const got = await api.request('GET', `${base()}/${location.id}`, { token: crew.owner.token });
    expect(got.body).toMatchObject({ name: 'Fixed', version: 1, workspaceId: crew.workspaceId });
    const list = await api.request('GET', `/api/v1/workspaces/${other.workspaceId}/locations`, {
      token: other.owner.token,
    });
    expect(list.body.total).toBe(0);
  });

  it('lists with pagination, sorting and q', async () => {
    const fresh = await createWorkspaceCrew(api, 'Listing');
    const url = `/api/v1/workspaces/${fresh.workspaceId}/locations`;
    for (const [name, address] of [
      ['Delta lab', 'North wing'],
      ['Alpha bench', 'South wing'],
      ['Charlie room', 'North wing'],
      ['Bravo_store', 'Basement'],
      ['100% humid chamber', 'Basement'],
    ]) {
      await createLocation(api, fresh.owner, fresh.workspaceId, { name, address });
    }
    const page = await api.request('GET', url, { token: fresh.viewer.token, query: { pageSize: 2, page: 2 } });
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ total: 5, page: 2, pageSize: 2, totalPages: 3 });
    const all = await api.request('GET', url, { token: fresh.viewer.token, query: { sort: '-name' } });
    expect(all.body.items.map((l: any) => l.name)).toEqual([
      'Delta lab',
      'Charlie room',
      'Bravo_store',
      'Alpha bench',
      '100% humid chamber',
    ]);
    const north = await api.request('GET', url, { token: fresh.viewer.token, query: { q: 'north' } });
    expect(north.body.items.map((l: any) => l.name)).toEqual(['Charlie room', 'Delta lab']);
    const pct = await api.request('GET', url, { token: fresh.viewer.token, query: { q: '%' } });
    expect(pct.body.items.map((l: any) => l.name)).toEqual(['100% humid chamber']);
    const underscore = await api.request('GET', url, { token: fresh.viewer.token, query: { q: 'o_s' } });
    expect(underscore.body.items.map((l: any) => l.name)).toEqual(['Bravo_store']);
    const newest = await api.request('GET', url, {
      token: fresh.viewer.token,
      query: { sort: '-createdAt', pageSize: 1 },
    });
    expect(newest.body.items[0].name).toBe('100% humid chamber');
    const bad = await api.request('GET', url, { token: fresh.viewer.token, query: { sort: 'address' } });
    expect(bad.status).toBe(400);
    const huge = await api.request('GET', url, { token: fresh.viewer.token, query: { pageSize: 501 } });
    expect(huge.status).toBe(400);
  });
});
