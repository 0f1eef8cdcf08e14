import type { InstrumentAccess } from './instrument-topics';

/** A broker account as Labwire manages it. */
export interface BrokerClient {
  username: string;
  /** the only MQTT client id this account may connect with (null: any id) */
  clientId: string | null;
  disabled: boolean;
  roles: string[];
  /** false for an instrument client created without a password (it must be given one to connect) */
  hasSecret: boolean;
}

/**
 * Management of the MQTT broker's accounts and their topic rights. Labwire talks to the broker only
 * through this interface: Mosquitto's dynamic security plugin implements it now, EMQX's REST API can
 * later. Every method is idempotent where the name says so, and rejects with BrokerUnavailableError
 * (no answer) or BrokerRejectedError (the broker refused the request).
 */
export interface BrokerAdmin {
  /** Checks that the broker answers management requests from Labwire's account; rejects saying why not. */
  verify(): Promise<void>;
  /**
   * Gives Labwire's own account the topic rights it needs besides management: publish anything under
   * `labwire/` (commands, alerts). Idempotent.
   */
  ensureServiceAccess(): Promise<void>;
  /**
   * Creates or updates an instrument's client (username = instrument id, bound to the MQTT client id
   * = instrument id) and its role, which may only use the instrument's own topics (and subscribe to
   * `access.subscribeTopics`, read-only). `password` null keeps the current password (a new client gets
   * none and stays disabled until a password is set). Idempotent.
   */
  upsertInstrumentClient(
    instrumentId: string,
    password: string | null,
    enabled: boolean,
    access?: InstrumentAccess,
  ): Promise<void>;
  /** Enables or disables a client; connected sessions of a disabled client are closed. False when it does not exist. */
  setClientEnabled(username: string, enabled: boolean): Promise<boolean>;
  /** Removes an instrument's client and role, disconnecting it. A client that does not exist is no error. */
  deleteInstrumentClient(instrumentId: string): Promise<void>;
  /** Every client the broker knows, Labwire's own included. */
  listClients(): Promise<BrokerClient[]>;
  close(): Promise<void>;
}

/** Nest token of the BrokerAdmin implementation (see BrokerModule). */
export const BROKER_ADMIN = Symbol('BROKER_ADMIN');
