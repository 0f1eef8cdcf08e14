import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import mqtt, { MqttClient } from 'mqtt';
import { redactUrl } from '@labwire/core';
import { BrokerAdmin, BrokerClient } from './broker-admin';
import { BrokerRejectedError, BrokerUnavailableError } from './broker.errors';
import {
  InstrumentAccess,
  instrumentRoleName,
  instrumentTopics,
  SERVICE_ACLS,
  SERVICE_ROLE,
} from './instrument-topics';

const CONTROL_TOPIC = '$CONTROL/dynamic-security/v1';
const RESPONSE_TOPIC = `${CONTROL_TOPIC}/response`;

/** CONNACK reason codes that no retry will fix (MQTT 3 return codes 4–5, MQTT 5 0x86/0x87/0x8C). */
/** Instrument clients' textname: it records whether Labwire ever gave the client a password. */
const WITH_SECRET = 'Labwire instrument';
const WITHOUT_SECRET = 'Labwire instrument (no secret yet: rotate its credentials)';

const AUTH_FAILURES = new Set([4, 5, 0x86, 0x87, 0x8c]);

export interface MosquittoDynsecOptions {
  url: string;
  username: string;
  password?: string;
  /** bound on connecting and on each management request */
  timeoutMs?: number;
}

interface DynsecCommand {
  command: string;
  [field: string]: unknown;
}

interface DynsecResponse {
  command: string;
  error?: string;
  data?: Record<string, unknown>;
  correlationData?: string;
}

interface PendingRequest {
  results: DynsecResponse[];
  received: number;
  expected: number;
  resolve(results: DynsecResponse[]): void;
  timer: NodeJS.Timeout;
}

/**
 * BrokerAdmin for Mosquitto's dynamic security plugin: commands are JSON published to
 * `$CONTROL/dynamic-security/v1`, answered on `…/response`. Several commands travel in one message and
 * each carries a correlation id (`<connection>/<request>/<index>`), because every api replica listens on
 * the same response topic and sees the others' answers. One MQTT connection serves every request; it
 * is opened on first use and reconnects by itself.
 */
export class MosquittoDynsecBrokerAdmin implements BrokerAdmin {
  private readonly logger = new Logger('BrokerAdmin');
  private readonly timeoutMs: number;
  private readonly connectionId = randomBytes(6).toString('hex');
  private readonly pending = new Map<string, PendingRequest>();
  private client: MqttClient | undefined;
  private ready: Promise<void> | undefined;
  private lastError: string | undefined;
  private seq = 0;

