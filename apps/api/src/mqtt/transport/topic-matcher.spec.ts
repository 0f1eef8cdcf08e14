import { topicMatcher } from './topic-matcher';

describe('topicMatcher', () => {
  it('matches + as exactly one level', () => {
    const m = topicMatcher('labwire/instruments/+/telemetry');
    expect(m('labwire/instruments/abc/telemetry')).toBe(true);
    expect(m('labwire/instruments/abc/status')).toBe(false);
    expect(m('labwire/instruments//telemetry')).toBe(false);
    expect(m('labwire/instruments/a/b/telemetry')).toBe(false);
    expect(topicMatcher('labwire/instruments/+/commands/+/reply')('labwire/instruments/i/commands/c/reply')).toBe(true);
  });

  it('matches # as the parent level and everything below it', () => {
    const m = topicMatcher('labwire/#');
    expect(m('labwire')).toBe(true);
    expect(m('labwire/x/y')).toBe(true);
    expect(m('labwirex')).toBe(false);
    expect(topicMatcher('#')('any/thing')).toBe(true);
  });

  it('treats other characters literally', () => {
    const m = topicMatcher('a.b/c*d');
    expect(m('a.b/c*d')).toBe(true);
    expect(m('axb/ccd')).toBe(false);
  });
});
