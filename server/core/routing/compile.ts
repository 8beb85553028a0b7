// The look-ups a decision needs, two ways: compiled once per configuration version into maps (what
// production uses), or answered by scanning the raw arrays on every call (the straightforward
// baseline the benchmark compares against, and the oracle the tests compare with). Both feed the
// same engine, so they must answer identically; engine.property.test.ts checks that they do.
import { PRODUCT_CODES, type ProductCode } from "@/server/channels/types";
import { BoundedMap } from "@/server/lib/bounded-map";
import { applicableFeeRule } from "./fees";
import { parseWindow, type ParsedWindow } from "./time-window";
import type {
  ChannelAccountCandidate,
  FeeRule,
  MerchantLimit,
  ProductRule,
  Registration,
  RoutingConfig,
  RoutingOrderType,
  RoutingRule,
} from "./types";

export interface RegisteredCandidate {
  readonly account: ChannelAccountCandidate;
  /** The merchant's own registration at the account (the store's when it has one). */
  readonly registration: Registration;
}

export interface RoutingLookup {
  readonly config: RoutingConfig;
  /** How many accounts carry the product, whoever is registered there. */
  accountsCarrying(product: ProductCode): number;
  /** Accounts carrying the product where the merchant has a registration that covers the store, by account id. */
  registeredCandidates(merchantId: string, storeId: string | undefined, product: ProductCode): readonly RegisteredCandidate[];
  feeRule(product: ProductCode, merchantId: string): FeeRule | undefined;
  merchantLimit(merchantId: string): MerchantLimit | undefined;
  productRule(orderType: RoutingOrderType, product: ProductCode, merchantId: string): ProductRule | undefined;
  /** Enabled rules that could match a request for the product, by (order, id). */
  rulesFor(product: ProductCode): readonly RoutingRule[];
  /** undefined: the account has no window; null: its window is malformed (treated as closed). */
  window(account: ChannelAccountCandidate): ParsedWindow | null | undefined;
}

/** A configuration prepared for many decisions. Build with compileConfig or a CompiledConfigCache. */
export interface CompiledConfig {
  readonly kind: "COMPILED";
  readonly config: RoutingConfig;
  readonly lookup: RoutingLookup;
}

/**
 * Which of the merchant's registrations at one account covers the store: the store's own, else the
 * merchant-level one (a store-level registration that is not ACTIVE still wins, so the account is
 * then ineligible for that store). On duplicates: ACTIVE first, then the lowest id.
 */
export function pickRegistration(regs: readonly Registration[], storeId: string | undefined): Registration | undefined {
  let best: Registration | undefined;
  let bestIsStore = false;
  for (const r of regs) {
    const isStore = r.storeId !== undefined;
    if (isStore && r.storeId !== storeId) continue;
    if (best === undefined || (isStore && !bestIsStore)) {
      best = r;
      bestIsStore = isStore;
      continue;
    }
    if (isStore !== bestIsStore) continue;
    const rActive = r.status === "ACTIVE";
    const bActive = best.status === "ACTIVE";
    if ((rActive && !bActive) || (rActive === bActive && r.id < best.id)) best = r;
  }
  return best;
}

/** The merchant's own product rule for (order type, product), else the tenant default; lowest id on duplicates. */
export function applicableProductRule(
  rules: readonly ProductRule[],
  orderType: RoutingOrderType,
  product: ProductCode,
  merchantId: string,
): ProductRule | undefined {
  let own: ProductRule | undefined;
  let fallback: ProductRule | undefined;
  for (const r of rules) {
    if (r.product !== product || r.orderType !== orderType) continue;
    if (r.merchantId === merchantId) {
      if (!own || r.id < own.id) own = r;
    } else if (r.merchantId === undefined) {
      if (!fallback || r.id < fallback.id) fallback = r;
    }
  }
  return own ?? fallback;
}

