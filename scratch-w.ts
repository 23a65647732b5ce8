import { openDatabase } from './src/db/database.ts';
import { LocationWriter } from './src/locations/writer.ts';

const db = await openDatabase({
  kind: 'postgres',
  url: 'postgresql://postgres@127.0.0.1:5432/prof',
  poolSize: 10,
});
const [g] = await db.sql.query<{ id: string }>('select id from groups limit 1');
const w = new LocationWriter(db.sql);
const proto = Object.getPrototypeOf(w);
let fast = 0,
  safe = 0;
const f0 = proto.storeFast,
  s0 = proto.storeSafely;
proto.storeFast = async function (...a: unknown[]) {
  const r = await f0.apply(this, a);
  if (r) fast++;
  return r;
};
proto.storeSafely = async function (...a: unknown[]) {
  safe++;
  return s0.apply(this, a);
};
let n = 0;
const mk = (k: number) =>
  Array.from({ length: k }, () => ({
    deviceId: `d-${n % 1000}`,
    latitude: 1,
    longitude: 2,
    accuracy: null,
    altitude: null,
    speed: null,
    heading: null,
    battery: null,
    recordedAt: new Date(),
    clientId: `x${Date.now()}-${n++}`,
  }));
for (const conc of [1, 8])
  for (const batch of [1, 100]) {
    fast = safe = 0;
    const t0 = performance.now();
    let done = 0;
    await Promise.all(
      Array.from({ length: conc }, async () => {
        while (performance.now() - t0 < 3000) {
          await w.write(g!.id, mk(batch));
          done++;
        }
      }),
    );
    console.log(`conc ${conc} batch ${batch}: ${(done / 3).toFixed(0)} calls/s fast=${fast} safe=${safe}`);
  }
await db.close();