  constructor(private readonly options: MosquittoDynsecOptions) {
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  async verify(): Promise<void> {
    await this.run([{ command: 'getClient', username: this.options.username }]);
  }

  async ensureServiceAccess(): Promise<void> {
    const acls = SERVICE_ACLS;
    await this.run(
      [
        { command: 'createRole', rolename: SERVICE_ROLE, textname: 'Labwire service topics', acls },
        { command: 'modifyRole', rolename: SERVICE_ROLE, acls },
      ],
      ['Role already exists'],
    );
    if (await this.hasServiceRole()) return;
    // Changing an account's roles makes the plugin disconnect it, this very connection included, so
    // the answer may never come: send, then check once mqtt.js has reconnected.
    await this.run([{ command: 'addClientRole', username: this.options.username, rolename: SERVICE_ROLE }]).catch(
      (err: unknown) => {
        if (!(err instanceof BrokerUnavailableError)) throw err;
      },
    );
    if (!(await this.hasServiceRole())) {
      throw new BrokerRejectedError('addClientRole', `${this.options.username} did not get the ${SERVICE_ROLE} role`);
    }
  }

  private async hasServiceRole(): Promise<boolean> {
    const [res] = await this.run([{ command: 'getClient', username: this.options.username }]);
    const roles = (res.data?.client as { roles?: Array<{ rolename: string }> } | undefined)?.roles ?? [];
    return roles.some((r) => r.rolename === SERVICE_ROLE);
  }

  async upsertInstrumentClient(
    instrumentId: string,
    password: string | null,
    enabled: boolean,
    access: InstrumentAccess = {},
  ): Promise<void> {
    const rolename = instrumentRoleName(instrumentId);
    const topics = instrumentTopics(instrumentId);
    const acls = [
      { acltype: 'publishClientSend', topic: topics.telemetry, allow: true },
      { acltype: 'publishClientSend', topic: topics.status, allow: true },
      { acltype: 'publishClientSend', topic: topics.alerts, allow: true },
      { acltype: 'publishClientSend', topic: topics.repliesFilter, allow: true },
      { acltype: 'subscribePattern', topic: topics.commandsFilter, allow: true },
      // read-only: a subscription right, no publishClientSend
      ...(access.subscribeTopics ?? []).map((topic) => ({ acltype: 'subscribePattern', topic, allow: true })),
    ];
    const secret = password === null ? {} : { password, textname: WITH_SECRET };
    const [, , created] = await this.run(
      [
        { command: 'createRole', rolename, textname: 'Labwire instrument topics', acls },
        // Re-applied every time, so a role edited by hand or made by an older Labwire is put right.
        { command: 'modifyRole', rolename, acls },
        {
          command: 'createClient',
          username: instrumentId,
          // Bound to its own client id: with any other id the broker refuses the connection, so these
          // credentials can never take over another client's session (the api's, another instrument's).
          clientid: instrumentId,
          textname: WITHOUT_SECRET,
          roles: [{ rolename }],
          ...secret,
        },
      ],
      ['Role already exists', 'Client already exists'],
    );
    const exists = created.error === 'Client already exists';
    let hasSecret = password !== null;
    if (exists && !hasSecret) {
      const [current] = await this.run([{ command: 'getClient', username: instrumentId }]);
      hasSecret = (current.data?.client as { textname?: string } | undefined)?.textname === WITH_SECRET;
    }
    const then: DynsecCommand[] = [];
    if (exists) {
      then.push({
        command: 'modifyClient',
        username: instrumentId,
        clientid: instrumentId,
        roles: [{ rolename }],
        ...secret,
      });
    }
    // A client without a password cannot sign in anyway; keeping it disabled says so in the broker too.
    const enable = enabled && hasSecret;
    if (exists || !enable) then.push({ command: enable ? 'enableClient' : 'disableClient', username: instrumentId });
    if (then.length) await this.run(then);
  }

  async setClientEnabled(username: string, enabled: boolean): Promise<boolean> {
    const [res] = await this.run(
      [{ command: enabled ? 'enableClient' : 'disableClient', username }],
      ['Client not found'],
    );
    return res.error === undefined;
  }

  async deleteInstrumentClient(instrumentId: string): Promise<void> {
    await this.run(
      [
        { command: 'deleteClient', username: instrumentId },
        { command: 'deleteRole', rolename: instrumentRoleName(instrumentId) },
      ],
      ['Client not found', 'Role not found'],
    );
  }

  async listClients(): Promise<BrokerClient[]> {
    const [res] = await this.run([{ command: 'listClients', verbose: true, count: -1, offset: 0 }]);
    const clients = (res.data?.clients ?? []) as Array<{
      username: string;
      clientid?: string;
      textname?: string;
      disabled?: boolean;
      roles?: Array<{ rolename: string }>;
    }>;
    return clients.map((c) => ({
      username: c.username,
      clientId: c.clientid ?? null,
      disabled: c.disabled === true,
      roles: (c.roles ?? []).map((r) => r.rolename),
      hasSecret: c.textname !== WITHOUT_SECRET,
    }));
  }

  async close(): Promise<void> {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
    }
    const client = this.client;
    this.client = undefined;
    this.ready = undefined;
    if (client) await client.endAsync(true).catch(() => undefined);
  }

  /** Sends the commands in one message; rejects on an error the caller did not list as expected. */
  private async run(commands: DynsecCommand[], tolerated: string[] = []): Promise<DynsecResponse[]> {
    const results = await this.request(commands);
    results.forEach((res, i) => {
      if (res.error !== undefined && !tolerated.includes(res.error)) {
        throw new BrokerRejectedError(commands[i].command, res.error);
      }
    });
    return results;
  }

