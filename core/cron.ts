/**
 * Five-field cron expressions (`minute hour day-of-month month day-of-week`), read in UTC,
 * and the slots they name: the minutes at which a schedule is due. Pure and linear in the
 * expression's length: fields are split on whitespace and commas and read with anchored
 * patterns that cannot backtrack; an expression longer than 128 characters is refused first.
 *
 * Each field takes `*`, `N`, `A-B`, `*\/S`, `A-B/S`, `A/S` (A to the field's end) and comma
 * lists of those; months also `jan`..`dec`, weekdays `sun`..`sat` (0 and 7 are Sunday).
 * As in Vixie cron, when both day-of-month and day-of-week are restricted, a day matching
 * either is due. Slots are whole minutes, so `previousSlot`/`nextSlot` search by day, then
 * by hour and minute, never minute by minute.
 */
import { invalidArgument, quoted } from "./errors.js";

export interface CronSchedule {
  expression: string;
  minutes: readonly boolean[];
  hours: readonly boolean[];
  days: readonly boolean[];
  months: readonly boolean[];
  weekdays: readonly boolean[];
  /** Whether day-of-month / day-of-week were `*` (then only the other one restricts). */
  anyDay: boolean;
  anyWeekday: boolean;
}

const maxExpressionLength = 128;
const minuteMs = 60_000;
const dayMs = 24 * 60 * minuteMs;
/** Longest a search for the next or previous slot looks (a leap day every 4 years, and then some). */
const searchDays = 366 * 8;

const monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const weekdayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** Index of the first name (1 for months, 0 for weekdays). */
  nameBase?: number;
}

const fields: readonly FieldSpec[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: monthNames, nameBase: 1 },
  { name: "day-of-week", min: 0, max: 7, names: weekdayNames, nameBase: 0 },
];

const rangePattern = /^(\*|[0-9a-z]{1,3})(?:-([0-9a-z]{1,3}))?(?:\/([0-9]{1,2}))?$/;

function valueOf(text: string, spec: FieldSpec): number {
  const named = spec.names?.indexOf(text) ?? -1;
  const value = named >= 0 ? named + (spec.nameBase ?? 0) : /^[0-9]{1,2}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(value) || value < spec.min || value > spec.max) {
    throw new Error(`${spec.name} ${quoted(text)} is not in ${spec.min}-${spec.max}${spec.names ? ` (or ${spec.names[0]}-${spec.names[spec.names.length - 1]})` : ""}`);
  }
  return value;
}

/** One field into a table of the values it allows. */
function parseField(text: string, spec: FieldSpec): boolean[] {
  const allowed = new Array<boolean>(spec.max + 1).fill(false);
  for (const part of text.split(",")) {
    const found = rangePattern.exec(part);
    if (!found) throw new Error(`${spec.name} ${quoted(part)} is not N, A-B, *, */S or A-B/S`);
    const [, from = "", to, stepText] = found;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1) throw new Error(`${spec.name} step ${quoted(stepText)} must be at least 1`);
    const low = from === "*" ? spec.min : valueOf(from, spec);
    const high = from === "*" ? spec.max : to !== undefined ? valueOf(to, spec) : stepText !== undefined ? spec.max : low;
    if (from === "*" && to !== undefined) throw new Error(`${spec.name} ${quoted(part)}: * takes no range`);
    if (high < low) throw new Error(`${spec.name} range ${quoted(part)} runs backwards`);
    for (let value = low; value <= high; value += step) allowed[value] = true;
  }
  return allowed;
}

/**
 * Parses a five-field expression; INVALID_ARGUMENT naming the field and the form otherwise,
 * and for a schedule that never comes due (`0 0 31 2 *`).
 */