export function byOrderThenId(a: RoutingRule, b: RoutingRule): number {
  return a.order - b.order || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function byAccountId(a: { account: ChannelAccountCandidate }, b: { account: ChannelAccountCandidate }): number {
  return a.account.id < b.account.id ? -1 : a.account.id > b.account.id ? 1 : 0;
}

function ruleMayMatchProduct(rule: RoutingRule, product: ProductCode): boolean {
  const p = rule.conditions.products;
  return p === undefined || p.length === 0 || p.includes(product);
}

// ---------------------------------------------------------------------------------------------
// Compiled: maps built once, O(the merchant's registrations) per decision.

const SEP = "\u0000";

export function compileConfig(config: RoutingConfig): CompiledConfig {
  const accountById = new Map<string, ChannelAccountCandidate>();
  const carrying = new Map<ProductCode, number>();
  const windows = new Map<string, ParsedWindow | null>();
  for (const a of config.accounts) {
    // Duplicate ids: the first wins, as in the scanning look-up (validate.ts reports them).
    if (accountById.has(a.id)) continue;
    accountById.set(a.id, a);
    for (const p of new Set(a.products)) carrying.set(p, (carrying.get(p) ?? 0) + 1);
    if (a.timeWindow) windows.set(a.id, parseWindow(a.timeWindow));
  }

  // merchant → product → [{ account, that merchant's registrations at it }] by account id.
  const regsByMerchantAccount = new Map<string, Map<string, Registration[]>>();
  for (const r of config.registrations) {
    let byAccount = regsByMerchantAccount.get(r.merchantId);
    if (!byAccount) regsByMerchantAccount.set(r.merchantId, (byAccount = new Map()));
    const list = byAccount.get(r.channelAccountId);
    if (list) list.push(r);
    else byAccount.set(r.channelAccountId, [r]);
  }
  type Slot = { account: ChannelAccountCandidate; regs: Registration[] };
  const slots = new Map<string, Map<ProductCode, Slot[]>>();
  for (const [merchantId, byAccount] of regsByMerchantAccount) {
    const byProduct = new Map<ProductCode, Slot[]>();
    for (const [accountId, regs] of byAccount) {
      const account = accountById.get(accountId);
      if (!account) continue;
      for (const p of new Set(account.products)) {
        const list = byProduct.get(p);
        if (list) list.push({ account, regs });
        else byProduct.set(p, [{ account, regs }]);
      }
    }
    for (const list of byProduct.values()) list.sort(byAccountId);
    slots.set(merchantId, byProduct);
  }

  const ownFee = new Map<string, FeeRule>();
  const defaultFee = new Map<ProductCode, FeeRule>();
  for (const r of config.feeRules) {
    if (r.merchantId === undefined) {
      const cur = defaultFee.get(r.product);
      if (!cur || r.id < cur.id) defaultFee.set(r.product, r);
    } else {
      const key = r.product + SEP + r.merchantId;
      const cur = ownFee.get(key);
      if (!cur || r.id < cur.id) ownFee.set(key, r);
    }
  }

  const ownProduct = new Map<string, ProductRule>();
  const defaultProduct = new Map<string, ProductRule>();
  for (const r of config.productRules) {
    const base = r.orderType + SEP + r.product;
    const [map, key] = r.merchantId === undefined ? [defaultProduct, base] : [ownProduct, base + SEP + r.merchantId];
    const cur = map.get(key);
    if (!cur || r.id < cur.id) map.set(key, r);
  }

  const limits = new Map<string, MerchantLimit>();
  for (const l of config.merchantLimits) if (!limits.has(l.merchantId)) limits.set(l.merchantId, l);

  const enabledRules = config.ruleSet.rules.filter((r) => r.enabled).sort(byOrderThenId);
  const rulesByProduct = new Map<ProductCode, readonly RoutingRule[]>();
  for (const p of PRODUCT_CODES) rulesByProduct.set(p, enabledRules.filter((r) => ruleMayMatchProduct(r, p)));

  const lookup: RoutingLookup = {
    config,
    accountsCarrying: (product) => carrying.get(product) ?? 0,
    registeredCandidates(merchantId, storeId, product) {
      const list = slots.get(merchantId)?.get(product);
      if (!list) return [];
      const out: RegisteredCandidate[] = [];
      for (const s of list) {
        const registration = pickRegistration(s.regs, storeId);
        if (registration) out.push({ account: s.account, registration });
      }
      return out;
    },
    feeRule: (product, merchantId) => ownFee.get(product + SEP + merchantId) ?? defaultFee.get(product),
    merchantLimit: (merchantId) => limits.get(merchantId),
    productRule(orderType, product, merchantId) {
      const base = orderType + SEP + product;
      return ownProduct.get(base + SEP + merchantId) ?? defaultProduct.get(base);
    },
    rulesFor: (product) => rulesByProduct.get(product) ?? [],
    window: (account) => (account.timeWindow ? windows.get(account.id) : undefined),
  };
  return { kind: "COMPILED", config, lookup };
}

// ---------------------------------------------------------------------------------------------
// Scanning: no preparation, every answer filters the raw arrays.

export function scanningLookup(config: RoutingConfig): RoutingLookup {
  const firstAccounts = (): ChannelAccountCandidate[] => {
    const seen = new Set<string>();
    return config.accounts.filter((a) => (seen.has(a.id) ? false : (seen.add(a.id), true)));
  };
  return {
    config,
    accountsCarrying: (product) => firstAccounts().filter((a) => a.products.includes(product)).length,
    registeredCandidates(merchantId, storeId, product) {
      const out: RegisteredCandidate[] = [];
      for (const account of firstAccounts()) {
        if (!account.products.includes(product)) continue;
        const regs = config.registrations.filter((r) => r.merchantId === merchantId && r.channelAccountId === account.id);
        const registration = pickRegistration(regs, storeId);
        if (registration) out.push({ account, registration });
      }
      return out.sort(byAccountId);
    },
    feeRule: (product, merchantId) => applicableFeeRule(config.feeRules, product, merchantId),
    merchantLimit: (merchantId) => config.merchantLimits.find((l) => l.merchantId === merchantId),
    productRule: (orderType, product, merchantId) => applicableProductRule(config.productRules, orderType, product, merchantId),
    rulesFor: (product) => config.ruleSet.rules.filter((r) => r.enabled && ruleMayMatchProduct(r, product)).sort(byOrderThenId),
    window: (account) => (account.timeWindow ? parseWindow(account.timeWindow) : undefined),
  };
}

export function isCompiled(config: RoutingConfig | CompiledConfig): config is CompiledConfig {
  return "kind" in config && config.kind === "COMPILED";
}

/**
 * Compiled configurations by tenant and version, least recently used evicted. One cache per
 * process, owned by the routing service (not a module global, so tests and tenants cannot see
 * each other's entries by accident). The key includes the tenant: versions are per-tenant numbers.
 */
export class CompiledConfigCache {
  private readonly entries: BoundedMap<string, CompiledConfig>;

  constructor(maxEntries = 64) {
    this.entries = new BoundedMap(maxEntries, "use");
  }

  get(config: RoutingConfig): CompiledConfig {
    const key = config.tenantId + SEP + config.version;
    const hit = this.entries.get(key);
    if (hit) return hit;
    const compiled = compileConfig(config);
    this.entries.set(key, compiled);
    return compiled;
  }

  get size(): number {
    return this.entries.size;
  }
}
