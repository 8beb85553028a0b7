import { readFileSync } from "node:fs";
import path from "node:path";
import { importCalendar } from "@/server/core/calendar/service";
import { simulatorUrlsFromEnv } from "@/server/channels/simulator-accounts";
import { seedRoutingHistory, seedSimulatorChannels } from "@/server/core/channels/demo";
import { seedDemoPayments } from "@/server/core/payments/demo";
import { seedDemoReconciliation, seedDemoTemplate } from "@/server/core/clearing/demo";
import { seedDemoWallets } from "@/server/core/wallets/demo";
import { createMerchant, createStore } from "@/server/core/merchants/service";
import { withCheckChar } from "@/server/core/merchants/credit-code";
import { createPlatformAdmin, createTenant, findTenantBySlug } from "@/server/core/platform/service";
import { createMerchantUser, createUser } from "@/server/core/users/service";
import { updateBranding } from "@/server/core/branding/service";
import { authorizedTenantId, withTenantTx, type TenantContext } from "@/server/db/tenant-tx";

// Demo data for `npm start` and the e2e tests. Idempotent: a tenant that exists is left alone.

export const DEMO_PASSWORD = "Demo-password-1";
export const PLATFORM_ADMIN = { email: "admin@switchyard.local", password: "Platform-admin-1", name: "Platform Admin" };

interface DemoTenant {
  slug: string;
  name: string;
  mode: "DIRECT" | "CUSTODIAL";
  licence?: string;
  locale: "zh-CN" | "en";
  branding: { primaryColor: string; accentColor: string; radius: string; productName: string; loginTitle: { "zh-CN": string; en: string }; loginSubtitle: { "zh-CN": string; en: string } };
  merchants: Array<{ legalName: string; shortName: string; code17: string; rep: string; mcc: string; stores: Array<{ name: string; address: string; lat: number; lng: number }> }>;
}

export const DEMO_TENANTS: DemoTenant[] = [
  {
    slug: "huiyun",
    name: "汇云刷脸",
    mode: "DIRECT",
    locale: "zh-CN",
    branding: {
      primaryColor: "#c2410c",
      accentColor: "#b45309",
      radius: "0.25rem",
      productName: "汇云刷脸服务平台",
      loginTitle: { "zh-CN": "汇云刷脸服务平台", en: "Huiyun Face Pay" },
      loginSubtitle: { "zh-CN": "服务商运营与清算后台", en: "Provider operations and clearing" },
    },
    merchants: [
      {
        legalName: "杭州鲜果时光餐饮管理有限公司",
        shortName: "鲜果时光",
        code17: "91330106MA2H3K7L0",
        rep: "王晓明",
        mcc: "5814",
        stores: [
          { name: "鲜果时光 西湖店", address: "杭州市西湖区文三路 478 号", lat: 30.2797, lng: 120.1302 },
          { name: "鲜果时光 滨江店", address: "杭州市滨江区江南大道 3688 号", lat: 30.2078, lng: 120.2117 },
        ],
      },
      {
        legalName: "上海邻家便利连锁有限公司",
        shortName: "邻家便利",
        code17: "91310115MA1K4Q2N5",
        rep: "陈丽",
        mcc: "5499",
        stores: [{ name: "邻家便利 张江店", address: "上海市浦东新区祖冲之路 899 号", lat: 31.2048, lng: 121.5906 }],
      },
      {
        legalName: "苏州慢时光咖啡有限公司",
        shortName: "慢时光咖啡",
        code17: "91320508MA1Y6R8P3",
        rep: "李强",
        mcc: "5812",
        stores: [{ name: "慢时光 平江路店", address: "苏州市姑苏区平江路 120 号", lat: 31.3167, lng: 120.6336 }],
      },
    ],
  },
  {
    slug: "northwind",
    name: "Northwind Pay",
    mode: "CUSTODIAL",
    licence: "Z2026310000012",
    locale: "en",
    branding: {
      primaryColor: "#1d4ed8",
      accentColor: "#0e7490",
      radius: "0.75rem",
      productName: "Northwind Pay Console",
      loginTitle: { "zh-CN": "北风支付控制台", en: "Northwind Pay Console" },
      loginSubtitle: { "zh-CN": "持牌支付机构运营后台", en: "Licensed payment institution operations" },
    },
    merchants: [
      {
        legalName: "深圳北风零售科技有限公司",
        shortName: "Northwind Mart",
        code17: "91440300MA5G2W9T1",
        rep: "Zhang Wei",
        mcc: "5411",
        stores: [{ name: "Northwind Mart Nanshan", address: "深圳市南山区科技园南区 2 栋", lat: 22.5405, lng: 113.9346 }],
      },
      {
        legalName: "广州云杉健身管理有限公司",
        shortName: "Spruce Fitness",
        code17: "91440101MA9X1C4D7",
        rep: "Liu Yang",
        mcc: "7997",
        stores: [{ name: "Spruce Fitness Tianhe", address: "广州市天河区体育西路 103 号", lat: 23.1367, lng: 113.3236 }],
      },
    ],
  },
];

