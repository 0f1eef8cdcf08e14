import { createUser, startTestApi, TestApi } from '../../support/test-app';
import { startTestBroker, TestBroker } from '../../support/test-broker';
import { createWorkspace } from '../../support/workspace-factories';

/** CONTRACT: a broker that cannot manage clients is refused at boot with a message that says so. */
describe('the api and its broker at boot', () => {
  let broker: TestBroker;

  beforeAll(async () => {
    broker = await startTestBroker();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('refuses to start with the wrong Labwire password', async () => {
    await expect(startTestApi({ ...broker.env, MQTT_PASSWORD: 'not-the-password' })).rejects.toThrow(
      /cannot manage clients for Labwire.*refused labwire.*MQTT_PASSWORD/s,
    );
  });

  it('refuses to start against a Mosquitto without the dynamic security plugin (the system one on 1883)', async () => {
    await expect(startTestApi({ MQTT_URL: 'mqtt://127.0.0.1:1883' })).rejects.toThrow(
      /cannot manage clients for Labwire.*no answer to "getClient" from the dynamic security plugin/s,
    );
  });

  it('refuses to start when no broker answers', async () => {
    await expect(startTestApi({ MQTT_URL: 'mqtt://127.0.0.1:1' })).rejects.toThrow(
      /cannot manage clients for Labwire.*cannot connect to mqtt:\/\/127\.0\.0\.1:1/s,
    );
  });

  describe('when the broker goes away after boot', () => {
    let own: TestBroker;
    let api: TestApi;
    beforeAll(async () => {
      own = await startTestBroker();
      api = await startTestApi(own.env);
      await own.stop();
    });
    afterAll(() => api.close());

    it('/health/ready answers 503 naming the broker; /health/live stays 200', async () => {
      const res = await api.request('GET', '/health/ready');
      expect(res.status).toBe(503);
      expect(res.body.checks.broker).toMatchObject({ status: 'down' });
      expect(res.body.checks.database).toMatchObject({ status: 'up' });
      expect((await api.request('GET', '/health/live')).status).toBe(200);
    });

    it('instrument changes fail cleanly (503 BROKER_UNAVAILABLE) and leave nothing behind', async () => {
      const owner = await createUser(api);
      const workspaceId = await createWorkspace(api, owner);
      const url = `/api/v1/workspaces/${workspaceId}/instruments`;
      const res = await api.request('POST', url, {
        token: owner.token,
        body: { name: 'Balance', serialNumber: 'B-1' },
      });
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('BROKER_UNAVAILABLE');
      expect((await api.request('GET', url, { token: owner.token })).body.total).toBe(0);
    });
  });
});
