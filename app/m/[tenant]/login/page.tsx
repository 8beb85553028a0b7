import { redirect } from "next/navigation";

// Merchants sign in on the tenant's one login page; it sends them to the portal.
export default function MerchantLogin() {
  redirect("/login");
}
