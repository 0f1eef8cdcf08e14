/**
 * `npm run bench` runs every benchmark; `npm run bench -- NAME` runs one. Each prints one JSON line
 * on stdout (progress goes to stderr) comparing Labwire with a raw baseline run in the same process run.
 */
import { BENCHES } from './benches';

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = wanted.filter((w) => !(w in BENCHES));
  if (unknown.length) {
    console.error(`unknown bench: ${unknown.join(', ')}; available: ${Object.keys(BENCHES).join(', ')}`);
    process.exit(2);
  }
  for (const name of wanted.length ? wanted : Object.keys(BENCHES)) {
    const result = await BENCHES[name]();
    console.log(JSON.stringify({ bench: name, ...result }));
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
