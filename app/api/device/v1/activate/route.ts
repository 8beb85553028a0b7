import { activateRoute } from "@/server/core/devices/api";

export const dynamic = "force-dynamic";

// Unsigned: the one-time activation code is the device's only credential until it has a secret.
export const POST = activateRoute;
