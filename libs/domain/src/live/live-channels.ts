/** The Redis pub/sub channel of an instrument's live telemetry (payload: LiveUpdate; api replicas relay it as SSE). */
export function liveTelemetryChannel(prefix: string, instrumentId: string): string {
  return `${prefix}:live:telemetry:${instrumentId}`;
}

/** The Redis pub/sub channel of an instrument's connection state changes (payload: StateChangeEvent). */
export function liveStateChannel(prefix: string, instrumentId: string): string {
  return `${prefix}:live:state:${instrumentId}`;
}

/** The Redis pub/sub channel of an instrument's command changes (payload: the command as the API shows it). */
export function liveCommandChannel(prefix: string, instrumentId: string): string {
  return `${prefix}:live:commands:${instrumentId}`;
}

/** The Redis pub/sub channel of an instrument's dropped telemetry (payload: DropEvent, one per flush interval at most). */
export function liveDropsChannel(prefix: string, instrumentId: string): string {
  return `${prefix}:live:drops:${instrumentId}`;
}
