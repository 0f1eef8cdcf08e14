import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { multipartBody } from '../../support/multipart';
import { startTestApi, TestApi } from '../../support/test-app';
import { createWorkspaceCrew } from '../../support/workspace-factories';

/** Every file stored under a directory, recursively. */
function filesUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name));
  } catch {
    return [];
  }
}

/** "Delete a workspace and everything in it": its uploaded files too, not only their rows. */
describe('deleting a workspace with data sources', () => {
  let api: TestApi;
  let storageDir: string;

  beforeAll(async () => {
    storageDir = mkdtempSync(join(tmpdir(), 'labwire-storage-'));
    api = await startTestApi({ STORAGE_URL: `file://${storageDir}` });
  });
  afterAll(async () => {
    await api?.close();
    rmSync(storageDir, { recursive: true, force: true });
  });

  it("removes the workspace's stored files, and only them", async () => {
    const [doomed, kept] = await Promise.all([createWorkspaceCrew(api), createWorkspaceCrew(api)]);
    const upload = async (workspaceId: string, token: string, content: string) => {
      const { payload, headers } = await multipartBody({}, { content, filename: 'notes.txt', type: 'text/plain' });
      const res = await api.request('POST', `/api/v1/workspaces/${workspaceId}/datasources`, {
        token,
        payload,
        headers,
      });
      expect(res.status).toBe(201);
    };
    await upload(doomed.workspaceId, doomed.editor.token, 'first file\n');
    await upload(doomed.workspaceId, doomed.editor.token, 'second file\n');
    const text = await api.request('POST', `/api/v1/workspaces/${doomed.workspaceId}/datasources`, {
      token: doomed.editor.token,
      body: { type: 'text', text: 'a text block' },
    });
    expect(text.status).toBe(201);
    await upload(kept.workspaceId, kept.editor.token, 'another workspace\n');
    const doomedDir = join(storageDir, 'workspaces', doomed.workspaceId);
    expect(filesUnder(doomedDir)).toHaveLength(3);

    const res = await api.request('DELETE', `/api/v1/workspaces/${doomed.workspaceId}`, { token: doomed.owner.token });
    expect(res.status).toBe(204);
    expect(filesUnder(doomedDir)).toEqual([]);
    expect(filesUnder(join(storageDir, 'workspaces', kept.workspaceId))).toHaveLength(1);
  });
});
