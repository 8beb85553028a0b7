// Step 2 of a payment: from the order type and amount, which payment products can be offered, and
// what each needs from the payer or device. A product is offered only when its product rule allows
// the order type and amount and routing could actually carry it (an eligible, non-excluded account
// where the merchant is registered); the elements are reported, not required, at this point.
import { PRODUCT_CODES, type PaymentElement, type ProductCode } from "@/server/channels/types";
import { applicableProductRule, compileConfig, isCompiled, type CompiledConfig } from "./compile";
import { checkProductRule } from "./eligibility";
import { elementOptions, evaluate } from "./engine";
import type { LiveState, NoRouteCode, ProductRule, RoutingConfig, RoutingRequest } from "./types";

export type OfferRequest = Omit<RoutingRequest, "product" | "elements" | "random"> & {
  /** Elements already known (e.g. the device); used to report what is still missing. */
  readonly elements?: readonly PaymentElement[];
};

export interface OfferedProduct {
  readonly product: ProductCode;
  /** The set of elements (accepted by some eligible account) that leaves the least to supply. */
  readonly elementsNeeded: readonly PaymentElement[];
  /** elementsNeeded minus what the request already has. */
  readonly elementsMissing: readonly PaymentElement[];
  /** Every distinct set of elements that some eligible account accepts, smallest first. */
  readonly alternatives: readonly (readonly PaymentElement[])[];
}

export interface NotOfferedProduct {
  readonly product: ProductCode;
  readonly code: NoRouteCode;
}

export interface ProductOffer {
  readonly offered: readonly OfferedProduct[];
  /** Products with a product rule that routing could not carry, and why (for the console's preview). */
  readonly notOffered: readonly NotOfferedProduct[];
}

/**
 * The products to offer, in PRODUCT_CODES order. `rules` are the product rules to apply: normally
 * `config.productRules`, or edited ones when the console previews a change.
 */
export function productsFor(request: OfferRequest, rules: readonly ProductRule[], config: RoutingConfig | CompiledConfig, live?: LiveState): ProductOffer {
  const lookup = isCompiled(config) ? config.lookup : compileConfig(config).lookup;
  const present = new Set<PaymentElement>(request.elements ?? []);
  if (request.deviceId !== undefined) present.add("DEVICE");
  const offered: OfferedProduct[] = [];
  const notOffered: NotOfferedProduct[] = [];
  for (const product of PRODUCT_CODES) {
    const rule = applicableProductRule(rules, request.orderType, product, request.merchantId);
    if (!rule) continue;
    const fail = checkProductRule(rule, request.orderType, product, request.amountMinor);
    if (fail) {
      if (rule.enabled) notOffered.push({ product, code: fail.code });
      continue;
    }
    const { decision, ranked } = evaluate({ ...request, product, elements: [...present], random: 0 }, lookup, live, {
      checkProductRule: false,
      ignoreElements: true,
    });
    if (decision.outcome === "NO_ROUTE") {
      notOffered.push({ product, code: decision.reason.code });
      continue;
    }
    const alternatives = elementOptions(ranked, product);
    // The set that leaves the least to supply, given what the request already has.
    let needed: readonly PaymentElement[] = [];
    let missing: readonly PaymentElement[] | undefined;
    for (const alt of alternatives) {
      const m = alt.filter((e) => !present.has(e));
      if (missing === undefined || m.length < missing.length) {
        needed = alt;
        missing = m;
      }
    }
    offered.push({ product, elementsNeeded: needed, elementsMissing: missing ?? [], alternatives });
  }
  return { offered, notOffered };
}
