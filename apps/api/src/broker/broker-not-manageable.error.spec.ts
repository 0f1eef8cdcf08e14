import { BrokerNotManageableError } from './broker-not-manageable.error';

describe('BrokerNotManageableError', () => {
  it('names the broker without the password an MQTT_URL may carry', () => {
    const err = new BrokerNotManageableError('mqtt://labwire:s3cret-pass@broker.lab:1884', 'labwire', 'not authorised');
    expect(err.message).toContain('mqtt://labwire:***@broker.lab:1884');
    expect(err.message).not.toContain('s3cret-pass');
  });

  it('does not claim npm start started a broker; says what to do when another one holds the port', () => {
    const err = new BrokerNotManageableError('mqtt://127.0.0.1:1884', 'labwire', 'not authorised');
    expect(err.message).not.toMatch(/npm start starts one/);
    expect(err.message).toContain('If another broker holds the port');
    expect(err.message).toContain('point MQTT_URL');
  });
});
