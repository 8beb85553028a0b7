import { expect } from "vitest";
import type { ParsedStatement, StatementStream } from "./types";

/** For parser tests: the stream yields what the parser returns, its facts only once done, and the same again on a second reading. */
export function expectSameReading(stream: StatementStream, parsed: ParsedStatement): void {
  expect(stream.facts).toBeNull();
  const { lines, ...facts } = parsed;
  const first = [...stream.lines()];
  expect(first).toEqual(lines);
  expect(stream.facts).toEqual(facts);
  expect([...stream.lines()]).toEqual(first);
}

/** For parser tests: the line numbers the stream yielded before it threw, and what it threw; its facts stay unset. */
export function readUntilRefused(stream: StatementStream): { yielded: number[]; error: Error } {
  const yielded: number[] = [];
  try {
    for (const line of stream.lines()) yielded.push(line.lineNo);
  } catch (e) {
    expect(stream.facts).toBeNull();
    return { yielded, error: e as Error };
  }
  throw new Error("the stream read the whole file without refusing it");
}