export const DEMO_ROLES = ["owner", "admin", "operations", "finance", "viewer"] as const;
export const demoEmail = (slug: string, who: string) => `${who}@${slug}.demo`;

export async function seedDemo(log: (msg: string) => void = () => {}): Promise<{ created: string[] }> {
  await createPlatformAdmin(PLATFORM_ADMIN);
  const created: string[] = [];
  for (const d of DEMO_TENANTS) {
    if (await findTenantBySlug(d.slug)) continue;
    const { tenant, owner } = await createTenant(
      { adminId: null, email: "seed" },
      {
        slug: d.slug,
        name: d.name,
        ownerEmail: demoEmail(d.slug, "owner"),
        ownerName: d.locale === "zh-CN" ? "张总" : "Olivia Owner",
        ownerPassword: DEMO_PASSWORD,
        settlementMode: d.mode,
        ...(d.licence ? { licenceNumber: d.licence } : {}),
        defaultLocale: d.locale,
      },
    );
    const tenantId = authorizedTenantId(tenant.id);
    const ctx: TenantContext = { tenantId, actor: { kind: "USER", userId: owner.id, email: owner.email, role: "OWNER", merchantId: null } };
    await withTenantTx(tenantId, async (tx) => {
      await updateBranding(tx, ctx, { ...d.branding, defaultLocale: d.locale });
      for (const role of ["ADMIN", "OPERATIONS", "FINANCE", "VIEWER"] as const) {
        await createUser(tx, ctx, { email: demoEmail(d.slug, role.toLowerCase()), name: `${role.charAt(0)}${role.slice(1).toLowerCase()} Demo`, role, password: DEMO_PASSWORD });
      }
      let first = true;
      for (const m of d.merchants) {
        const merchant = await createMerchant(tx, ctx, {
          legalName: m.legalName,
          shortName: m.shortName,
          creditCode: withCheckChar(m.code17),
          legalRepresentative: m.rep,
          mcc: m.mcc,
          contactName: m.rep,
          contactPhone: "+86 138 0000 0000",
          settlementAccountName: m.legalName,
          settlementBankName: d.locale === "zh-CN" ? "招商银行杭州分行" : "China Merchants Bank Shenzhen",
          settlementAccountNumber: `6214830${m.code17.slice(-9).replace(/\D/g, "7")}`.slice(0, 19).padEnd(16, "0"),
        });
        for (const s of m.stores) {
          await createStore(tx, ctx, { merchantId: merchant.id, name: s.name, address: s.address, latitude: s.lat, longitude: s.lng });
        }
        if (first) {
          await createMerchantUser(tx, ctx, { merchantId: merchant.id, email: demoEmail(d.slug, "merchant"), name: m.rep, role: "MERCHANT_ADMIN", password: DEMO_PASSWORD });
          first = false;
        }
      }
      const csv = readFileSync(path.resolve(import.meta.dirname, "..", "..", "prisma", "seed-data", "calendar-demo.csv"), "utf8");
      await importCalendar(tx, ctx, { csv });
      await seedDemoTemplate(tx, ctx, d.locale === "zh-CN");
      // Real channels next to the sandbox when the local simulators run (npm start starts them).
      const urls = simulatorUrlsFromEnv();
      if (Object.keys(urls).length > 0) await seedSimulatorChannels(tx, ctx, urls, { zh: d.locale === "zh-CN", custodial: d.mode === "CUSTODIAL" });
    });
    // A week of routing decisions and an hour of channel calls, for the decisions list, dry run and health charts.
    await withTenantTx(tenantId, (tx) => seedRoutingHistory(tx, ctx));
    // And a few of today's payments, through the channels routing picks.
    await seedDemoPayments(ctx);
    // A reconciliation day: the WeChat simulator's bill of those payments, with differences, imported and reconciled.
    await seedDemoReconciliation(ctx);
    // CUSTODIAL: wallets, a transfer and withdrawals in every state.
    if (d.mode === "CUSTODIAL") await seedDemoWallets(ctx);
    created.push(d.slug);
    log(`seeded tenant ${d.slug}`);
  }
  return { created };
}
