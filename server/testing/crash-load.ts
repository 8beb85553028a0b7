// The payment load the crash test (server/core/payments/crash.int.test.ts) runs in a child
// process and kills: CRASH_COUNT payment-code payments for one merchant, CRASH_CONCURRENCY at a
// time, through createPayment exactly as the merchant API calls it. Every answered payment is
// printed as one JSON line {orderNo, status} the moment it is answered, so the parent knows which
// answers a client received before the kill. Orders whose number is already taken (a re-run after
// the crash) print {orderNo, refused: code}.
//
//   DATABASE_URL=… SWITCHYARD_KEYRING=… CRASH_TENANT=… CRASH_MERCHANT=… CRASH_RUN=… npx tsx server/testing/crash-load.ts
import { createPayment } from "@/server/core/payments/service";
import { authorizedTenantId, type TenantContext } from "@/server/db/tenant-tx";

const tenant = process.env.CRASH_TENANT ?? "";
const merchantId = process.env.CRASH_MERCHANT ?? "";
const run = process.env.CRASH_RUN ?? "";
const count = Number(process.env.CRASH_COUNT ?? 200);
const concurrency = Number(process.env.CRASH_CONCURRENCY ?? 6);
const ctx: TenantContext = { tenantId: authorizedTenantId(tenant), actor: { kind: "SYSTEM", name: "crash-load" } };

/** Order i: every fifth one makes the payer confirm on the phone (the simulator's userpaying), the rest pay at once. */
export function crashOrder(run: string, i: number) {
  return {
    merchantId,
    merchantOrderNo: `CRASH-${run}-${i}`,
    amountMinor: BigInt(1_000 + i),
    product: "WECHAT_CODE" as const,
    elements: { authCode: `13${String(i).padStart(16, "0")}` },
    subject: i % 5 === 0 ? "Crash test sim:userpaying" : "Crash test",
  };
}

async function main() {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= count) return;
        try {
          const p = await createPayment(ctx, crashOrder(run, i));
          process.stdout.write(`${JSON.stringify({ orderNo: p.merchantOrderNo, status: p.status })}\n`);
        } catch (e) {
          process.stdout.write(`${JSON.stringify({ orderNo: `CRASH-${run}-${i}`, refused: (e as { code?: string }).code ?? String(e) })}\n`);
        }
      }
    }),
  );
  process.exit(0);
}

void main();
