/** A PUBACK waiting to be sent: mqtt.js built it, Labwire releases it. */
export interface HeldPuback {
  cmd: 'puback';
  messageId: number;
  [key: string]: unknown;
}

/** One received QoS 1 message of the current connection. */
export interface AckTicket {
  readonly messageId: number;
  readonly generation: number;
  handled: boolean;
  puback?: HeldPuback;
}

/**
 * Holds back the PUBACKs of QoS 1 messages until their handlers have finished, and releases them in
 * the order the messages arrived (MQTT 4.6: acknowledgements go out in receive order).
 *
 * mqtt.js acknowledges a message as soon as its `handleMessage` hook calls back, and processes the
 * next packet only after that: delaying the callback would serialise everything. So the callback runs
 * at once and it is the PUBACK itself that waits here, while many messages are in flight together
 * (up to the receive maximum the broker was told).
 */
export class AckQueue {
  private tickets: AckTicket[] = [];
  private head = 0;
  private generation = 0;
  /** Tickets whose PUBACK mqtt.js has not asked for yet, by message id (unique among them: the broker
   * reuses an id only once it was acknowledged). A scan would cost O(in flight) per message. */
  private readonly awaitingPuback = new Map<number, AckTicket>();

  constructor(private readonly send: (puback: HeldPuback) => void) {}

  /** Called when a QoS 1 message arrives, before its handler starts. */
  received(messageId: number): AckTicket {
    const ticket: AckTicket = { messageId, generation: this.generation, handled: false };
    this.tickets.push(ticket);
    this.awaitingPuback.set(messageId, ticket);
    return ticket;
  }

  /** mqtt.js wants to acknowledge `messageId`: keep the PUBACK until the handler is done. */
  hold(puback: HeldPuback): boolean {
    const ticket = this.awaitingPuback.get(puback.messageId);
    if (!ticket) return false;
    this.awaitingPuback.delete(puback.messageId);
    ticket.puback = puback;
    this.flush();
    return true;
  }

  /** The handler of the ticket's message finished: its PUBACK may go once those before it have. */
  handled(ticket: AckTicket): void {
    if (ticket.generation !== this.generation) return;
    ticket.handled = true;
    this.flush();
  }

  /**
   * The connection is gone: the broker resends every unacknowledged message on the next one (same
   * session), so PUBACKs of this connection must never be sent on the next (message ids restart).
   */
  reset(): void {
    this.generation++;
    this.tickets = [];
    this.head = 0;
    this.awaitingPuback.clear();
  }

  /** Messages received whose PUBACK has not been sent yet. */
  get pending(): number {
    return this.tickets.length - this.head;
  }

  private flush(): void {
    while (this.head < this.tickets.length) {
      const t = this.tickets[this.head];
      if (!t.handled || !t.puback) break;
      this.head++;
      this.send(t.puback);
    }
    if (this.head > 1024 && this.head * 2 > this.tickets.length) {
      this.tickets = this.tickets.slice(this.head);
      this.head = 0;
    }
  }
}
