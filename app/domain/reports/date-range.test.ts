import { describe, expect, it } from "vitest";
import { addDays, dayInZone, isValidDay, presetDays, previousRange, reportRange, startOfDayInZone } from "./date-range";

describe("startOfDayInZone", () => {
  it.each([
    // zone, day, first instant of that local day (UTC)
    ["UTC", "2026-11-22", "2026-11-22T00:00:00.000Z"],
    ["Europe/Berlin", "2026-01-15", "2026-01-14T23:00:00.000Z"],
    ["Europe/Berlin", "2026-07-15", "2026-07-14T22:00:00.000Z"],
    // Berlin springs forward on 2026-03-29 at 02:00 (that day has 23 hours) and falls back on 2026-10-25.
    ["Europe/Berlin", "2026-03-29", "2026-03-28T23:00:00.000Z"],
    ["Europe/Berlin", "2026-03-30", "2026-03-29T22:00:00.000Z"],
    ["Europe/Berlin", "2026-10-25", "2026-10-24T22:00:00.000Z"],
    ["Europe/Berlin", "2026-10-26", "2026-10-25T23:00:00.000Z"],
    ["America/New_York", "2026-03-08", "2026-03-08T05:00:00.000Z"],
    ["America/New_York", "2026-03-09", "2026-03-09T04:00:00.000Z"],
    ["America/New_York", "2026-11-01", "2026-11-01T04:00:00.000Z"],
    ["America/New_York", "2026-11-02", "2026-11-02T05:00:00.000Z"],
    ["Asia/Kolkata", "2026-06-01", "2026-05-31T18:30:00.000Z"],
    ["Pacific/Chatham", "2026-06-01", "2026-05-31T11:15:00.000Z"],
    // Havana springs forward at midnight: 00:00 on 2026-03-08 does not exist, the day begins at 01:00 local.
    ["America/Havana", "2026-03-08", "2026-03-08T05:00:00.000Z"],
  ])("%s %s starts at %s", (zone, day, expected) => {
    expect(startOfDayInZone(day, zone).toISOString()).toBe(expected);
  });
});

describe("dayInZone", () => {
  it.each([
    ["2026-03-28T22:59:59.000Z", "Europe/Berlin", "2026-03-28"],
    ["2026-03-28T23:00:00.000Z", "Europe/Berlin", "2026-03-29"],
    ["2026-03-29T21:59:59.000Z", "Europe/Berlin", "2026-03-29"],
    ["2026-03-29T22:00:00.000Z", "Europe/Berlin", "2026-03-30"],
    ["2026-11-22T03:00:00.000Z", "America/Los_Angeles", "2026-11-21"],
  ])("%s in %s is %s", (instant, zone, day) => {
    expect(dayInZone(new Date(instant), zone)).toBe(day);
  });
});

describe("reportRange", () => {
  it("spans whole local days; a range across the spring change is one hour short", () => {
    const range = reportRange("2026-03-28", "2026-03-30", "Europe/Berlin");
    expect(range.days).toEqual(["2026-03-28", "2026-03-29", "2026-03-30"]);
    expect(range.start.toISOString()).toBe("2026-03-27T23:00:00.000Z");
    expect(range.end.toISOString()).toBe("2026-03-30T22:00:00.000Z");
    expect((range.end.getTime() - range.start.getTime()) / 3_600_000).toBe(71);
  });

  it("the previous period has the same number of days and ends where this one starts", () => {
    const range = reportRange("2026-11-01", "2026-11-30", "America/New_York");
    const previous = previousRange(range);
    expect(previous.from).toBe("2026-10-02");
    expect(previous.to).toBe("2026-10-31");
    expect(previous.days).toHaveLength(30);
    expect(previous.end.getTime()).toBe(range.start.getTime());
  });
});

describe("days", () => {
  it("validates calendar dates", () => {
    expect(isValidDay("2028-02-29")).toBe(true);
    expect(isValidDay("2026-02-29")).toBe(false);
    expect(isValidDay("2026-13-01")).toBe(false);
    expect(isValidDay("2026-1-01")).toBe(false);
  });

  it("adds days across month and year ends", () => {
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
    expect(addDays("2026-03-01", -1)).toBe("2026-02-28");
  });

  it("presets end today in the shop's zone", () => {
    const now = new Date("2026-11-22T23:30:00Z"); // already the 23rd in Berlin
    expect(presetDays("today", now, "Europe/Berlin")).toEqual({ from: "2026-11-23", to: "2026-11-23" });
    expect(presetDays("7d", now, "Europe/Berlin")).toEqual({ from: "2026-11-17", to: "2026-11-23" });
    expect(presetDays("30d", now, "UTC")).toEqual({ from: "2026-10-24", to: "2026-11-22" });
  });
});