  private async request(commands: DynsecCommand[]): Promise<DynsecResponse[]> {
    const client = await this.connect();
    const requestId = `${this.connectionId}/${++this.seq}`;
    return new Promise<DynsecResponse[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(
          new BrokerUnavailableError(
            `no answer to "${commands.map((c) => c.command).join(', ')}" from the dynamic security plugin at ` +
              `${redactUrl(this.options.url)} within ${this.timeoutMs} ms (is it Labwire's broker, and may ` +
              `${this.options.username} manage it?)`,
          ),
        );
      }, this.timeoutMs);
      this.pending.set(requestId, { results: [], received: 0, expected: commands.length, resolve, timer });
      const payload = JSON.stringify({
        commands: commands.map((c, i) => ({ ...c, correlationData: `${requestId}/${i}` })),
      });
      client.publish(CONTROL_TOPIC, payload, { qos: 1 }, (err) => {
        if (!err) return;
        clearTimeout(timer);
        this.pending.delete(requestId);
        reject(new BrokerUnavailableError(`could not send a management request: ${err.message}`));
      });
    });
  }

  private onResponse(payload: Buffer): void {
    let body: { responses?: DynsecResponse[] };
    try {
      body = JSON.parse(payload.toString('utf8')) as { responses?: DynsecResponse[] };
    } catch {
      return;
    }
    for (const res of body.responses ?? []) {
      if (typeof res.correlationData !== 'string') continue;
      const cut = res.correlationData.lastIndexOf('/');
      const pending = this.pending.get(res.correlationData.slice(0, cut));
      if (!pending) continue; // another replica's request, or one that timed out
      pending.results[Number(res.correlationData.slice(cut + 1))] = res;
      if (++pending.received === pending.expected) {
        clearTimeout(pending.timer);
        this.pending.delete(res.correlationData.slice(0, cut));
        pending.resolve(pending.results);
      }
    }
  }

  /** The shared connection, subscribed to the response topic; bounded by the timeout. */
  private connect(): Promise<MqttClient> {
    if (!this.ready) {
      const client = mqtt.connect(this.options.url, {
        protocolVersion: 5,
        clientId: `labwire-admin-${this.connectionId}`,
        username: this.options.username,
        password: this.options.password,
        clean: true,
        reconnectPeriod: 1000,
        connectTimeout: this.timeoutMs,
      });
      this.client = client;
      client.on('message', (topic, payload) => {
        if (topic === RESPONSE_TOPIC) this.onResponse(payload);
      });
      client.on('error', (err) => {
        const message = err.message;
        if (message !== this.lastError) this.logger.warn(`MQTT broker ${redactUrl(this.options.url)}: ${message}`);
        this.lastError = message;
      });
      this.ready = new Promise<void>((resolve, reject) => {
        client.once('connect', () => {
          this.lastError = undefined;
          client.subscribe(RESPONSE_TOPIC, { qos: 1 }, (err, granted) => {
            const code = granted?.[0]?.qos ?? 0;
            if (err || code >= 0x80) {
              reject(
                new BrokerUnavailableError(
                  `${this.options.username} may not subscribe to ${RESPONSE_TOPIC} at ${redactUrl(this.options.url)}: ` +
                    `the broker has no dynamic security plugin, or this account may not manage it`,
                ),
              );
            } else resolve();
          });
        });
        client.on('error', (err: Error & { code?: number }) => {
          if (typeof err.code === 'number' && AUTH_FAILURES.has(err.code)) {
            reject(
              new BrokerUnavailableError(
                `${redactUrl(this.options.url)} refused ${this.options.username}: ${err.message} ` +
                  '(check MQTT_USERNAME and MQTT_PASSWORD)',
              ),
            );
          }
        });
      });
    }
    const ready = this.ready;
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      ready,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new BrokerUnavailableError(
                `cannot connect to ${redactUrl(this.options.url)} within ${this.timeoutMs} ms` +
                  (this.lastError ? ` (${this.lastError})` : ''),
              ),
            ),
          this.timeoutMs,
        );
      }),
    ])
      .then(() => this.client as MqttClient)
      .catch(async (err: unknown) => {
        // Start afresh next time: the broker may have been started or fixed meanwhile.
        if (this.ready === ready) await this.close();
        throw err;
      })
      .finally(() => clearTimeout(timer));
  }
}
