/**
 * The one database module. The engine (embedded PGlite or a PostgreSQL server) is picked from
 * DATABASE_URL by the driver adapter; the rest of the app only sees a PrismaClient.
 */
import { PrismaClient } from "@prisma/client";
import { adapterFactoryFor, closePglite, databaseUrl } from "./db/adapter.server";

export type Db = PrismaClient;
/** A client or an interactive transaction: domain functions accept either. */
export type DbTx = Omit<PrismaClient, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;

function createClient(): PrismaClient {
  return new PrismaClient({ adapter: adapterFactoryFor(databaseUrl()) as never });
}

// Remix dev re-imports modules; keep one client (and so one PGlite) per process.
const globalForDb = globalThis as unknown as { __prisma?: PrismaClient };
export const prisma: PrismaClient = globalForDb.__prisma ?? (globalForDb.__prisma = createClient());

export async function disconnectDatabase(): Promise<void> {
  await prisma.$disconnect();
  await closePglite();
  globalForDb.__prisma = undefined;
}

export default prisma;

