import { BrokerNotManageableError } from './broker-not-manageable.error';

describe('BrokerNotManageableError', () => {
  it('names the broker without the password an MQTT_URL may carry', () => {
    const err = new BrokerNotManageableError('mqtt://labwire:s3cret-pass@broker.lab:1884', 'labwire', 'not authorised');
    expect(err.message).toContain('mqtt://labwire:***@broker.lab:1884');
    expect(err.message).not.toContain('s3cret-pass');
  });
});
