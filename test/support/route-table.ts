import type { TestApi, TestUser } from './test-app';
import type { WorkspaceCrew } from './workspace-factories';

export type WorkspaceRole = 'viewer' | 'editor' | 'owner';

/** One workspace-scoped route, the lowest workspace role that may call it, and a body it accepts. */
export interface ScopedRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  role: WorkspaceRole;
  body?: Record<string, unknown>;
}

const label = (r: ScopedRoute) => `${r.method} ${r.path}`;

/**
 * The access rules every workspace-scoped route obeys, checked route by route:
 * - a signed-in non-member (and a platform admin) gets 404 WORKSPACE_NOT_FOUND and changes nothing;
 * - a viewer gets 403 FORBIDDEN on every write and changes nothing; an editor gets 403 on owner routes;
 * - a viewer can read every readable route.
 * `snapshot` reads (as the owner) whatever the routes could change, so "changes nothing" is checked.
 */
export function describeRouteTable(
  name: string,
  setup: () => Promise<{ api: TestApi; crew: WorkspaceCrew; admin?: TestUser; routes: ScopedRoute[] }>,
  snapshot: () => Promise<unknown>,
): void {
  describe(`${name}: route table`, () => {
    let ctx: { api: TestApi; crew: WorkspaceCrew; admin?: TestUser; routes: ScopedRoute[] };
    beforeAll(async () => {
      ctx = await setup();
    });

    it('answers 404 WORKSPACE_NOT_FOUND to a signed-in non-member on every route, and changes nothing', async () => {
      const before = await snapshot();
      for (const r of ctx.routes) {
        const res = await ctx.api.request(r.method, r.path, { token: ctx.crew.outsider.token, body: r.body });
        expect([label(r), res.status, res.body.code]).toEqual([label(r), 404, 'WORKSPACE_NOT_FOUND']);
      }
      expect(await snapshot()).toEqual(before);
    });

    it('gives platform admins no bypass: 404 on every route', async () => {
      if (!ctx.admin) return;
      for (const r of ctx.routes) {
        const res = await ctx.api.request(r.method, r.path, { token: ctx.admin.token, body: r.body });
        expect([label(r), res.status]).toEqual([label(r), 404]);
      }
    });

    it('answers 403 FORBIDDEN to a viewer on every write, and changes nothing', async () => {
      const before = await snapshot();
      for (const r of ctx.routes.filter((x) => x.role !== 'viewer')) {
        const res = await ctx.api.request(r.method, r.path, { token: ctx.crew.viewer.token, body: r.body });
        expect([label(r), res.status, res.body.code]).toEqual([label(r), 403, 'FORBIDDEN']);
      }
      expect(await snapshot()).toEqual(before);
    });

    it('answers 403 to an editor on owner-only routes', async () => {
      for (const r of ctx.routes.filter((x) => x.role === 'owner')) {
        const res = await ctx.api.request(r.method, r.path, { token: ctx.crew.editor.token, body: r.body });
        expect([label(r), res.status]).toEqual([label(r), 403]);
      }
    });

    it('lets a viewer read every readable route', async () => {
      for (const r of ctx.routes.filter((x) => x.role === 'viewer')) {
        const res = await ctx.api.request(r.method, r.path, { token: ctx.crew.viewer.token });
        expect([label(r), res.status]).toEqual([label(r), 200]);
      }
    });
  });
}
