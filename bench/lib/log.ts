/** The bench's output: plain lines on stdout (a report for people, not a service log). */
export const log = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
