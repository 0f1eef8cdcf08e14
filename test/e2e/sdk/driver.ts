/**
 * A client program written against the TypeScript SDK generated from the live /openapi.json, as an
 * SDK user would write it. The e2e test type-checks it (strict) and runs it; it prints one JSON
 * summary line. It is excluded from the project's own type check because the SDK is generated.
 */
import {
  authLogin,
  instrumentsCreate,
  instrumentsGet,
  instrumentsList,
  instrumentsRemove,
  instrumentsUpdate,
  locationsCreate,
  meGet,
  workspacesCreate,
} from '../.generated/sdk/client';
import { client } from '../.generated/sdk/client/client.gen';

async function main(): Promise<void> {
  const baseUrl = process.env.LABWIRE_URL!;
  let token = '';
  client.setConfig({
    baseUrl,
    auth: (auth) => (auth.scheme === 'bearer' ? token : undefined),
  });

  const login = await authLogin({
    body: { email: process.env.LABWIRE_EMAIL!, password: process.env.LABWIRE_PASSWORD! },
    throwOnError: true,
  });
  token = login.data.accessToken;
  const me = await meGet({ throwOnError: true });

  const ws = await workspacesCreate({ body: { name: 'SDK lab' }, throwOnError: true });
  const workspaceId = ws.data.id;
  const loc = await locationsCreate({ path: { workspaceId }, body: { name: 'Bench 1' }, throwOnError: true });

  const created = await instrumentsCreate({
    path: { workspaceId },
    body: {
      name: 'HPLC-1',
      serialNumber: 'SN-SDK-001',
      model: '1260 Infinity II',
      manufacturer: 'Agilent',
      type: 'chromatograph',
      capabilities: { channels: 4 },
      locationId: loc.data.id,
    },
    throwOnError: true,
  });
  const instrumentId = created.data.id;

  const read = await instrumentsGet({ path: { workspaceId, instrumentId }, throwOnError: true });
  const etag = read.response.headers.get('etag') ?? '';
  const updated = await instrumentsUpdate({
    path: { workspaceId, instrumentId },
    headers: { 'If-Match': etag },
    body: { status: 'maintenance', notes: 'column replaced' },
    throwOnError: true,
  });
  // A second write with the old ETag must be refused with a typed problem document.
  const stale = await instrumentsUpdate({
    path: { workspaceId, instrumentId },
    headers: { 'If-Match': etag },
    body: { notes: 'lost update' },
  });

  const list = await instrumentsList({
    path: { workspaceId },
    query: { q: 'hplc', pageSize: 10, sort: '-createdAt' },
    throwOnError: true,
  });
  await instrumentsRemove({ path: { workspaceId, instrumentId }, throwOnError: true });
  const missing = await instrumentsGet({ path: { workspaceId, instrumentId } });
  const after = await instrumentsList({ path: { workspaceId }, throwOnError: true });

  console.log(
    JSON.stringify({
      me: me.data.email,
      created: { name: created.data.name, status: created.data.status },
      updated: { status: updated.data.status, notes: updated.data.notes, version: updated.data.version },
      stale: { status: stale.response.status, code: stale.error?.code },
      listed: { total: list.data.total, names: list.data.items.map((i) => i.name) },
      missing: { status: missing.response.status, code: missing.error?.code },
      afterDelete: after.data.total,
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
