import { randomUUID } from 'node:crypto';
import { InstrumentService } from '../../../libs/domain/src';
import { BrokerClient, MosquittoDynsecBrokerAdmin } from '../../../libs/providers/src';
import { startTestApi, TestApi } from '../../support/test-app';
import { startTestBroker, TestBroker } from '../../support/test-broker';
import { connectMqtt, REFUSED_AT_CONNECT, refusalCode } from '../../support/mqtt-test-client';
import { createInstrument, createWorkspaceCrew, WorkspaceCrew } from '../../support/workspace-factories';

/** The startup reconciliation of the broker's clients with the instrument registry. */
describe('broker reconciliation', () => {
  let broker: TestBroker;
  let api: TestApi;
  let crew: WorkspaceCrew;
  let admin: MosquittoDynsecBrokerAdmin;

  const clientsByName = async (): Promise<Map<string, BrokerClient>> =>
    new Map((await admin.listClients()).map((c) => [c.username, c]));
  const base = () => `/api/v1/workspaces/${crew.workspaceId}/instruments`;

  beforeAll(async () => {
    broker = await startTestBroker();
    api = await startTestApi(broker.env);
    crew = await createWorkspaceCrew(api);
    // A second management connection, to break the broker's state behind Labwire's back.
    admin = new MosquittoDynsecBrokerAdmin({ url: broker.url, username: broker.username, password: broker.password });
  });

  afterAll(async () => {
    await admin?.close();
    await api?.close();
    await broker?.stop();
  });

  it('repairs drift idempotently: statuses fixed, orphans removed, lost clients reported for rotation', async () => {
    const lost = await createInstrument(api, crew.editor, crew.workspaceId);
    const retired = await createInstrument(api, crew.editor, crew.workspaceId, { status: 'retired' });
    const active = await createInstrument(api, crew.editor, crew.workspaceId);
    const orphan = randomUUID();

    await admin.deleteInstrumentClient(lost.id); // e.g. a broker restored from an old backup
    await admin.setClientEnabled(retired.id, true); // enabled behind Labwire's back
    await admin.setClientEnabled(active.id, false);
    await admin.upsertInstrumentClient(orphan, 'some-secret-123', true); // its instrument is gone
    await admin.upsertInstrumentClient('gateway', 'some-secret-123', true); // not instrument-named: not ours

    const service = api.app.get(InstrumentService);
    const first = await service.reconcileBroker();
    expect(first).toMatchObject({ repaired: 2, removed: 1, needsRotation: [lost.id] });

    const clients = await clientsByName();
    expect(clients.has(lost.id)).toBe(false); // its secret is gone for good: only a rotation brings it back
    expect(clients.get(retired.id)).toMatchObject({ disabled: true });
    expect(clients.get(active.id)).toMatchObject({ disabled: false });
    expect(clients.has(orphan)).toBe(false);
    expect(clients.has('gateway')).toBe(true);
    expect(clients.has(broker.username)).toBe(true);

    expect(REFUSED_AT_CONNECT).toContain(
      await refusalCode(broker.url, { username: retired.id, password: retired.mqttSecret }),
    );
    await (
      await connectMqtt(broker.url, { username: active.id, password: active.mqttSecret, clientId: active.id })
    ).endAsync();

    // Again: nothing left to change; the lost instrument still waits for a rotation.
    const second = await service.reconcileBroker();
    expect(second).toMatchObject({ repaired: 0, removed: 0 });
    expect(second.needsRotation).toEqual([lost.id]);
    expect(await clientsByName()).toEqual(clients);

    // Rotating brings the lost instrument back.
    const rotated = await api.request('POST', `${base()}/${lost.id}/credentials/rotate`, { token: crew.editor.token });
    expect(rotated.status).toBe(200);
    await (
      await connectMqtt(broker.url, { username: lost.id, password: rotated.body.mqttSecret, clientId: lost.id })
    ).endAsync();
    expect((await service.reconcileBroker()).needsRotation).toEqual([]);
  });

  it('never removes the client of an instrument created or kept while it runs', async () => {
    const service = api.app.get(InstrumentService);
    const [created] = await Promise.all([
      Promise.all(Array.from({ length: 8 }, () => createInstrument(api, crew.editor, crew.workspaceId))),
      service.reconcileBroker(),
      service.reconcileBroker(),
    ]);
    await service.reconcileBroker();
    for (const instrument of created) {
      await (
        await connectMqtt(broker.url, {
          username: instrument.id,
          password: instrument.mqttSecret,
          clientId: instrument.id,
        })
      ).endAsync();
    }
  });

  it('runs when an api starts', async () => {
    const orphan = randomUUID();
    await admin.upsertInstrumentClient(orphan, 'some-secret-123', true);
    const replica = await startTestApi(broker.env, { databaseUrl: api.dbUrl });
    try {
      expect((await clientsByName()).has(orphan)).toBe(false);
    } finally {
      await replica.close();
    }
  });

  it('puts back a role that was taken from a client', async () => {
    const x = await createInstrument(api, crew.editor, crew.workspaceId);
    // Same secret, but the role (its topic rights) deleted by hand.
    await (admin as unknown as { run(c: unknown[]): Promise<unknown> }).run([
      { command: 'removeClientRole', username: x.id, rolename: `labwire-instrument-${x.id}` },
    ]);
    const report = await api.app.get(InstrumentService).reconcileBroker();
    expect(report.repaired).toBe(1);
    expect((await clientsByName()).get(x.id)).toMatchObject({ roles: [`labwire-instrument-${x.id}`], disabled: false });
    await (await connectMqtt(broker.url, { username: x.id, password: x.mqttSecret, clientId: x.id })).endAsync();
  });

  it('binds a client made before client-id binding to its own id (any other id is refused after)', async () => {
    const x = await createInstrument(api, crew.editor, crew.workspaceId);
    // As an older Labwire left it: no client id bound, so any id signs in with its credentials.
    await (admin as unknown as { run(c: unknown[]): Promise<unknown> }).run([
      { command: 'modifyClient', username: x.id, clientid: '' },
    ]);
    expect((await clientsByName()).get(x.id)).toMatchObject({ clientId: null });
    await (await connectMqtt(broker.url, { username: x.id, password: x.mqttSecret, clientId: 'anything' })).endAsync();

    const report = await api.app.get(InstrumentService).reconcileBroker();
    expect(report.repaired).toBe(1);
    expect((await clientsByName()).get(x.id)).toMatchObject({ clientId: x.id, disabled: false });
    expect(REFUSED_AT_CONNECT).toContain(
      await refusalCode(broker.url, { username: x.id, password: x.mqttSecret, clientId: 'anything' }),
    );
    await (await connectMqtt(broker.url, { username: x.id, password: x.mqttSecret, clientId: x.id })).endAsync();
  });
});
