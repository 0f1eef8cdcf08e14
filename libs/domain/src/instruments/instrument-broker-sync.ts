import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { BROKER_ADMIN, BrokerAdmin, instrumentRoleName, isInstrumentUsername } from '@labwire/providers';
import { InstrumentStatus } from './instrument.entity';

/** What an instrument signs in to the broker with; the secret exists only in the answer that issues it. */
export interface InstrumentCredentials {
  mqttUsername: string;
  mqttSecret: string;
}

export interface BrokerReconcileReport {
  /** instruments whose client was missing (now created disabled) or has no secret: rotate their credentials */
  needsRotation: string[];
  /** clients created (disabled, without a secret) for instruments that had none */
  created: number;
  enabled: number;
  disabled: number;
  /** roles put back on clients that had lost them */
  repaired: number;
  /** clients named like instruments that no instrument matches */
  removed: number;
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
  async issueCredentials(instrumentId: string, status: InstrumentStatus): Promise<InstrumentCredentials> {
    const mqttSecret = randomBytes(24).toString('base64url');
    await this.broker.upsertInstrumentClient(instrumentId, mqttSecret, mayConnect(status));
    return { mqttUsername: instrumentId, mqttSecret };
  }

  /** Enables or disables the client for a status; a missing client is recreated disabled. */
  async applyStatus(instrumentId: string, status: InstrumentStatus): Promise<void> {
    if (await this.broker.setClientEnabled(instrumentId, mayConnect(status))) return;
    await this.broker.upsertInstrumentClient(instrumentId, null, false);
    this.logger.warn(
      `instrument ${instrumentId} had no broker client: created it disabled; rotate its credentials to connect it`,
    );
  }

  async remove(instrumentId: string): Promise<void> {
    await this.broker.deleteInstrumentClient(instrumentId);
  }

  /**
   * Makes the broker match the registry, idempotently: every instrument has its client, enabled unless
   * retired, with its role; clients named like instruments (a UUID) with no instrument are removed.
   * A missing client cannot get its old secret back (Labwire never kept it), so it is created without
   * a password, disabled, and logged: rotating the instrument's credentials brings it back.
   */
  async reconcile(instruments: Array<{ id: string; status: InstrumentStatus }>): Promise<BrokerReconcileReport> {
    const report: BrokerReconcileReport = {
      needsRotation: [],
      created: 0,
      enabled: 0,
      disabled: 0,
      repaired: 0,
      removed: 0,
      unchanged: 0,
    };
    const clients = new Map((await this.broker.listClients()).map((c) => [c.username.toLowerCase(), c]));
    const known = new Set<string>();
    const work: Array<() => Promise<void>> = [];
    for (const instrument of instruments) {
      const id = instrument.id.toLowerCase();
      known.add(id);
      const client = clients.get(id);
      if (!client || !client.hasSecret) {
        report.needsRotation.push(instrument.id);
        if (!client) report.created++;
        if (!client || !client.disabled || !client.roles.includes(instrumentRoleName(instrument.id))) {
          work.push(() => this.broker.upsertInstrumentClient(instrument.id, null, false));
        }
        continue;
      }
      const wanted = mayConnect(instrument.status);
      if (!client.roles.includes(instrumentRoleName(instrument.id))) {
        report.repaired++;
        work.push(() => this.broker.upsertInstrumentClient(instrument.id, null, wanted));
      } else if (client.disabled === wanted) {
        report[wanted ? 'enabled' : 'disabled']++;
        work.push(async () => void (await this.broker.setClientEnabled(instrument.id, wanted)));
      } else {
        report.unchanged++;
      }
    }
    for (const username of clients.keys()) {
      if (isInstrumentUsername(username) && !known.has(username)) {
        report.removed++;
        work.push(() => this.broker.deleteInstrumentClient(username));
      }
    }
    // A few requests in flight at a time: fast on thousands of instruments, gentle on the broker.
    for (let i = 0; i < work.length; i += 16) await Promise.all(work.slice(i, i + 16).map((w) => w()));
    if (report.needsRotation.length) {
      this.logger.warn(
        `${report.needsRotation.length} instrument(s) have no broker secret (a broker whose data was lost, or created ` +
          `outside the api): their clients are disabled; rotate their credentials (POST …/instruments/{id}/credentials/rotate): ` +
          report.needsRotation.slice(0, 20).join(', ') +
          (report.needsRotation.length > 20 ? ', …' : ''),
      );
    }
    return report;
  }
}
