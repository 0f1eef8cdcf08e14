/** One stored measurement: an instrument's metric at a time. */
export interface TelemetryReading {
  time: Date;
  instrumentId: string;
  metric: string;
  value: number;
  tags?: Record<string, unknown> | null;
}

export interface StoreResult {
  /** readings written now */
  inserted: number;
  /** readings already stored (a redelivered batch) */
  duplicates: number;
  /** readings outside the storable window (clock far ahead, or older than any retention) */
  rejected?: number;
}
