// Used by the standard Prisma CLI (`prisma generate`, and `prisma migrate deploy` where the native
// engine exists). Our own offline tooling (scripts/migrations.ts) reads the same paths.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost/unused' },
});
