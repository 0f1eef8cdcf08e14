import type { HealthCheck } from '@labwire/core';
import { BrokerAdmin } from './broker-admin';

/** The broker answers a management request from Labwire's account. */
export function brokerHealthCheck(broker: BrokerAdmin, name = 'broker'): HealthCheck {
  return { name, check: () => broker.verify() };
}
