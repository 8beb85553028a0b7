/** The dry run's period: a whole number of days from 1 to 90 (the server's bounds), else null. */
export function parseDays(text: string): number | null {
  if (!/^\s*\d{1,3}\s*$/.test(text)) return null;
  const n = Number(text.trim());
  return n >= 1 && n <= 90 ? n : null;
}
