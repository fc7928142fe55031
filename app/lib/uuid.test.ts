import { afterEach, describe, expect, it, vi } from "vitest";
import { uuidv7 } from "./uuid";

const millisecondOf = (id: string) => parseInt(id.replaceAll("-", "").slice(0, 12), 16);

describe("uuidv7", () => {
  afterEach(() => vi.useRealTimers());

  it("carries the millisecond, version 7 and the RFC variant", () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 10, 22, 12, 0, 0, 123) });
    const id = uuidv7();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(millisecondOf(id)).toBe(Date.UTC(2026, 10, 22, 12, 0, 0, 123));
  });

  it("sorts by time, and ids made in the same millisecond sort in the order they were made", () => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
    const sameMillisecond = Array.from({ length: 5_000 }, () => uuidv7());
    vi.setSystemTime(1_700_000_000_001);
    const later = uuidv7();
    expect(new Set(sameMillisecond).size).toBe(sameMillisecond.length);
    expect([...sameMillisecond].sort()).toEqual(sameMillisecond);
    expect(sameMillisecond.every((id) => id < later)).toBe(true);
  });
});
