import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  BROKER_ADMIN,
  BrokerAdmin,
  InstrumentAccess,
  instrumentRoleName,
  isInstrumentUsername,
} from '@labwire/providers';
import { InstrumentStatus } from './instrument.entity';

/** What an instrument signs in to the broker with; the secret exists only in the answer that issues it. */
export interface InstrumentCredentials {
  mqttUsername: string;
  mqttSecret: string;
}

export interface BrokerReconcileReport {
  /** instruments with no usable client (none, or one without a secret): rotate their credentials */
  needsRotation: string[];
  /** clients whose enabled state or role was put right */
  repaired: number;
  /** clients named like instruments that no instrument matches */
  removed: number;
  unchanged: number;
}

/** What reconciliation must do, computed from a snapshot of the registry and one of the broker. */
export interface BrokerDrift {
  needsRotation: string[];
  /** instruments whose client exists but is enabled/disabled wrongly, lacks its role or its client-id binding */
  toRepair: string[];
  unchanged: number;
}

/** Only retired instruments are locked out; maintenance and offline ones may still report. */
const mayConnect = (status: InstrumentStatus) => status !== 'retired';

/**
 * Keeps the broker's instrument clients in step with the instrument registry: each instrument is a
 * client named by its id whose role may use only its own topics. Secrets are generated here, handed to
 * the broker (which keeps only its salted hash) and returned once; Labwire stores none of them.
 */
@Injectable()
export class InstrumentBrokerSync {
  private readonly logger = new Logger('InstrumentBroker');

  constructor(@Inject(BROKER_ADMIN) private readonly broker: BrokerAdmin) {}

  /** Issues a new secret: creates the client or replaces its password (which disconnects the old sessions). */
  async issueCredentials(
    instrumentId: string,
    status: InstrumentStatus,
    access: InstrumentAccess = {},
  ): Promise<InstrumentCredentials> {
    const mqttSecret = randomBytes(24).toString('base64url');
    await this.broker.upsertInstrumentClient(instrumentId, mqttSecret, mayConnect(status), access);
    return { mqttUsername: instrumentId, mqttSecret };
  }

  /**
   * Enables or disables the client for a status. A missing client stays missing (the instrument cannot
   * connect either way): only a rotation can give it a secret again, which the log says.
   */
  async applyStatus(instrumentId: string, status: InstrumentStatus): Promise<void> {
    if (await this.broker.setClientEnabled(instrumentId, mayConnect(status))) return;
    this.logger.warn(`instrument ${instrumentId} has no broker client: rotate its credentials to connect it`);
  }

  /**
   * Re-applies the client's role (with `access`: a display's current-alert topics) and the enabled
   * state its status asks for; keeps its secret.
   */
  async repair(instrumentId: string, status: InstrumentStatus, access: InstrumentAccess = {}): Promise<void> {
    await this.broker.upsertInstrumentClient(instrumentId, null, mayConnect(status), access);
  }

  async remove(instrumentId: string): Promise<void> {
    await this.broker.deleteInstrumentClient(instrumentId);
  }

  /** Compares a snapshot of the registry with the broker's clients. */
  async drift(instruments: Array<{ id: string; status: InstrumentStatus }>): Promise<BrokerDrift> {
    const clients = new Map((await this.broker.listClients()).map((c) => [c.username.toLowerCase(), c]));
    const drift: BrokerDrift = { needsRotation: [], toRepair: [], unchanged: 0 };
    for (const instrument of instruments) {
      const client = clients.get(instrument.id.toLowerCase());
      if (!client || !client.hasSecret) {
        drift.needsRotation.push(instrument.id);
        // A client without a secret may still carry a stale role or be enabled: tidy it, it costs nothing.
        if (
          client &&
          (!client.disabled ||
            !client.roles.includes(instrumentRoleName(instrument.id)) ||
            client.clientId !== instrument.id)
        ) {
          drift.toRepair.push(instrument.id);
        }
      } else if (
        client.disabled === mayConnect(instrument.status) ||
        !client.roles.includes(instrumentRoleName(instrument.id)) ||
        client.clientId !== instrument.id
      ) {
        drift.toRepair.push(instrument.id);
      } else {
        drift.unchanged++;
      }
    }
    return drift;
  }

  /**
   * Removes the clients named like instruments (a UUID) whose id is not in `instrumentIds`. The caller
   * guarantees no instrument is being created meanwhile (see InstrumentService.reconcileBroker).
   */
  async removeOrphans(instrumentIds: string[]): Promise<number> {
    const known = new Set(instrumentIds.map((id) => id.toLowerCase()));
    const orphans = (await this.broker.listClients())
      .map((c) => c.username)
      .filter((u) => isInstrumentUsername(u) && !known.has(u.toLowerCase()));
    await inBatches(orphans, (u) => this.broker.deleteInstrumentClient(u));
    return orphans.length;
  }

  logNeedsRotation(ids: string[]): void {
    if (!ids.length) return;
    this.logger.warn(
      `${ids.length} instrument(s) have no broker credentials (a broker whose data was lost, or instruments created ` +
        `outside the api): they cannot connect until their credentials are rotated ` +
        `(POST …/instruments/{id}/credentials/rotate): ${ids.slice(0, 20).join(', ')}${ids.length > 20 ? ', …' : ''}`,
    );
  }
}

/** A few broker requests in flight at a time: quick on thousands of clients, gentle on the broker. */
export async function inBatches<T>(items: T[], fn: (item: T) => Promise<unknown>, size = 16): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}
