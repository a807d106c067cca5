/** UTC days as the API counts them (`YYYY-MM-DD`). */
export const utcDay = (time = Date.now()): string => new Date(time).toISOString().slice(0, 10);

export function thisMonth(today = utcDay()): { from: string; to: string } {
  const [year, month] = today.split('-').map(Number) as [number, number];
  return { from: `${today.slice(0, 7)}-01`, to: utcDay(Date.UTC(year, month, 0)) };
}

export function lastDays(count: number, today = utcDay()): { from: string; to: string } {
  return { from: utcDay(Date.parse(`${today}T00:00:00Z`) - (count - 1) * 86_400_000), to: today };
}

/** Every day from `from` to `to` (both included), for a chart axis without gaps. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let time = Date.parse(`${from}T00:00:00Z`); time <= Date.parse(`${to}T00:00:00Z`); time += 86_400_000)
    days.push(utcDay(time));
  return days;
}
