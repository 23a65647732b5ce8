// Prisma CLI configuration. The server never reads this file: it builds its own
// client (src/db/client.ts) and applies migrations with src/db/migrator.ts.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/gofindme' },
});
