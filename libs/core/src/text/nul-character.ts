interface Step {
  parent: Step | undefined;
  /** `[2]` or `.key` */
  segment: string;
}

function pathOf(step: Step | undefined): string {
  const segments: string[] = [];
  for (let s = step; s; s = s.parent) segments.push(s.segment);
  const path = segments.reverse().join('');
  return path.startsWith('.') ? path.slice(1) : path;
}

const visible = (key: string) => key.replaceAll('\u0000', '\\u0000');

/**
 * Where a value holds a NUL character (U+0000), which PostgreSQL stores in neither `text` nor
 * `jsonb`: the path of the first string or object key holding one (`''` for the value itself,
 * `values.ph`, `[2].tags.probe`), or undefined when none does. Walks parsed JSON without recursion,
 * so however deeply a body nests it cannot overflow the stack.
 */
export function findNulCharacter(value: unknown): string | undefined {
  const stack: Array<[unknown, Step | undefined]> = [[value, undefined]];
  while (stack.length) {
    const [item, step] = stack.pop() as [unknown, Step | undefined];
    if (typeof item === 'string') {
      if (item.includes('\u0000')) return pathOf(step);
    } else if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) stack.push([item[i], { parent: step, segment: `[${i}]` }]);
    } else if (item !== null && typeof item === 'object') {
      const entries = Object.entries(item as Record<string, unknown>);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i];
        const next = { parent: step, segment: `.${visible(key)}` };
        if (key.includes('\u0000')) return pathOf(next);
        stack.push([child, next]);
      }
    }
  }
  return undefined;
}
