import { AckQueue, HeldPuback } from './ack-queue';

const puback = (messageId: number): HeldPuback => ({ cmd: 'puback', messageId });

describe('AckQueue', () => {
  it('sends a PUBACK only once the message is handled, in receive order', () => {
    const sent: number[] = [];
    const q = new AckQueue((p) => sent.push(p.messageId));
    const a = q.received(1);
    const b = q.received(2);
    const c = q.received(3);
    q.hold(puback(1));
    q.hold(puback(2));
    q.hold(puback(3));
    expect(sent).toEqual([]);
    q.handled(b);
    q.handled(c);
    expect(sent).toEqual([]); // 1 is still being handled: nothing may overtake it
    q.handled(a);
    expect(sent).toEqual([1, 2, 3]);
    expect(q.pending).toBe(0);
  });

  it('works whichever comes first, the handler finishing or mqtt.js asking to acknowledge', () => {
    const sent: number[] = [];
    const q = new AckQueue((p) => sent.push(p.messageId));
    const a = q.received(7);
    q.handled(a);
    expect(sent).toEqual([]);
    q.hold(puback(7));
    expect(sent).toEqual([7]);
  });

  it('matches a reused message id to the message still waiting for it', () => {
    const sent: number[] = [];
    const q = new AckQueue((p) => sent.push(p.messageId));
    const first = q.received(5);
    q.hold(puback(5));
    q.handled(first);
    const second = q.received(5); // the broker reuses an id once it was acknowledged
    expect(q.hold(puback(5))).toBe(true);
    q.handled(second);
    expect(sent).toEqual([5, 5]);
  });

  it('drops everything of a lost connection: nothing of it is sent on the next one', () => {
    const sent: number[] = [];
    const q = new AckQueue((p) => sent.push(p.messageId));
    const a = q.received(1);
    q.hold(puback(1));
    q.reset();
    q.handled(a);
    expect(sent).toEqual([]);
    expect(q.pending).toBe(0);
    expect(q.hold(puback(1))).toBe(false);
  });

  it('keeps memory bounded over many messages', () => {
    let sent = 0;
    const q = new AckQueue(() => sent++);
    for (let i = 0; i < 10_000; i++) {
      const t = q.received(i % 65535);
      q.hold(puback(i % 65535));
      q.handled(t);
    }
    expect(sent).toBe(10_000);
    expect(q.pending).toBe(0);
    expect((q as unknown as { tickets: unknown[] }).tickets.length).toBeLessThan(2048);
  });
});