export function parseCron(expression: string, option = "snapshotSchedule"): CronSchedule {
  const form = `write five fields, minute hour day-of-month month day-of-week, in UTC, like "0 3 * * *" (every day at 03:00 UTC)`;
  if (expression.length > maxExpressionLength) throw invalidArgument(`${option} is ${expression.length} characters long; ${form}`, { option });
  const parts = expression.trim().toLowerCase().split(/[ \t]+/);
  if (parts.length !== 5) throw invalidArgument(`invalid ${option} ${quoted(expression)}: it has ${parts.length} fields; ${form}`, { option });
  let tables: boolean[][];
  try {
    tables = parts.map((part, index) => parseField(part, fields[index] as FieldSpec));
  } catch (err) {
    throw invalidArgument(`invalid ${option} ${quoted(expression)}: ${(err as Error).message}; ${form}`, { option });
  }
  const [minutes = [], hours = [], days = [], months = [], weekdays = []] = tables;
  if (weekdays[7]) weekdays[0] = true;
  const schedule: CronSchedule = { expression: parts.join(" "), minutes, hours, days, months, weekdays: weekdays.slice(0, 7), anyDay: parts[2] === "*", anyWeekday: parts[4] === "*" };
  if (nextSlot(schedule, Date.UTC(2000, 0, 1)) === undefined) {
    throw invalidArgument(`${option} ${quoted(expression)} never comes due (no such day in those months); ${form}`, { option });
  }
  return schedule;
}

function dayMatches(schedule: CronSchedule, day: Date): boolean {
  if (!schedule.months[day.getUTCMonth() + 1]) return false;
  const byDate = schedule.days[day.getUTCDate()] === true;
  const byWeekday = schedule.weekdays[day.getUTCDay()] === true;
  if (schedule.anyDay && schedule.anyWeekday) return true;
  if (schedule.anyDay) return byWeekday;
  if (schedule.anyWeekday) return byDate;
  return byDate || byWeekday;
}

/** The latest index ≤ `upTo` allowed by `table`, or -1. */
function lastAllowed(table: readonly boolean[], upTo: number): number {
  for (let value = upTo; value >= 0; value -= 1) if (table[value]) return value;
  return -1;
}

function firstAllowed(table: readonly boolean[], from: number, max: number): number {
  for (let value = from; value <= max; value += 1) if (table[value]) return value;
  return -1;
}

/** Whether `time` (epoch ms) falls in a due minute. */
export function isDue(schedule: CronSchedule, time: number): boolean {
  const at = new Date(time);
  return dayMatches(schedule, at) && schedule.hours[at.getUTCHours()] === true && schedule.minutes[at.getUTCMinutes()] === true;
}

/** The latest slot at or before `time` (epoch ms, a whole UTC minute), or undefined if none in 8 years. */
export function previousSlot(schedule: CronSchedule, time: number): number | undefined {
  const start = Math.floor(time / dayMs) * dayMs;
  for (let index = 0; index < searchDays; index += 1) {
    const dayStart = start - index * dayMs;
    if (!dayMatches(schedule, new Date(dayStart))) continue;
    const today = index === 0;
    const clock = new Date(time);
    for (let hour = lastAllowed(schedule.hours, today ? clock.getUTCHours() : 23); hour >= 0; hour = lastAllowed(schedule.hours, hour - 1)) {
      const upTo = today && hour === clock.getUTCHours() ? clock.getUTCMinutes() : 59;
      const minute = lastAllowed(schedule.minutes, upTo);
      if (minute >= 0) return dayStart + hour * 60 * minuteMs + minute * minuteMs;
    }
  }
  return undefined;
}

/** The first slot strictly after `time` (epoch ms), or undefined if none in 8 years. */
export function nextSlot(schedule: CronSchedule, time: number): number | undefined {
  const after = Math.floor(time / minuteMs) * minuteMs + minuteMs;
  const start = Math.floor(after / dayMs) * dayMs;
  for (let index = 0; index < searchDays; index += 1) {
    const dayStart = start + index * dayMs;
    if (!dayMatches(schedule, new Date(dayStart))) continue;
    const today = index === 0;
    const clock = new Date(after);
    for (let hour = firstAllowed(schedule.hours, today ? clock.getUTCHours() : 0, 23); hour >= 0; hour = firstAllowed(schedule.hours, hour + 1, 23)) {
      const from = today && hour === clock.getUTCHours() ? clock.getUTCMinutes() : 0;
      const minute = firstAllowed(schedule.minutes, from, 59);
      if (minute >= 0) return dayStart + hour * 60 * minuteMs + minute * minuteMs;
    }
  }
  return undefined;
}

/** How long the slot at `slot` lasts: until the next one. */
export function periodAt(schedule: CronSchedule, slot: number): number | undefined {
  const next = nextSlot(schedule, slot);
  return next === undefined ? undefined : next - slot;
}
