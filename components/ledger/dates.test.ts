import { describe, expect, it } from "vitest";
import { addDays, isIsoDate, todayIn } from "./dates";

describe("todayIn", () => {
  it("is the tenant's date, not UTC's", () => {
    const at = new Date("2025-03-31T17:30:00Z");
    expect(todayIn("Asia/Shanghai", at)).toBe("2025-04-01");
    expect(todayIn("UTC", at)).toBe("2025-03-31");
    expect(todayIn("America/Los_Angeles", at)).toBe("2025-03-31");
  });
});

describe("addDays", () => {
  it("crosses months, years and leap days", () => {
    expect(addDays("2024-02-28", 1)).toBe("2024-02-29");
    expect(addDays("2024-03-01", -1)).toBe("2024-02-29");
    expect(addDays("2025-01-01", -1)).toBe("2024-12-31");
    expect(addDays("2025-03-30", -29)).toBe("2025-03-01");
  });
});

describe("isIsoDate", () => {
  it("accepts only YYYY-MM-DD", () => {
    expect(isIsoDate("2025-01-31")).toBe(true);
    expect(isIsoDate("2025-1-31")).toBe(false);
    expect(isIsoDate("")).toBe(false);
  });
});
