import type { TBranding } from "../schema";

export const BRANDING_PRESETS: Record<string, Pick<TBranding, "primaryColor" | "accentColor" | "radius">> = {
  ocean: { primaryColor: "#1d4ed8", accentColor: "#0e7490", radius: "0.5rem" },
  vermilion: { primaryColor: "#c2410c", accentColor: "#b45309", radius: "0.25rem" },
  jade: { primaryColor: "#047857", accentColor: "#4d7c0f", radius: "0.75rem" },
  graphite: { primaryColor: "oklch(0.35 0.02 260)", accentColor: "oklch(0.55 0.12 250)", radius: "0" },
};
