import { parseReplyMessage } from './command-reply-message';

const INSTRUMENT = '6f1c1f0e-4a4b-4c55-9a43-7f0f8f6a1b2c';
const COMMAND = '0b9e2f3a-9d7c-4b1e-8f6a-2c3d4e5f6a7b';
const TOPIC = `labwire/instruments/${INSTRUMENT}/commands/${COMMAND}/reply`;
const parse = (body: unknown, topic = TOPIC) =>
  parseReplyMessage(topic, Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)));

describe('parseReplyMessage', () => {
  it('reads success and failure replies', () => {
    expect(parse({ ok: true, result: { v: 1 } })).toEqual({
      ok: true,
      instrumentId: INSTRUMENT,
      commandId: COMMAND,
      reply: { ok: true, result: { v: 1 } },
    });
    expect(parse({ ok: false, error: 'jammed' })).toMatchObject({ ok: true, reply: { ok: false, error: 'jammed' } });
  });

  it('drops malformed replies and topics', () => {
    expect(parse({ ok: false })).toMatchObject({ ok: false });
    expect(parse('{')).toMatchObject({ ok: false });
    expect(parse({ ok: true }, `labwire/instruments/x/commands/${COMMAND}/reply`)).toMatchObject({ ok: false });
  });

  it('drops replies holding NUL (\\u0000): storing one would fail, and the redelivered message with it, forever', () => {
    for (const body of [
      { ok: false, error: 'jam\u0000med' },
      { ok: true, result: 'a\u0000' },
      { ok: true, result: { nested: ['x', { 'k\u0000': 1 }] } },
    ]) {
      const r = parse(body);
      expect(r).toMatchObject({ ok: false });
      expect(!r.ok && r.detail).toContain('\\u0000');
    }
    // an escaped backslash followed by "u0000" is ordinary text
    expect(parse('{"ok": false, "error": "C:\\\\u0000"}')).toMatchObject({ ok: true, reply: { error: 'C:\\u0000' } });
  });

  it('drops results nested too deep for jsonb', () => {
    expect(parse(`{"ok": true, "result": ${'['.repeat(20)}${']'.repeat(20)}}`)).toMatchObject({ ok: true });
    const r = parse(`{"ok": true, "result": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    expect(r).toMatchObject({ ok: false });
    expect(!r.ok && r.detail).toMatch(/^result(\[0\])+ nests deeper than/);
  });
});
