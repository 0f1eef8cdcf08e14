/** The MQTT topics of CONTRACT.md, and the names Labwire gives instrument accounts in the broker. */
export const INSTRUMENT_TOPIC_ROOT = 'labwire/instruments';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const instrumentTopics = (instrumentId: string) => {
  const base = `${INSTRUMENT_TOPIC_ROOT}/${instrumentId}`;
  return {
    telemetry: `${base}/telemetry`,
    status: `${base}/status`,
    /** the alerts the instrument raises and clears itself */
    alerts: `${base}/alerts`,
    command: (commandId: string) => `${base}/commands/${commandId}`,
    commandReply: (commandId: string) => `${base}/commands/${commandId}/reply`,
    /** what the instrument subscribes to */
    commandsFilter: `${base}/commands/+`,
    /** what the instrument publishes replies to, as an ACL pattern */
    repliesFilter: `${base}/commands/+/reply`,
  };
};

/**
 * Topic rights an instrument has beyond its own topics: a display (capabilities `display: true`) may
 * subscribe, read-only, to its workspace's and its location's current-alert topics.
 */
export interface InstrumentAccess {
  subscribeTopics?: string[];
}

/** The broker role holding one instrument's topic rights. */
export const instrumentRoleName = (instrumentId: string) => `labwire-instrument-${instrumentId}`;

/** Instrument clients are named by the instrument's id: anything else in the broker is not Labwire's to manage. */
export const isInstrumentUsername = (username: string) => UUID.test(username);

/**
 * The role of Labwire's own account beside the plugin's admin role (which manages clients and reads
 * everything): publishing under `labwire/` (commands to instruments, the retained alert).
 */
export const SERVICE_ROLE = 'labwire-service';
export const SERVICE_ACLS = [
  { acltype: 'publishClientSend', topic: 'labwire/#', allow: true },
  { acltype: 'publishClientReceive', topic: 'labwire/#', allow: true },
  { acltype: 'subscribePattern', topic: 'labwire/#', allow: true },
];
