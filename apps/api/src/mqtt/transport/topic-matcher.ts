/** An MQTT topic filter (`+` one level, `#` the rest) as a predicate on topics. */
export function topicMatcher(filter: string): (topic: string) => boolean {
  const source = filter
    .split('/')
    .map((level) => (level === '+' ? '[^/]+' : level === '#' ? '.*' : level.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/')
    .replace(/\/\.\*$/, '(?:/.*)?');
  const re = new RegExp(`^${source}$`);
  return (topic) => re.test(topic);
}
